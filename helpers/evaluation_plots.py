"""Figures of the test metrics: ROC curve, confusion matrix, reliability, and the spread over notebook 07's splits."""

from __future__ import annotations

import math
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator
from sklearn import metrics as skm

from helpers import config, evaluation, plots
from helpers.methods import LEAK_FREE, LEAKY, MAJORITY, METRIC_LABELS, PREVALENCE_FREE, SHORT_LABELS, SHORT_METRICS


def _reliability_axes(ax: plt.Axes, title: str, width: int) -> None:
    """The diagonal, the unit square and the axis labels of a reliability diagram."""
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1.2, label="perfectly calibrated")
    ax.set(xlim=(0, 1), ylim=(-0.02, 1.02), aspect="equal")
    plots.style_axes(ax, title=plots.wrap(title, width), xlabel="mean predicted probability of female (per bin)",
                     ylabel="observed share of female photos")


def plot_reliability(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str) -> plt.Figure:
    """Reliability diagram (marker area = images in the bin) and score histogram, a style per ``(labels, scores)``."""
    fig, (ax, hist) = plt.subplots(1, 2, figsize=(11.5, 5.8), gridspec_kw={"width_ratios": [1.1, 0.9]},
                                   layout="constrained")
    _reliability_axes(ax, title, 50)
    for index, (name, (y_true, scores)) in enumerate(curves.items()):
        hue, marker = plots.COLOURS[index % len(plots.COLOURS)], plots.MARKERS[index % len(plots.MARKERS)]
        style = plots.LINESTYLES[index % len(plots.LINESTYLES)]
        table = evaluation.reliability_table(y_true, scores)
        brier = evaluation.calibration_summary(y_true, scores)["brier"]
        ax.plot(table["mean_score"], table["observed_rate"], color=hue, marker=marker, ms=8, ls=style, lw=2,
                label=f"{name} (Brier {brier:.3f})")
        ax.scatter(table["mean_score"], table["observed_rate"], s=20 * table["images"], color=hue, marker=marker,
                   alpha=0.3, linewidths=0, label="shaded area: images in the bin" if index == 0 else None)
        hist.hist(np.asarray(scores, dtype=float), bins=np.linspace(0, 1, evaluation.RELIABILITY_BINS + 1), lw=2.2,
                  histtype="step", ls=style, color=hue, label=name)
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


def plot_reliability_spread(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str) -> plt.Figure:
    """One thin reliability curve per named ``(labels, scores)`` pair (e.g. per split) and, bold, the pooled one."""
    fig, ax = plt.subplots(figsize=(6.6, 7.2), layout="constrained")
    _reliability_axes(ax, title, 52)
    for index, (y_true, scores) in enumerate(curves.values()):
        table = evaluation.reliability_table(y_true, scores)
        ax.plot(table["mean_score"], table["observed_rate"], c="#9ecae1", lw=1.0, marker=".", ms=5,
                label=f"each of the {len(curves)} splits" if index == 0 else None)
    pooled = [np.concatenate([np.asarray(pair[i], dtype=float) for pair in curves.values()]) for i in (0, 1)]
    table = evaluation.reliability_table(*pooled)
    ax.plot(table["mean_score"], table["observed_rate"], c="black", lw=3, marker="o", ms=8, mfc=plots.COLOURS[0],
            label=f"pooled over the {len(curves)} splits")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=plots.LEGEND_PT, frameon=False)
    return fig


def save_test_figures(y_test: np.ndarray, test_scores: np.ndarray, threshold: float, model_name: str, stem: str,
                      root: str | os.PathLike | None = None) -> None:
    """Show and save ``<stem>_roc_curve`` and ``<stem>_confusion_matrix_0.5`` and ``_threshold`` of the test scores."""
    plots.save_figure(plot_roc(y_test, test_scores, f"{model_name}: test ROC", threshold), f"{stem}_roc_curve", root)
    plt.show()
    for suffix, value, label in (("0.5", 0.5, "0.5"), ("threshold", threshold, f"{threshold:.3f} (validation)")):
        fig = plot_confusion(y_test, test_scores, value, f"{model_name}, test, threshold {label}")
        plots.save_figure(fig, f"{stem}_confusion_matrix_{suffix}", root)
    plt.show()


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


