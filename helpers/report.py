"""The source report's published numbers (SPEC.md), for side-by-side tables."""

from __future__ import annotations

BASELINE_AT_HALF = {"f1": 0.5098, "accuracy": 0.3421, "precision": 0.3421, "auc": 0.5231}
BASELINE_AT_OPTIMAL = {"f1": 0.4348, "accuracy": 0.6579, "precision": 0.5000, "recall": 0.3846, "auc": 0.5231}
FINAL_MODEL = {
    "accuracy": 0.8704, "precision": 1.0000, "recall": 0.7407, "f1": 0.8511, "auc": 0.9383, "loss": 1.8223,
}
BASELINE_PARAMS = {"total": 1_390_113, "trainable": 1_389_889, "non_trainable": 224}
FINAL_PARAMS = {"total": 423_361, "trainable": 422_401, "non_trainable": 960}
