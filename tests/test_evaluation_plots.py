"""Tests of ``helpers.evaluation_plots``."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from support import readability_problems

from helpers import evaluation_plots

matplotlib.use("Agg")
import os
from pathlib import Path

import matplotlib

from helpers import config, plots

matplotlib.use("Agg")

Y = np.array([0, 0, 1, 1])

SCORES = np.array([0.1, 0.6, 0.4, 0.9])


def figure_records() -> pd.DataFrame:
    rows = []
    for seed in range(4):
        for method, auc, bal in (("final_cnn_report", 0.97 + 0.01 * seed, 0.93), ("final_cnn_leak_free",
                                 0.99 - 0.01 * seed, 0.90 + 0.01 * seed), ("pixel_logreg", 0.95, 0.85),
                                 ("majority", 0.5, 0.5)):
            rows.append({"method": method, "seed": seed, "auc": auc, "balanced_accuracy": bal,
                         "recall": 0.0 if method == "majority" else 0.8, "specificity": 1.0 if method == "majority"
                         else 0.94 + 0.02 * seed})
    return pd.DataFrame(rows)


def test_plot_repeated_keeps_the_majority_class_off_the_dots_and_the_axes_readable():
    fig = evaluation_plots.plot_repeated(figure_records())
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["AUC", "balanced accuracy", "sensitivity", "specificity"]
    auc, _, _, specificity = panels
    assert [t.get_text() for t in auc.get_yticklabels()] == [
        "final CNN, report's protocol (leaky)", "final CNN, leak-free", "logistic regression on pixels"]
    assert auc.get_xlabel().startswith("test AUC") and "majority class: 0.50, off the scale to the left" in \
        auc.get_xlabel()
    assert auc.get_xlim()[0] > 0.9  # set by the non-trivial methods, not stretched to 0.5
    dashed = [line for line in specificity.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_xdata()[0] == 1.0  # majority's specificity lies inside the range
    assert all(t.get_fontsize() >= 11 for ax in panels for t in ax.get_xticklabels() + ax.get_yticklabels())
    assert not any(ax.get_legend() for ax in panels) and len(fig.legends) == 1  # the legend sits off the data
    assert "majority class" in [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)


def test_plot_leak_pairs_draws_one_line_per_split():
    records = figure_records()
    fig = evaluation_plots.plot_leak_pairs(records)
    auc, balanced = fig.axes[:2]
    assert len(auc.get_lines()) == 4 + 1  # one per split, and the mean
    pairs = np.array([line.get_ydata() for line in auc.get_lines()[:4]])  # (leak-free, leaky) per split
    assert pairs.tolist() == pytest.approx(np.array([[0.99, 0.97], [0.98, 0.98], [0.97, 0.99], [0.96, 1.0]]))
    assert auc.get_title() == "AUC: leaky higher on 2 of 4 splits"
    assert balanced.get_ylabel() == "balanced accuracy at the validation threshold"
    assert [t.get_text() for t in auc.get_xticklabels()][0].startswith("leak-free")
    assert all(t.get_fontsize() >= 11 for t in auc.get_yticklabels())
    plt.close(fig)


def _reliability_inputs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 54)
    return y, np.clip(y * 0.6 + rng.uniform(0, 0.4, 54), 0, 1)


def test_reliability_figures_draw_every_curve():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 54)
    p = np.clip(y * 0.6 + rng.uniform(0, 0.4, 54), 0, 1)
    fig = evaluation_plots.plot_reliability({"test": (y, p), "validation": (y[:30], p[:30])}, "t")
    assert len(fig.axes[0].lines) == 3  # diagonal + two curves
    fig = evaluation_plots.plot_reliability_spread({f"split {k}": (y, p) for k in range(4)}, "t")
    assert len(fig.axes[0].lines) == 1 + 4 + 1  # diagonal, one per split, pooled


def test_reliability_curves_differ_in_grey_scale_too():
    y, p = _reliability_inputs()
    fig = evaluation_plots.plot_reliability({"test": (y, p), "validation": (y[:30], p[:30])}, "Final CNN: reliability")
    ax, hist = fig.axes
    diagonal, test, validation = ax.lines
    assert diagonal.get_label() == "perfectly calibrated" and diagonal.get_xdata().tolist() == [0, 1]
    assert test.get_marker() != validation.get_marker(), "different markers"
    assert test.get_linestyle() != validation.get_linestyle(), "different line styles"
    assert len({patch.get_linestyle() for patch in hist.patches}) == 2, "histograms told apart by line style"
    assert ax.get_xlabel() == "mean predicted probability of female (per bin)"
    assert ax.get_ylabel() == "observed share of female photos"
    assert hist.get_xlabel() == "predicted probability of female"
    assert readability_problems(fig) == []


def test_reliability_legends_are_off_the_data():
    y, p = _reliability_inputs()
    figures = [evaluation_plots.plot_reliability({"test": (y, p), "validation": (y, p)}, "t"),
               evaluation_plots.plot_reliability_spread({f"split {k}": (y, p) for k in range(12)}, "t")]
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            legend = ax.get_legend().get_window_extent(renderer)
            assert legend.y1 <= ax.get_window_extent(renderer).y0, "the legend sits under its axes"
        assert readability_problems(fig) == []


def test_reliability_spread_draws_thin_splits_and_one_bold_pooled_curve():
    y, p = _reliability_inputs()
    fig = evaluation_plots.plot_reliability_spread({f"split {k}": (y, p) for k in range(12)}, "t")
    _, *splits, pooled = fig.axes[0].lines
    assert len(splits) == 12
    assert max(line.get_linewidth() for line in splits) * 2 < pooled.get_linewidth()
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["perfectly calibrated", "each of the 12 splits", "pooled over the 12 splits"]


def assert_png(path: str, folder: Path) -> None:
    path = Path(path)
    assert path.parent == folder
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 1000


def test_plots_return_figures_and_save_as_png(output_dir):
    figures = Path(os.environ[config.OUTPUT_ENV_VAR]) / "figures"
    made = {
        "test_roc_threshold": evaluation_plots.plot_roc(Y, SCORES, "ROC", threshold=0.4),
        "test_confusion": evaluation_plots.plot_confusion(Y, SCORES, 0.5, "confusion"),
    }
    for name, fig in made.items():
        assert isinstance(fig, matplotlib.figure.Figure)
        path = plots.save_figure(fig, name)
        assert isinstance(path, str)
        assert Path(path).name == f"{name}.png"
        assert_png(path, figures)
    assert figures.parent == output_dir
    assert not [p for p in figures.iterdir() if p.name.startswith(".")]  # no temp file left


def test_plot_contents():
    fig = evaluation_plots.plot_roc(Y, SCORES, "ROC", threshold=0.35)
    ax = fig.axes[0]
    assert "AUC = 0.750" in ax.get_legend_handles_labels()[1][0]
    point = ax.collections[0].get_offsets()[0]
    assert point.tolist() == pytest.approx([0.5, 1.0])  # FPR 1/2, TPR 1 at 0.35
    heat = evaluation_plots.plot_confusion([0, 0, 0, 1], [0.9, 0.1, 0.2, 0.8], 0.5, "cm")
    texts = [t.get_text() for t in heat.axes[0].texts]
    assert texts == ["2", "1", "0", "1"]


def test_roc_figure_says_what_its_axes_mean_and_labels_the_threshold():
    fig = evaluation_plots.plot_roc(Y, SCORES, "Final CNN: test ROC", threshold=0.35)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "false-positive rate (male photos called female)"
    assert ax.get_ylabel() == "true-positive rate (female photos found)"
    [note] = [t for t in ax.texts if "threshold 0.350" in t.get_text()]
    assert note.xy == pytest.approx((0.5, 1.0)), "the label points at the operating point"
    assert "FPR 0.50, TPR 1.00" in note.get_text()
    assert readability_problems(fig) == []


def test_confusion_figure_names_the_classes_in_words_with_large_counts():
    fig = evaluation_plots.plot_confusion([0, 0, 0, 1], [0.9, 0.1, 0.2, 0.8], 0.5, "Final CNN, test, threshold 0.5")
    ax = fig.axes[0]
    assert len(fig.axes) == 1, "no colour bar"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(config.CLASS_NAMES)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(config.CLASS_NAMES)
    assert min(t.get_fontsize() for t in ax.texts) >= 20
    assert readability_problems(fig) == []


def test_save_test_figures_saves_the_three_standard_figures(tmp_path):
    evaluation_plots.save_test_figures(Y, SCORES, 0.4, "Toy", "99", tmp_path)
    names = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert names == ["99_confusion_matrix_0.5.png", "99_confusion_matrix_threshold.png", "99_roc_curve.png"]
    plt.close("all")
