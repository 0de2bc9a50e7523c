"""The source report's published numbers (restated in docs/report.md), for side-by-side tables."""

from __future__ import annotations

BASELINE_AT_HALF = {"f1": 0.5098, "accuracy": 0.3421, "precision": 0.3421, "auc": 0.5231}
BASELINE_AT_OPTIMAL = {"f1": 0.4348, "accuracy": 0.6579, "precision": 0.5000, "recall": 0.3846, "auc": 0.5231}
FINAL_MODEL = {"accuracy": 0.8704, "precision": 1.0000, "recall": 0.7407, "f1": 0.8511, "auc": 0.9383, "loss": 1.8223}
BASELINE_PARAMS = {"total": 1_390_113, "trainable": 1_389_889, "non_trainable": 224}
FINAL_PARAMS = {"total": 423_361, "trainable": 422_401, "non_trainable": 960}

# The report's parameter tables (its Tables 1 and 4): layer, output shape as printed, parameters. The shapes are
# those of a 200-row x 250-column input, the transpose of a portrait photo; the counts do not depend on it.
BASELINE_LAYERS = (
    ("conv2d", "(None, 198, 248, 16)", 448), ("max_pooling2d", "(None, 99, 124, 16)", 0),
    ("batch_normalization", "(None, 99, 124, 16)", 64), ("conv2d_1", "(None, 97, 122, 32)", 4_640),
    ("max_pooling2d_1", "(None, 48, 61, 32)", 0), ("batch_normalization_1", "(None, 48, 61, 32)", 128),
    ("conv2d_2", "(None, 46, 59, 64)", 18_496), ("max_pooling2d_2", "(None, 23, 29, 64)", 0),
    ("batch_normalization_2", "(None, 23, 29, 64)", 256), ("flatten", "(None, 42688)", 0),
    ("dense", "(None, 32)", 1_366_048), ("dropout", "(None, 32)", 0), ("dense_1", "(None, 1)", 33),
)
FINAL_LAYERS = (
    ("conv2d", "(None, 198, 248, 32)", 896), ("max_pooling2d", "(None, 99, 124, 32)", 0),
    ("batch_normalization", "(None, 99, 124, 32)", 128), ("conv2d", "(None, 97, 122, 64)", 18_496),
    ("max_pooling2d", "(None, 48, 61, 64)", 0), ("batch_normalization", "(None, 48, 61, 64)", 256),
    ("conv2d", "(None, 46, 59, 128)", 73_856), ("max_pooling2d", "(None, 23, 29, 128)", 0),
    ("batch_normalization", "(None, 23, 29, 128)", 512), ("conv2d", "(None, 21, 27, 256)", 295_168),
    ("max_pooling2d", "(None, 10, 13, 256)", 0), ("batch_normalization", "(None, 10, 13, 256)", 1_024),
    ("global_average_pooling2d", "(None, 256)", 0), ("dense", "(None, 128)", 32_896), ("dropout", "(None, 128)", 0),
    ("dense", "(None, 1)", 129),
)
