"""Project-wide constants and the folders every notebook reads and writes."""

from __future__ import annotations

import os
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
    """The folder that holds `helpers/` (found from this file, so any cwd works)."""
    return Path(__file__).resolve().parent.parent


def output_root(explicit: str | os.PathLike | None = None) -> Path:
    """Where notebooks write figures, data artifacts, results and models.

    An explicit path wins, then ``$CUFS_OUTPUT_DIR`` (the tests point it at a
    temporary folder so tracked files never change), then the project root.
    """
    chosen = explicit or os.environ.get(OUTPUT_ENV_VAR) or project_root()
    return Path(chosen).expanduser().resolve()


def figures_dir(root: str | os.PathLike | None = None) -> Path:
    """The folder for saved figures, created on demand."""
    return _ensure(output_root(root) / "figures")


def processed_dir(root: str | os.PathLike | None = None) -> Path:
    """The folder for data artifacts passed between notebooks (git-ignored)."""
    return _ensure(output_root(root) / "data" / "processed")


def results_dir(root: str | os.PathLike | None = None) -> Path:
    """The folder for machine-readable results (one JSON file per notebook)."""
    return _ensure(output_root(root) / "results")


def models_dir(root: str | os.PathLike | None = None) -> Path:
    """The folder for trained models (git-ignored)."""
    return _ensure(output_root(root) / "data" / "models")


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---- the quick setting of the test suite --------------------------------------------------------

QUICK_ENV = "CUFS_QUICK"
QUICK_EPOCHS = 2  # enough to run every cell; far too few to learn anything


def quick_setting(quick: bool | None) -> bool:
    """A notebook's ``QUICK`` parameter; None means ``$CUFS_QUICK == "1"`` (the test suite sets it)."""
    return os.environ.get(QUICK_ENV) == "1" if quick is None else bool(quick)


def epochs_cap(quick: bool, cap: int | None = None) -> int | None:
    """The epoch cap a notebook trains with: ``QUICK_EPOCHS`` in the quick setting, else ``cap`` (None: none)."""
    return QUICK_EPOCHS if quick else cap


# The metrics' names in prose and tables, written once (notebooks, README, model card and deck use them).
METRIC_WORDS: dict[str, str] = {"auc": "AUC", "balanced_accuracy": "balanced accuracy", "recall": "sensitivity",
                                "specificity": "specificity", "accuracy": "accuracy", "precision": "precision",
                                "f1": "F1"}
# The methods of notebook 07 in short words, for figures, tables and the deck (METHODS' long labels are in
# helpers.methods: nbval compares its methods table).
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
