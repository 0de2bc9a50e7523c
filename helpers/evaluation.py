"""Metrics, the validation-chosen threshold, the standard figures and the results files."""

from __future__ import annotations

import math
import os
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator
from scipy import stats
from sklearn import metrics as skm

from . import config, plots, storage
from .results import ResultsNotReadyError, full_run_results, spread_over_splits  # noqa: F401  (re-exported for older callers)

METRIC_NAMES = ("accuracy", "precision", "recall", "f1", "auc", "loss")


def binary_metrics(y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, precision, recall, F1 (female = positive), ROC AUC, cross-entropy loss and Brier score.

    A prediction is female when ``score >= threshold``. The loss is the plain binary
    cross-entropy of the scores (no regularisation term), so models compare fairly; the Brier
    score (mean squared error of the scores) does not depend on the threshold.
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
        "brier": float(np.mean((scores - y_true) ** 2)),
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


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (e.g. accuracy = successes / n on one test set)."""
    if n <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf((1 + level) / 2))
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def auc_interval(auc: float, n_positive: int, n_negative: int, level: float = 0.95) -> tuple[float, float]:
    """Normal-approximation interval of one AUC with the Hanley-McNeil (1982) standard error."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (n_positive - 1) * (q1 - auc * auc) + (n_negative - 1) * (q2 - auc * auc)) / (
        n_positive * n_negative)
    half = float(stats.norm.ppf((1 + level) / 2)) * math.sqrt(max(variance, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)


# ---- calibration ------------------------------------------------------------------------------

RELIABILITY_BINS = 5  # 54 test images: five bins of width 0.2 keep a handful of images in most bins


def reliability_table(y_true: np.ndarray, scores: np.ndarray, bins: int = RELIABILITY_BINS) -> pd.DataFrame:
    """Per score bin of equal width on [0, 1]: images, mean predicted p(female), observed female rate.

    A calibrated model has observed rate = mean score in every bin; empty bins are left out.
    """
    y_true = np.asarray(y_true, dtype=float)
    scores = np.asarray(scores, dtype=float)
    which = np.minimum((scores * bins).astype(int), bins - 1)
    rows = [{"bin_low": b / bins, "bin_high": (b + 1) / bins, "images": int((which == b).sum()),
             "mean_score": float(scores[which == b].mean()), "observed_rate": float(y_true[which == b].mean())}
            for b in range(bins) if (which == b).any()]
    return pd.DataFrame(rows)


def calibration_summary(y_true: np.ndarray, scores: np.ndarray, bins: int = RELIABILITY_BINS) -> dict[str, float]:
    """Brier score, its value for a constant prediction of the observed female rate, the mean score, the
    observed rate and the expected calibration error (image-weighted mean |observed - predicted| over bins)."""
    y_true = np.asarray(y_true, dtype=float)
    scores = np.asarray(scores, dtype=float)
    rate = float(y_true.mean())
    table = reliability_table(y_true, scores, bins)
    ece = float((table["images"] * (table["observed_rate"] - table["mean_score"]).abs()).sum() / len(y_true))
    return {"brier": float(np.mean((scores - y_true) ** 2)), "brier_constant_rate": rate * (1 - rate),
            "mean_score": float(scores.mean()), "observed_rate": rate, "ece": ece, "images": len(y_true),
            "bins": bins}


def plot_reliability(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str,
                     bins: int = RELIABILITY_BINS) -> plt.Figure:
    """Reliability diagram (observed female share against mean score per bin, marker area = images) and the
    score histogram, one colour, marker and line style per named ``(labels, scores)`` pair (readable in
    grey-scale); the legend is under the panels."""
    fig, (ax, hist) = plt.subplots(1, 2, figsize=(11.5, 5.8), gridspec_kw={"width_ratios": [1.1, 0.9]},
                                   layout="constrained")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1.2, label="perfectly calibrated")
    edges = np.linspace(0, 1, bins + 1)
    for index, (name, (y_true, scores)) in enumerate(curves.items()):
        hue, marker = plots.colour(index), plots.MARKERS[index % len(plots.MARKERS)]
        style = plots.LINESTYLES[index % len(plots.LINESTYLES)]
        table = reliability_table(y_true, scores, bins)
        brier = calibration_summary(y_true, scores, bins)["brier"]
        ax.plot(table["mean_score"], table["observed_rate"], color=hue, marker=marker, ms=8, ls=style, lw=2,
                label=f"{name} (Brier {brier:.3f})")
        ax.scatter(table["mean_score"], table["observed_rate"], s=20 * table["images"], color=hue, marker=marker,
                   alpha=0.3, linewidths=0, label="shaded area: images in the bin" if index == 0 else None)
        hist.hist(np.asarray(scores, dtype=float), bins=edges, histtype="step", lw=2.2, ls=style, color=hue,
                  label=name)
    ax.set(xlim=(0, 1), ylim=(-0.02, 1.02), aspect="equal")
    plots.style_axes(ax, title=plots.wrap(title, 50), xlabel="mean predicted probability of female (per bin)",
                     ylabel="observed share of female photos")
    plots.style_axes(hist, title="How the scores are spread", xlabel="predicted probability of female",
                     ylabel="images")
    hist.set_xlim(0, 1)
    hist.yaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i].startswith("shaded"))  # the key's note last
    ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper center",
              bbox_to_anchor=(0.5, -0.16), fontsize=plots.LEGEND_PT, frameon=False)
    hist.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=plots.LEGEND_PT, frameon=False,
                ncols=max(1, len(curves)))
    return fig


