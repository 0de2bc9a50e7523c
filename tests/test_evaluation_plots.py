"""Tests of ``helpers.evaluation_plots``."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from support import readability_problems

from helpers import config, evaluation_plots

matplotlib.use("Agg")

Y = np.array([0, 0, 1, 1])

SCORES = np.array([0.1, 0.6, 0.4, 0.9])


def test_roc_figure_says_what_its_axes_mean_and_labels_the_threshold():
    fig = evaluation_plots.plot_roc(Y, SCORES, "Final CNN: test ROC", threshold=0.35)
    ax = fig.axes[0]
    assert "AUC = 0.750" in ax.get_legend_handles_labels()[1][0]
    assert ax.collections[0].get_offsets()[0].tolist() == pytest.approx([0.5, 1.0])  # FPR 1/2, TPR 1 at 0.35
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
    assert [t.get_text() for t in ax.texts] == ["2", "1", "0", "1"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(config.CLASS_NAMES)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(config.CLASS_NAMES)
    assert min(t.get_fontsize() for t in ax.texts) >= 20
    assert readability_problems(fig) == []


def test_save_test_figures_saves_the_three_standard_figures_under_the_output_folder(output_dir):
    evaluation_plots.save_test_figures(Y, SCORES, 0.4, "Toy", "99")
    figures = output_dir / "figures"  # $CUFS_OUTPUT_DIR's
    saved = [figures / f"99_{name}.png" for name in ("roc_curve", "confusion_matrix_0.5", "confusion_matrix_threshold")]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in saved)
    assert not [p for p in figures.iterdir() if p.name.startswith(".")], "no temporary file left"
    plt.close("all")
