"""The methods notebook 07 compares on every split, the metrics it summarises, and its per-split records."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from helpers import config
from helpers.recipes import Variant

METHODS: dict[str, str] = {
    "baseline_cnn": "baseline CNN, class weights (photos split first)",
    "final_cnn_report": "final CNN, report's protocol (augment, then split: leaky)",
    "final_cnn_leak_free": "final CNN, leak-free (split, then augment training only)",
    "pixel_logreg": "logistic regression on 50x40 grey pixels",
    "eigenfaces_logreg": "PCA (30 eigenfaces, whitened) + logistic regression",
    "majority": "majority class (always male)",
    "final_cnn_leak_free_refit": "final CNN, leak-free, refit on training + validation photos",
    "pixel_logreg_refit": "logistic regression on pixels, refit on training + validation photos",
    "eigenfaces_logreg_refit": "eigenfaces + logistic regression, refit on training + validation photos",
}
SHORT_LABELS = config.METHOD_WORDS  # short names in words for figures, tables and the deck
# A refit method trains its base method, keeps the base's threshold (chosen on the validation photos before the
# refit) and its stopping point (the CNN's best epoch, the regressions' C), then fits afresh on the training and
# validation photos together and scores the test photos with that fit.
REFIT_OF: dict[str, str] = {"final_cnn_leak_free_refit": "final_cnn_leak_free", "pixel_logreg_refit": "pixel_logreg",
                            "eigenfaces_logreg_refit": "eigenfaces_logreg"}
CNN_METHODS = ("baseline_cnn", "final_cnn_report", "final_cnn_leak_free")
SUMMARY_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "specificity", "f1", "auc")
# The metrics that do not move with the share of female photos in the test set: the report's protocol tests on
# balanced sets, the leak-free one on the data's own share, so only these compare the two protocols fairly.
PREVALENCE_FREE = ("auc", "balanced_accuracy", "recall", "specificity")
METRIC_LABELS: dict[str, str] = {
    "auc": "test AUC",
    "balanced_accuracy": "balanced accuracy at the validation threshold",
    "recall": "sensitivity (female photos called female) at the validation threshold",
    "specificity": "specificity (male photos called male) at the validation threshold",
    "accuracy": "accuracy at the validation threshold",
    "precision": "precision at the validation threshold",
    "f1": "F1 at the validation threshold",
}
LEAKY, LEAK_FREE = "final_cnn_report", "final_cnn_leak_free"
MAJORITY = "majority"
SHORT_METRICS = config.METRIC_WORDS


def records_for_json(records: pd.DataFrame) -> list[dict[str, Any]]:
    """The per-split records as plain dicts, a column a method lacks (e.g. ``C`` for a CNN) left out."""
    return [{k: v for k, v in row.items() if not (isinstance(v, float) and math.isnan(v)) or k in SUMMARY_METRICS}
            for row in records.to_dict("records")]


def with_specificity(records: pd.DataFrame) -> pd.DataFrame:
    """``records`` with a ``specificity`` for every row; where a record lacks it, from the identity balanced
    accuracy = (sensitivity + specificity) / 2, exact at the same threshold."""
    derived = 2 * records["balanced_accuracy"] - records["recall"]
    return records.assign(specificity=records.get("specificity", derived).fillna(derived))


def method_info(records: pd.DataFrame) -> dict[str, int]:
    """Test images per split for each method (constant across splits by construction)."""
    return {method: int(group["n_test"].iloc[0]) for method, group in records.groupby("method", sort=False)}


def describe_variant(variant: str, scale: float) -> str:
    """A final CNN's settings in words, for the notebooks' printouts (the variant name is the studies' shorthand)."""
    chosen = Variant.parse(variant)
    smoothing = chosen.training().label_smoothing
    return ", ".join([f"images scaled by {scale:g}", *([f"label smoothing {smoothing:g}"] if smoothing else []),
                      *(["each image standardised"] if chosen.standardise else []),
                      *(["the training people's sketches added"] if chosen.sketches else []),
                      f"{chosen.models} models averaged" if chosen.models > 1 else "one model",
                      *(["each score averaged with its mirror image's"] if chosen.flip_tta else [])])