def plot_reliability_spread(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str,
                            bins: int = RELIABILITY_BINS) -> plt.Figure:
    """One thin reliability curve per named ``(labels, scores)`` pair (e.g. per split) and, bold, their pooled
    curve; the legend is under the axes."""
    fig, ax = plt.subplots(figsize=(6.6, 7.2), layout="constrained")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1.2, label="perfectly calibrated")
    for index, (y_true, scores) in enumerate(curves.values()):
        table = reliability_table(y_true, scores, bins)
        ax.plot(table["mean_score"], table["observed_rate"], c="#9ecae1", lw=1.0, marker=".", ms=5,
                label=f"each of the {len(curves)} splits" if index == 0 else None)
    pooled_y = np.concatenate([np.asarray(y, dtype=float) for y, _ in curves.values()])
    pooled_p = np.concatenate([np.asarray(p, dtype=float) for _, p in curves.values()])
    table = reliability_table(pooled_y, pooled_p, bins)
    ax.plot(table["mean_score"], table["observed_rate"], c="black", lw=3, marker="o", ms=8, mfc=plots.colour(0),
            label=f"pooled over the {len(curves)} splits")
    ax.set(xlim=(0, 1), ylim=(-0.02, 1.02), aspect="equal")
    plots.style_axes(ax, title=plots.wrap(title, 52), xlabel="mean predicted probability of female (per bin)",
                     ylabel="observed share of female photos")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=plots.LEGEND_PT, frameon=False)
    return fig


# ---- figures ----------------------------------------------------------------------------------


def save_test_figures(y_test: np.ndarray, test_scores: np.ndarray, threshold: float, model_name: str, stem: str,
                      root: str | os.PathLike | None = None) -> None:
    """The test ROC curve (with the validation threshold marked) and the confusion matrices at 0.5 and at the
    threshold, shown and saved as ``<stem>_roc_curve``, ``<stem>_confusion_matrix_0.5`` and ``..._threshold``."""
    fig = plot_roc(y_test, test_scores, f"{model_name}: test ROC", threshold=threshold)
    plots.save_figure(fig, f"{stem}_roc_curve", root)
    plt.show()
    for suffix, value, label in (("0.5", 0.5, "0.5"), ("threshold", threshold, f"{threshold:.3f} (validation)")):
        fig = plot_confusion(y_test, test_scores, value, f"{model_name}, test, threshold {label}")
        plots.save_figure(fig, f"{stem}_confusion_matrix_{suffix}", root)
    plt.show()


def plot_roc(y_true: np.ndarray, scores: np.ndarray, title: str, threshold: float | None = None) -> plt.Figure:
    """ROC curve with its AUC; optionally marks and labels the operating point of ``threshold``. The legend is
    under the axes."""
    fpr, tpr, _ = skm.roc_curve(np.asarray(y_true).astype(int), scores)
    fig, ax = plt.subplots(figsize=(6.4, 6.8))
    ax.plot(fpr, tpr, lw=2.5, color=plots.colour(0), label=f"ROC (AUC = {skm.auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1.2, label="chance")
    if threshold is not None:
        cm = confusion(y_true, scores, threshold)
        point_fpr = cm[0, 1] / max(cm[0].sum(), 1)
        point_tpr = cm[1, 1] / max(cm[1].sum(), 1)
        ax.scatter([point_fpr], [point_tpr], s=110, c=plots.colour(4), edgecolors="black", zorder=3,
                   label=f"threshold {threshold:.3f}")
        right, below = point_fpr < 0.6, point_tpr > 0.35  # keep the label inside the axes
        ax.annotate(f"threshold {threshold:.3f}\nFPR {point_fpr:.2f}, TPR {point_tpr:.2f}", (point_fpr, point_tpr),
                    xytext=(14 if right else -14, -30 if below else 30), textcoords="offset points",
                    ha="left" if right else "right", va="top" if below else "bottom", fontsize=plots.NOTE_PT,
                    arrowprops={"arrowstyle": "-", "color": "0.4"}, bbox={"boxstyle": "round", "fc": "white",
                                                                          "ec": "0.7"})
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), aspect="equal")
    plots.style_axes(ax, title=plots.wrap(title, 46), xlabel="false-positive rate (male photos called female)",
                     ylabel="true-positive rate (female photos found)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=plots.LEGEND_PT, frameon=False,
              ncols=2 if threshold is None else 3)
    fig.tight_layout()
    return fig


def plot_confusion(y_true: np.ndarray, scores: np.ndarray, threshold: float, title: str) -> plt.Figure:
    """Seaborn heat map of the confusion matrix at ``threshold``: counts in large type, no colour bar."""
    fig, ax = plt.subplots(figsize=(5.2, 4.8))
    sns.heatmap(confusion(y_true, scores, threshold), annot=True, fmt="d", cmap="Blues", cbar=False,
                annot_kws={"fontsize": 24, "fontweight": "bold"}, linewidths=1, linecolor="white",
                xticklabels=config.CLASS_NAMES, yticklabels=config.CLASS_NAMES, ax=ax)
    plots.style_axes(ax, title=plots.wrap(title, 40), xlabel="predicted class", ylabel="true class")
    ax.tick_params(labelsize=plots.LABEL_PT, length=0)
    plt.setp(ax.get_yticklabels(), rotation=90, va="center")
    fig.tight_layout()
    return fig


def plot_history(history: dict[str, list[float]], title: str) -> plt.Figure:
    """Training and validation loss and accuracy of one model, the epoch of lowest validation loss marked as
    restored (``plots.training_curves`` for one member)."""
    values = dict(getattr(history, "history", history))
    restored = int(np.argmin(np.asarray(values["val_loss"], dtype=float))) + 1
    return plots.training_curves([values], [restored], title)


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


