"""Project-wide constants and the folders every notebook reads and writes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

SEED = 23
# NumPy takes seeds below 2**32, and the notebooks derive more seeds by adding up to a few thousand
# (split number, ensemble member x 1000, sketches + 500): the largest seed leaves room for them.
MAX_SEED = 2**32 - 1 - 10**6
IMAGE_WIDTH = 200
IMAGE_HEIGHT = 250
# Keras works in (rows, columns, channels): a 200-wide x 250-high portrait is 250 x 200.
INPUT_SHAPE = (IMAGE_HEIGHT, IMAGE_WIDTH, 3)
CLASS_NAMES = ("male", "female")  # label 0, label 1 (female is the positive class)

DATA_ENV_VAR = "CUFS_DIR"
OUTPUT_ENV_VAR = "CUFS_OUTPUT_DIR"
KAGGLE_SLUG = "arbazkhan971/cuhk-face-sketch-database-cufs"
GITHUB_REPO = "cufs-course/cufs-sex-cnn"
COLAB_URL = f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/main/"
PROGRESS_ENV_VAR = "CUFS_PROGRESS_BARS"  # "0": no progress bars (the pipeline sets it for headless runs)


def project_root() -> Path:
    """The folder that holds ``helpers/``, whatever the working directory."""
    return Path(__file__).resolve().parent.parent


def output_root(explicit: str | os.PathLike | None = None) -> Path:
    """Where notebooks write: ``explicit``, else ``$CUFS_OUTPUT_DIR`` (the tests' temporary folder), else here."""
    chosen = explicit or os.environ.get(OUTPUT_ENV_VAR) or project_root()
    return Path(chosen).expanduser().resolve()


def _folder(*parts: str) -> Callable[[str | os.PathLike | None], Path]:
    """A function giving the output folder ``parts`` under ``output_root(root)``, created on demand."""
    def folder(root: str | os.PathLike | None = None) -> Path:
        path = output_root(root).joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return folder


figures_dir = _folder("figures")
processed_dir = _folder("data", "processed")  # an interrupted study's progress, the runner's snapshot (git-ignored)
results_dir = _folder("results")  # one JSON file per notebook

QUICK_ENV = "CUFS_QUICK"


def quick_setting(quick: bool | None) -> bool:
    """A notebook's ``QUICK`` parameter; None means ``$CUFS_QUICK == "1"`` (the test suite sets it)."""
    return os.environ.get(QUICK_ENV) == "1" if quick is None else bool(quick)


# The metrics' names in prose and tables, written once (notebooks, README, model card and deck use them).
METRIC_WORDS: dict[str, str] = {"auc": "AUC", "balanced_accuracy": "balanced accuracy", "recall": "sensitivity",
                                "specificity": "specificity", "accuracy": "accuracy", "precision": "precision",
                                "f1": "F1"}
# Notebook 07's methods in short words, for figures, tables and the deck (the long labels: helpers.methods).
METHOD_WORDS: dict[str, str] = {
    "baseline_cnn": "baseline CNN",
    "final_cnn_report": "final CNN, report's protocol (leaky)",
    "final_cnn_leak_free": "final CNN, leak-free",
    "pixel_logreg": "logistic regression on pixels",
    "eigenfaces_logreg": "eigenfaces + logistic regression",
    "majority": "majority class (always male)",
    "final_cnn_leak_free_refit": "final CNN, leak-free, refit",
    "pixel_logreg_refit": "logistic regression on pixels, refit",
    "eigenfaces_logreg_refit": "eigenfaces + logistic regression, refit",
}