def _limits(values: np.ndarray, pad: float = 0.08, least: float = 0.02) -> tuple[float, float]:
    """Axis limits around ``values`` with a margin: the panel's range comes from its own data."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    margin = max(pad * (high - low), least)
    return low - margin, high + margin


def plot_repeated(records: pd.DataFrame, metrics: tuple[str, ...] = PREVALENCE_FREE) -> plt.Figure:
    """One panel per metric: a box per method with every split as a dot (seaborn). The majority class is no dots
    (they would crush the differences that matter): a dashed line inside the panel's range, else named under it."""
    long = records[records["method"] != MAJORITY].melt(id_vars=["method", "seed"], value_vars=list(metrics),
                                                        var_name="metric")
    long["method"] = long["method"].map(lambda m: SHORT_LABELS.get(m, m))
    order = list(dict.fromkeys(long["method"]))
    nrows = math.ceil(len(metrics) / 2)
    fig, axes = plt.subplots(nrows, 2, figsize=(15, (0.6 * len(order) + 1.6) * nrows + 1.0), sharey=True,
                             squeeze=False, layout="constrained")
    for ax, metric in zip(axes.flat, metrics, strict=False):
        subset = long[long["metric"] == metric]
        sns.boxplot(data=subset, x="value", y="method", order=order, ax=ax, color="#dce6f2", fliersize=0, width=0.6)
        with plots.seeded_jitter():
            sns.stripplot(data=subset, x="value", y="method", order=order, ax=ax, color="#1f4e79", size=6,
                          jitter=0.15)
        low, high = _limits(subset["value"].to_numpy(dtype=float))
        xlabel = METRIC_LABELS.get(metric, metric)
        if (majority := records.loc[records["method"] == MAJORITY, metric]).notna().any():
            value = float(majority.mean())
            if low <= value <= high:
                ax.axvline(value, color="#7f7f7f", linestyle="--", linewidth=1.5)
            else:  # off the scale: say where, instead of stretching the axis
                xlabel += f"\n(majority class: {value:.2f}, off the scale to the {'left' if value < low else 'right'})"
        ax.set_xlim(low, high)
        plots.style_axes(ax, title=SHORT_METRICS.get(metric, metric), xlabel=xlabel, ylabel="")
        ax.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor="#dce6f2", edgecolor="#4d4d4d",
                             label="box: middle half of the splits, line: median"),
               plt.Line2D([], [], marker="o", linestyle="", color="#1f4e79", markersize=7, label="one split"),
               plt.Line2D([], [], color="#7f7f7f", linestyle="--", label="majority class")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False,
               fontsize=plots.LEGEND_PT)
    fig.suptitle(f"Test metrics over {records['seed'].nunique()} splits (one dot per split; every threshold chosen "
                 "on validation)", fontsize=plots.TITLE_PT)
    return fig


def plot_leak_pairs(records: pd.DataFrame) -> plt.Figure:
    """Per split, the leak-free and the leaky final CNN as two joined dots; the thick black line is their mean."""
    metrics, leaky, honest = ("auc", "balanced_accuracy"), LEAKY, LEAK_FREE
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 5.8), squeeze=False,
                             layout="constrained")
    colours = {"up": "#c44e52", "down": "#4c72b0"}
    for ax, metric in zip(axes.flat, metrics, strict=True):
        by_split = records.pivot(index="seed", columns="method", values=metric)[[honest, leaky]].dropna()
        for pair in by_split.to_numpy():
            ax.plot([0, 1], pair, color=colours["up" if pair[1] > pair[0] else "down"], alpha=0.7, linewidth=1.5,
                    marker="o", markersize=6)
        ax.plot([0, 1], by_split.mean().to_numpy(), color="black", linewidth=3.5, marker="D", markersize=9)
        higher = int((by_split[leaky] > by_split[honest]).sum())
        plots.style_axes(ax, title=f"{SHORT_METRICS.get(metric, metric)}: leaky higher on {higher} of "
                         f"{len(by_split)} splits", ylabel=METRIC_LABELS.get(metric, metric))
        ax.set_xticks([0, 1], ["leak-free\n(split, then augment)", "report's protocol\n(augment, then split)"])
        ax.set_xlim(-0.35, 1.35)
        ax.set_ylim(*_limits(by_split.to_numpy(dtype=float)))
        ax.grid(axis="y", alpha=0.3)
    handles = [plt.Line2D([], [], color=colours["up"], marker="o", label="a split where the leaky score is higher"),
               plt.Line2D([], [], color=colours["down"], marker="o", label="a split where it is not"),
               plt.Line2D([], [], color="black", linewidth=3.5, marker="D", label="mean over the splits")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False,
               fontsize=plots.LEGEND_PT)
    fig.suptitle("The final CNN on the same splits, leak-free and with the report's protocol",
                 fontsize=plots.TITLE_PT)
    return fig
