"""Calibration: reliability bins, Brier score and their readings, checked against hand-computed examples."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from helpers import evaluation, plots, readings


def test_reliability_table_by_hand():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.1, 0.15, 0.9, 0.95, 0.5, 0.55])  # bins of 0.2: [0, 0.2), [0.4, 0.6), [0.8, 1.0]
    table = evaluation.reliability_table(y, p, bins=5)
    assert table["bin_low"].tolist() == pytest.approx([0.0, 0.4, 0.8])
    assert table["images"].tolist() == [2, 2, 2]
    assert table["mean_score"].tolist() == pytest.approx([0.125, 0.525, 0.925])
    assert table["observed_rate"].tolist() == pytest.approx([0.0, 0.5, 1.0])


def test_a_score_of_one_falls_in_the_last_bin():
    table = evaluation.reliability_table(np.array([1, 0]), np.array([1.0, 0.0]), bins=5)
    assert table["images"].tolist() == [1, 1] and table["bin_high"].tolist() == pytest.approx([0.2, 1.0])


def test_calibration_summary_by_hand():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.2, 0.4, 0.6, 1.0])
    summary = evaluation.calibration_summary(y, p, bins=5)
    assert summary["brier"] == pytest.approx((0.04 + 0.16 + 0.16 + 0.0) / 4)
    assert summary["brier_constant_rate"] == pytest.approx(0.25)
    assert summary["mean_score"] == pytest.approx(0.55) and summary["observed_rate"] == pytest.approx(0.5)
    # bins: [0.2,0.4) -> 0.2 (y 0), [0.4,0.6) -> 0.4 (y 0), [0.6,0.8) -> 0.6 (y 1), [0.8,1] -> 1.0 (y 1)
    assert summary["ece"] == pytest.approx((0.2 + 0.4 + 0.4 + 0.0) / 4)
    assert evaluation.binary_metrics(y, p)["brier"] == pytest.approx(summary["brier"])


def test_a_perfect_model_has_zero_brier_and_zero_ece():
    y = np.array([0, 1, 0, 1])
    summary = evaluation.calibration_summary(y, y.astype(float))
    assert summary["brier"] == 0.0 and summary["ece"] == 0.0


def test_reliability_figures_draw_every_curve():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 54)
    p = np.clip(y * 0.6 + rng.uniform(0, 0.4, 54), 0, 1)
    fig = evaluation.plot_reliability({"test": (y, p), "validation": (y[:30], p[:30])}, "t")
    assert len(fig.axes[0].lines) == 3  # diagonal + two curves
    fig = evaluation.plot_reliability_spread({f"split {k}": (y, p) for k in range(4)}, "t")
    assert len(fig.axes[0].lines) == 1 + 4 + 1  # diagonal, one per split, pooled


def _reliability_inputs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 54)
    return y, np.clip(y * 0.6 + rng.uniform(0, 0.4, 54), 0, 1)


def test_reliability_curves_differ_in_grey_scale_too():
    y, p = _reliability_inputs()
    fig = evaluation.plot_reliability({"test": (y, p), "validation": (y[:30], p[:30])}, "Final CNN: reliability")
    ax, hist = fig.axes
    diagonal, test, validation = ax.lines
    assert diagonal.get_label() == "perfectly calibrated" and diagonal.get_xdata().tolist() == [0, 1]
    assert test.get_marker() != validation.get_marker(), "different markers"
    assert test.get_linestyle() != validation.get_linestyle(), "different line styles"
    assert len({patch.get_linestyle() for patch in hist.patches}) == 2, "histograms told apart by line style"
    assert ax.get_xlabel() == "mean predicted probability of female (per bin)"
    assert ax.get_ylabel() == "observed share of female photos"
    assert hist.get_xlabel() == "predicted probability of female"
    assert plots.readability_problems(fig) == []


def test_reliability_legends_are_off_the_data():
    y, p = _reliability_inputs()
    figures = [evaluation.plot_reliability({"test": (y, p), "validation": (y, p)}, "t"),
               evaluation.plot_reliability_spread({f"split {k}": (y, p) for k in range(12)}, "t")]
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            legend = ax.get_legend().get_window_extent(renderer)
            assert legend.y1 <= ax.get_window_extent(renderer).y0, "the legend sits under its axes"
        assert plots.readability_problems(fig) == []


def test_reliability_spread_draws_thin_splits_and_one_bold_pooled_curve():
    y, p = _reliability_inputs()
    fig = evaluation.plot_reliability_spread({f"split {k}": (y, p) for k in range(12)}, "t")
    _, *splits, pooled = fig.axes[0].lines
    assert len(splits) == 12
    assert max(line.get_linewidth() for line in splits) * 2 < pooled.get_linewidth()
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["perfectly calibrated", "each of the 12 splits", "pooled over the 12 splits"]


def brier_table(leaky: float, leak_free: float, pixels: float, sd: float = 0.02):
    import pandas as pd

    return pd.DataFrame({"mean": [leaky, leak_free, pixels], "std": [sd] * 3, "min": [0.01, 0.03, 0.04],
                         "max": [0.09, 0.12, 0.2]}, index=["final_cnn_report", "final_cnn_leak_free", "pixel_logreg"])


def test_brier_spread_reading_states_the_leak_the_baseline_and_the_spread():
    labels = {"final_cnn_leak_free": "final CNN, leak-free", "pixel_logreg": "pixel LR"}
    text = readings.brier_spread_reading(brier_table(0.045, 0.069, 0.074), labels)
    assert "final CNN, leak-free 0.069 ± 0.020 (0.030-0.120)" in text
    assert "the leak flatters the calibration" in text
    assert "differ by -0.005, less than either one's standard deviation" in text
    assert "moves by up to 0.160 (pixel LR)" in text


def test_brier_spread_reading_when_the_leak_does_not_help_and_the_cnn_is_clearly_better():
    text = readings.brier_spread_reading(brier_table(0.08, 0.05, 0.11), {})
    assert "The leak does not lower the Brier score here (0.080 against 0.050 leak-free)" in text
    assert "so the CNN is the better calibrated on average" in text


