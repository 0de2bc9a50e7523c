"""Figures of the test metrics: the ROC curve and the confusion matrices."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from sklearn import metrics as skm

from helpers import config, evaluation, plots


def save_test_figures(y_test: np.ndarray, test_scores: np.ndarray, threshold: float, model_name: str, stem: str,
                      root: str | os.PathLike | None = None) -> None:
    """Show and save ``<stem>_roc_curve`` and ``<stem>_confusion_matrix_0.5`` and ``_threshold`` of the test scores."""
    plots.save_figure(plot_roc(y_test, test_scores, f"{model_name}: test ROC", threshold), f"{stem}_roc_curve", root)
    for suffix, value, label in (("0.5", 0.5, "0.5"), ("threshold", threshold, f"{threshold:.3f} (validation)")):
        fig = plot_confusion(y_test, test_scores, value, f"{model_name}, test, threshold {label}")
        plots.save_figure(fig, f"{stem}_confusion_matrix_{suffix}", root)


def plot_roc(y_true: np.ndarray, scores: np.ndarray, title: str, threshold: float) -> plt.Figure:
    """ROC curve with its AUC, the operating point at ``threshold`` marked and labelled."""
    fpr, tpr, _ = skm.roc_curve(np.asarray(y_true).astype(int), scores)
    fig, ax = plt.subplots(figsize=(6.4, 6.8))
    ax.plot(fpr, tpr, lw=2.5, color=plots.COLOURS[0], label=f"ROC (AUC = {skm.auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1.2, label="chance")
    cm = evaluation.confusion(y_true, scores, threshold)
    point_fpr, point_tpr = cm[0, 1] / max(cm[0].sum(), 1), cm[1, 1] / max(cm[1].sum(), 1)
    ax.scatter([point_fpr], [point_tpr], s=110, c=plots.COLOURS[4], edgecolors="black", zorder=3,
               label=f"threshold {threshold:.3f}")
    right, below = point_fpr < 0.6, point_tpr > 0.35  # keep the label inside the axes
    ax.annotate(f"threshold {threshold:.3f}\nFPR {point_fpr:.2f}, TPR {point_tpr:.2f}", (point_fpr, point_tpr),
                xytext=(14 if right else -14, -30 if below else 30), textcoords="offset points",
                ha="left" if right else "right", va="top" if below else "bottom", fontsize=plots.NOTE_PT,
                arrowprops={"arrowstyle": "-", "color": "0.4"}, bbox={"boxstyle": "round", "fc": "white", "ec": "0.7"})
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), aspect="equal")
    plots.style_axes(ax, title=plots.wrap(title, 46), xlabel="false-positive rate (male photos called female)",
                     ylabel="true-positive rate (female photos found)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=plots.LEGEND_PT, frameon=False, ncols=3)
    fig.tight_layout()
    return fig


def plot_confusion(y_true: np.ndarray, scores: np.ndarray, threshold: float, title: str) -> plt.Figure:
    """Seaborn heat map of the confusion matrix at ``threshold``: counts in large type, no colour bar."""
    fig, ax = plt.subplots(figsize=(5.2, 4.8))
    sns.heatmap(evaluation.confusion(y_true, scores, threshold), annot=True, fmt="d", cmap="Blues", cbar=False,
                annot_kws={"fontsize": 24, "fontweight": "bold"}, linewidths=1, linecolor="white",
                xticklabels=config.CLASS_NAMES, yticklabels=config.CLASS_NAMES, ax=ax)
    plots.style_axes(ax, title=plots.wrap(title, 40), xlabel="predicted class", ylabel="true class")
    ax.tick_params(labelsize=plots.LABEL_PT, length=0)
    plt.setp(ax.get_yticklabels(), rotation=90, va="center")
    fig.tight_layout()
    return fig

