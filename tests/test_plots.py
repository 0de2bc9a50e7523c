"""Shared figures: grids, bars, and reproducible strip-plot jitter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers import plots


def _strip_offsets() -> np.ndarray:
    fig, ax = plt.subplots()
    with plots.seeded_jitter(5):
        sns.stripplot(x=["a"] * 20, y=np.arange(20.0), ax=ax, jitter=0.3)
    offsets = ax.collections[0].get_offsets()[:, 0].copy()
    plt.close(fig)
    return offsets


def test_seeded_jitter_makes_strip_plots_reproducible() -> None:
    first, second = _strip_offsets(), _strip_offsets()
    assert np.ptp(first) > 0, "the dots are jittered"
    np.testing.assert_array_equal(first, second)


def test_seeded_jitter_restores_the_global_generator() -> None:
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    with plots.seeded_jitter(0):
        np.random.random(10)
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_photo_grid_has_one_titled_axis_per_image_and_blank_padding() -> None:
    images = [np.full((5, 4, 3), v, np.float32) for v in (0.0, 0.5, 1.0)]
    fig = plots.photo_grid(images, ["a", "b", "c"], ncols=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 4 and titles[:3] == ["a", "b", "c"] and titles[3] == ""
    plt.close(fig)


def test_class_count_bars_label_every_bar() -> None:
    counts = pd.DataFrame({"before": [134, 54], "after": [134, 134]}, index=["male", "female"])
    fig = plots.class_count_bars(counts, "counts")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(labels) == sorted(["134", "54", "134", "134"])
    plt.close(fig)
