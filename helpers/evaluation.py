"""Metrics, the validation-chosen threshold, the standard figures and the results files."""

from __future__ import annotations

import os
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from sklearn import metrics as skm

from . import config, storage
from .plots import save_figure  # noqa: F401  (re-exported for the notebooks)

METRIC_NAMES = ("accuracy", "precision", "recall", "f1", "auc", "loss")


def binary_metrics(y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, precision, recall, F1 (female = positive), ROC AUC and cross-entropy loss.

    A prediction is female when ``score >= threshold``. The loss is the plain binary
    cross-entropy of the scores (no regularisation term), so models compare fairly.
    """
    y_true = np.asarray(y_true).astype(int)
    scores = np.asarray(scores, dtype=float)
    predicted = (scores >= threshold).astype(int)
    both_classes = len(np.unique(y_true)) == 2
    return {
        "accuracy": float(skm.accuracy_score(y_true, predicted)),
        "precision": float(skm.precision_score(y_true, predicted, zero_division=0)),
        "recall": float(skm.recall_score(y_true, predicted, zero_division=0)),
        "f1": float(skm.f1_score(y_true, predicted, zero_division=0)),
        "auc": float(skm.roc_auc_score(y_true, scores)) if both_classes else float("nan"),
        "loss": float(skm.log_loss(y_true, np.clip(scores, 1e-7, 1 - 1e-7), labels=[0, 1])),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y_true, predicted)),
        "threshold": float(threshold),
    }


def youden_threshold(y_true: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold that maximises Youden's J = TPR - FPR on (validation) data.

    Ties go to the highest threshold (fewest positives). The threshold is one of the
    observed scores; ``score >= threshold`` is then predicted positive.
    """
    fpr, tpr, thresholds = skm.roc_curve(np.asarray(y_true).astype(int), np.asarray(scores, dtype=float))
    finite = np.isfinite(thresholds)  # roc_curve starts with +inf (nothing predicted positive)
    j = (tpr - fpr)[finite]
    best = np.flatnonzero(j >= j.max() - 1e-12)[0]  # tolerance: equal J values can differ in the last bit
    return float(thresholds[finite][best])


def evaluate_with_validation_threshold(
    y_val: np.ndarray, val_scores: np.ndarray, y_test: np.ndarray, test_scores: np.ndarray
) -> dict[str, Any]:
    """Test metrics at 0.5 and at the Youden threshold chosen on the validation scores (never on test)."""
    threshold = youden_threshold(y_val, val_scores)
    return {
        "threshold": threshold,
        "validation_auc": binary_metrics(y_val, val_scores)["auc"],
        "test_at_0.5": binary_metrics(y_test, test_scores, 0.5),
        "test_at_threshold": binary_metrics(y_test, test_scores, threshold),
        "test_confusion_at_0.5": confusion(y_test, test_scores, 0.5).tolist(),
        "test_confusion_at_threshold": confusion(y_test, test_scores, threshold).tolist(),
    }


def confusion(y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """2 x 2 confusion matrix, rows = true (male, female), columns = predicted."""
    predicted = (np.asarray(scores) >= threshold).astype(int)
    return skm.confusion_matrix(np.asarray(y_true).astype(int), predicted, labels=[0, 1])


def comparison_table(columns: dict[str, dict[str, float]], metrics: tuple[str, ...] = METRIC_NAMES) -> pd.DataFrame:
    """Metrics side by side (one column per source); a metric a source lacks shows as NaN."""
    return pd.DataFrame({name: [values.get(m, np.nan) for m in metrics] for name, values in columns.items()},
                        index=list(metrics)).round(4)


def evaluate_model(model: Any, validation: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray],
                   tta: bool = False) -> tuple[dict[str, Any], np.ndarray]:
    """Score validation and test, choose the threshold on validation; returns the evaluation and the test scores.

    ``model`` may be a list (an ensemble: probabilities averaged); ``tta`` adds flip test-time augmentation.
    """
    from . import training

    val_scores = training.predict_scores(model, validation[0], tta=tta)
    test_scores = training.predict_scores(model, test[0], tta=tta)
    return evaluate_with_validation_threshold(validation[1], val_scores, test[1], test_scores), test_scores


# ---- figures ----------------------------------------------------------------------------------


def save_test_figures(y_test: np.ndarray, test_scores: np.ndarray, threshold: float, model_name: str, stem: str,
                      root: str | os.PathLike | None = None) -> None:
    """The test ROC curve (with the validation threshold marked) and the confusion matrices at 0.5 and at the
    threshold, shown and saved as ``<stem>_roc_curve``, ``<stem>_confusion_matrix_0.5`` and ``..._threshold``."""
    fig = plot_roc(y_test, test_scores, f"{model_name}: test ROC", threshold=threshold)
    save_figure(fig, f"{stem}_roc_curve", root)
    plt.show()
    for suffix, value, label in (("0.5", 0.5, "0.5"), ("threshold", threshold, f"{threshold:.3f} (validation)")):
        fig = plot_confusion(y_test, test_scores, value, f"{model_name}, test, threshold {label}")
        save_figure(fig, f"{stem}_confusion_matrix_{suffix}", root)
    plt.show()


def plot_roc(y_true: np.ndarray, scores: np.ndarray, title: str, threshold: float | None = None) -> plt.Figure:
    """ROC curve with its AUC; optionally marks the operating point of ``threshold``."""
    fpr, tpr, _ = skm.roc_curve(np.asarray(y_true).astype(int), scores)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fpr, tpr, lw=2, label=f"ROC (AUC = {skm.auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", label="chance")
    if threshold is not None:
        cm = confusion(y_true, scores, threshold)
        point_fpr = cm[0, 1] / max(cm[0].sum(), 1)
        point_tpr = cm[1, 1] / max(cm[1].sum(), 1)
        ax.scatter([point_fpr], [point_tpr], c="red", zorder=3, label=f"threshold {threshold:.3f}")
    ax.set(xlabel="false positive rate (male called female)", ylabel="true positive rate (female found)",
           title=title, xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
    ax.legend(loc="lower right")
    return fig


def plot_confusion(y_true: np.ndarray, scores: np.ndarray, threshold: float, title: str) -> plt.Figure:
    """Seaborn heat map of the confusion matrix at ``threshold``."""
    fig, ax = plt.subplots(figsize=(4.5, 4))
    sns.heatmap(confusion(y_true, scores, threshold), annot=True, fmt="d", cmap="Blues", cbar=False,
                xticklabels=config.CLASS_NAMES, yticklabels=config.CLASS_NAMES, ax=ax)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return fig


def plot_history(history: dict[str, list[float]], title: str) -> plt.Figure:
    """Training vs validation loss and accuracy, one panel each."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], label="training")
        ax.plot(epochs, history[f"val_{metric}"], label="validation")
        ax.set(xlabel="epoch", ylabel=metric, title=f"{title}: {metric}")
        ax.legend()
    fig.tight_layout()
    return fig


# ---- results files ----------------------------------------------------------------------------


def write_results(name: str, payload: dict[str, Any], root: str | os.PathLike | None = None) -> str:
    """Write ``results/<name>.json`` atomically, with the ``environment`` that produced it; the README reads it."""
    from . import environment

    record = {**payload, "environment": environment.describe(seed=payload.get("seed"))}
    return str(storage.save_json(config.results_dir(root) / f"{name}.json", record))


def training_summary(model: Any, history: Any, recipe: Any, splits: dict[str, np.ndarray], seed: int
                     ) -> dict[str, Any]:
    """The fields every single-split results file shares: seed, split sizes, parameters, recipe, epochs."""
    from . import models, training

    trainable, non_trainable = models.parameter_counts(model)
    return {
        "seed": seed,
        "split_sizes": {name: len(idx) for name, idx in splits.items()},
        "parameters": {"total": trainable + non_trainable, "trainable": trainable, "non_trainable": non_trainable},
        "recipe": recipe.as_dict(),
        "epochs_run": len(history.history["loss"]),
        "best_epoch": training.best_epoch(history, recipe),
    }


def read_results(name: str, root: str | os.PathLike | None = None) -> dict[str, Any]:
    """Read ``results/<name>.json``."""
    return storage.load_json(config.results_dir(root) / f"{name}.json")
