"""Shared figures: grids, bars, and reproducible strip-plot jitter."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from PIL import Image

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


def test_photo_grids_are_saved_light_and_plots_in_full_colour(tmp_path) -> None:
    rng = np.random.default_rng(0)
    images = [rng.random((250, 200, 3)).astype(np.float32) for _ in range(4)]
    grid = plots.photo_grid(images, list("abcd"), ncols=4)
    assert grid.get_label() == plots.PHOTO_LABEL
    grid_path = plots.save_figure(grid, "grid", tmp_path)
    fig, ax = plt.subplots()
    ax.imshow(images[0])
    plot_path = plots.save_figure(fig, "plot", tmp_path)
    with Image.open(grid_path) as saved_grid, Image.open(plot_path) as saved_plot:
        assert saved_grid.mode == "P" and len(saved_grid.getcolors(maxcolors=256) or ()) <= 256
        assert saved_plot.mode == "RGBA"
        assert saved_grid.info.get("dpi", (plots.PHOTO_DPI,))[0] == pytest.approx(plots.PHOTO_DPI, abs=1)
    plt.close("all")


def test_saving_a_photo_grid_outside_a_notebook_keeps_the_figure_open(tmp_path) -> None:
    grid = plots.photo_grid([np.zeros((5, 4, 3), np.float32)], ["a"])
    plots.save_figure(grid, "grid", tmp_path)
    assert plt.fignum_exists(grid.number)  # only a notebook shows the saved file instead and closes the figure
    plt.close(grid)


def test_committed_figures_and_notebooks_stay_light() -> None:
    # The class's material must read well on GitHub and re-run diffs must stay reviewable.
    root = Path(__file__).resolve().parent.parent
    figures = sum(p.stat().st_size for p in (root / "figures").glob("*.png"))
    notebooks = sum(p.stat().st_size for p in (root / "notebooks").glob("*.ipynb"))
    assert figures <= 4_000_000, f"figures/ weighs {figures / 1e6:.1f} MB"
    assert notebooks <= 3_000_000, f"the notebooks weigh {notebooks / 1e6:.1f} MB"
