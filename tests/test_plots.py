"""Shared figures: grids, bars, training curves, how figures are saved, and reproducible strip-plot jitter."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from PIL import Image
from scipy import ndimage
from support import readability_problems

from helpers import photos, plots

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _strip_offsets() -> np.ndarray:
    fig, ax = plt.subplots()
    with plots.seeded_jitter(5):
        sns.stripplot(x=["a"] * 20, y=np.arange(20.0), ax=ax, jitter=0.3)
    offsets = ax.collections[0].get_offsets()[:, 0].copy()
    plt.close(fig)
    return offsets


def smooth_photos(count: int, seed: int = 0) -> list[np.ndarray]:
    """Photo-like 250 x 200 images: smooth shading (where a palette bands) plus a little fine texture."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:250, 0:200] / 250.0
    photos = []
    for _ in range(count):
        base = np.stack([0.55 + 0.35 * rows, 0.45 + 0.3 * cols, 0.35 + 0.2 * rows * cols], axis=-1)
        texture = ndimage.gaussian_filter(rng.normal(0, 1, (250, 200, 3)), (2, 2, 0)) * 0.08
        photos.append(np.clip(base + texture, 0, 1).astype(np.float32))
    return photos


def history(val_loss: list[float], loss: list[float] | None = None) -> dict[str, list[float]]:
    """A Keras-like history; accuracies derived from the losses."""
    loss = loss if loss is not None else [v * 0.5 for v in val_loss]
    return {"loss": loss, "val_loss": val_loss, "accuracy": [1 - v / 4 for v in loss],
            "val_accuracy": [1 - v / 4 for v in val_loss]}


def copy_of(image: Image.Image) -> tuple[bytes, str]:
    """``plots.notebook_copy`` of ``image`` beside its PNG, as ``save_figure`` makes it."""
    return plots.notebook_copy(image, plots.encoded(image, "PNG", dpi=(plots.PHOTO_DPI, plots.PHOTO_DPI)))


def lines(ax: plt.Axes, gid: str) -> list:
    return [line for line in ax.lines if line.get_gid() == gid]


# ---- jitter ---------------------------------------------------------------------------------------------------


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


# ---- photo grids ----------------------------------------------------------------------------------------------


def test_photo_grid_has_one_titled_axis_per_image_and_blank_padding() -> None:
    images = [np.full((5, 4, 3), v, np.float32) for v in (0.0, 0.5, 1.0)]
    fig = plots.photo_grid(images, ["a", "b", "c"], ncols=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 4 and titles[:3] == ["a", "b", "c"] and titles[3] == ""


def test_photo_grid_captions_are_legible_and_stay_in_their_cells() -> None:
    caption = "ERROR true female, predicted probability of female 0.15\nf-007-01.jpg"
    fig = plots.photo_grid(smooth_photos(4), [caption, "short", caption, "m-001-01.jpg"], ncols=4,
                           cell_size=2.0, suptitle="A grid")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    cell = fig.get_figwidth() / 4 * fig.dpi
    for ax in fig.axes:
        title = ax.title.get_window_extent(renderer)
        assert ax.title.get_fontsize() >= plots.MIN_CAPTION_PT
        assert title.width <= cell, "a caption overflows into its neighbour"
        assert title.y0 >= ax.get_window_extent(renderer).y1 - 1, "a caption covers its photo"
    assert fig.axes[0].get_title().count("\n") >= 2, "too long even when shrunk: wrapped"
    assert fig.axes[1].title.get_fontsize() == fig.axes[0].title.get_fontsize(), "one caption size per grid"
    heading = fig._suptitle.get_window_extent(renderer)
    assert heading.y0 >= max(ax.title.get_window_extent(renderer).y1 for ax in fig.axes) - 1
    assert readability_problems(fig) == []


def test_photo_grid_colorbar_names_its_colormap_and_meaning() -> None:
    fig = plots.photo_grid(smooth_photos(2), ["a", "b"], ncols=2, colorbar=("jet", "Grad-CAM evidence (low → high)"))
    assert len(fig.axes) == 3
    bar = fig.axes[-1]
    assert bar.get_xlabel() == "Grad-CAM evidence (low → high)"
    [solids] = [c for c in bar.collections if type(c).__name__ == "QuadMesh"]  # the colour bar's colours
    assert solids.get_cmap().name == "jet"
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert bar.get_window_extent(renderer).y1 < min(ax.get_window_extent(renderer).y0 for ax in fig.axes[:2])
    assert len(plots.photo_grid(smooth_photos(2), ["a", "b"], ncols=2).axes) == 2  # none unless asked for


# ---- saving ---------------------------------------------------------------------------------------------------


def test_photo_grids_are_saved_in_true_colour_without_any_loss(tmp_path) -> None:
    grid = plots.photo_grid(smooth_photos(4), list("abcd"), ncols=4)
    assert grid.get_label() == plots.PHOTO_LABEL
    path = plots.save_figure(grid, "grid", tmp_path)
    assert Path(path) == tmp_path / "figures" / "grid.png", "under the explicit root"
    with Image.open(path) as saved:
        assert saved.format == "PNG"
        assert saved.mode == "RGB", "a palette bands the skin"
        assert saved.info.get("dpi", (0,))[0] == pytest.approx(plots.PHOTO_DPI, abs=1)
        pixels = np.asarray(saved)
    np.testing.assert_array_equal(pixels, np.asarray(plots.render_rgb(grid, plots.PHOTO_DPI)))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 5000, "the shading keeps all its shades"


def test_charts_are_saved_light_but_a_picture_in_a_chart_keeps_every_colour(tmp_path) -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [0, 1, 0.5], lw=2)
    ax.set(xlabel="epoch", ylabel="loss")
    chart = plots.save_figure(fig, "chart", tmp_path)
    with Image.open(chart) as saved:
        assert saved.mode == "P" and saved.info.get("dpi", (0,))[0] == pytest.approx(plots.PLOT_DPI, abs=1)
        error = np.abs(np.asarray(saved.convert("RGB"), int) - np.asarray(plots.render_rgb(fig, plots.PLOT_DPI), int))
    assert error.max(axis=-1).mean() <= plots.PALETTE_TOLERANCE
    fig, ax = plt.subplots()
    ax.imshow(smooth_photos(1)[0])  # a photo in a plain figure: no palette either
    with Image.open(plots.save_figure(fig, "picture", tmp_path)) as saved:
        assert saved.mode == "RGB"


def test_saved_figures_are_byte_identical_and_carry_no_software_version(tmp_path) -> None:
    def both() -> tuple[bytes, bytes]:
        grid = plots.photo_grid(smooth_photos(3), list("abc"), ncols=3, suptitle="s")
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        paths = plots.save_figure(grid, "grid", tmp_path), plots.save_figure(fig, "plot", tmp_path)
        return tuple(Path(p).read_bytes() for p in paths)

    first, second = both(), both()
    assert first == second
    for content in first:
        with Image.open(io.BytesIO(content)) as image:
            assert not any("software" in key.lower() for key in image.info)
    assert not [p for p in tmp_path.joinpath("figures").iterdir() if p.name.startswith(".")]


def test_the_notebook_copy_of_a_photo_grid_is_a_light_close_jpeg() -> None:
    rendered = plots.render_rgb(plots.photo_grid(smooth_photos(12), [f"photo {i}" for i in range(12)], ncols=6,
                                                 suptitle="Sample photos"), plots.PHOTO_DPI)
    content, fmt = copy_of(rendered)
    assert fmt == "jpeg" and len(content) <= 150_000
    assert len(content) < len(plots.encoded(rendered, "PNG")) / 2
    with Image.open(io.BytesIO(content)) as copy:
        assert copy.size == rendered.size
        error = np.abs(np.asarray(copy.convert("RGB"), int) - np.asarray(rendered, int))
    assert error.mean() < 2.5, "JPEG quality 85 looks like the PNG"
    assert copy_of(rendered) == (content, fmt), "deterministic"


def test_the_notebook_copy_of_a_blocky_image_stays_png() -> None:
    blocks = np.kron(np.random.default_rng(0).random((6, 5, 3)), np.ones((40, 40, 1)))
    fig, ax = plt.subplots(figsize=(4, 5))
    ax.imshow(blocks, interpolation="nearest")
    ax.axis("off")
    content, fmt = copy_of(plots.render_rgb(fig, plots.PHOTO_DPI))
    assert fmt == "png" and content[:8] == b"\x89PNG\r\n\x1a\n"


def test_real_photos_grid_is_true_colour_and_light(real_photos_dir, tmp_path) -> None:
    files = sorted(real_photos_dir.iterdir())
    chosen = [p for p in files if p.name.startswith("m")][:6] + [p for p in files if p.name.startswith("f")][:6]
    grid = plots.photo_grid([photos.load_image(p) for p in chosen], [f"{p.name}" for p in chosen], ncols=6,
                            suptitle="Sample photos: male (top), female (bottom)")
    rendered = plots.render_rgb(grid, plots.PHOTO_DPI)
    path = Path(plots.save_figure(grid, "real", tmp_path))
    with Image.open(path) as saved:
        assert saved.mode == "RGB"
    content, fmt = copy_of(rendered)
    assert fmt == "jpeg" and len(content) <= 150_000, f"the notebook copy weighs {len(content) / 1e3:.0f} kB"
    assert path.stat().st_size <= 600_000, f"figures/real.png weighs {path.stat().st_size / 1e3:.0f} kB"


def test_in_a_notebook_a_photo_grid_is_shown_as_its_light_copy_and_closed(tmp_path, monkeypatch) -> None:
    shown = []
    monkeypatch.setattr(plots, "get_ipython", lambda: object())
    monkeypatch.setattr(plots, "IPythonImage", lambda data, format: ("image", format, data))
    monkeypatch.setattr(plots, "display", shown.append)
    grid = plots.photo_grid(smooth_photos(6), list("abcdef"), ncols=3)
    path = plots.save_figure(grid, "grid", tmp_path)
    assert not plt.fignum_exists(grid.number)
    [(_, fmt, content)] = shown
    assert fmt == "jpeg" and content[:2] == b"\xff\xd8" and len(content) < Path(path).stat().st_size


def test_saving_a_photo_grid_outside_a_notebook_keeps_the_figure_open(tmp_path) -> None:
    grid = plots.photo_grid([np.zeros((5, 4, 3), np.float32)], ["a"])
    plots.save_figure(grid, "grid", tmp_path)
    assert plt.fignum_exists(grid.number)  # only a notebook shows the saved file instead and closes the figure


def test_committed_figures_and_notebooks_stay_light() -> None:
    # The class's material must read well on GitHub and re-run diffs must stay reviewable.
    root = Path(__file__).resolve().parent.parent
    figures = sum(p.stat().st_size for p in (root / "figures").glob("*.png"))
    notebooks = sum(p.stat().st_size for p in (root / "notebooks").glob("*.ipynb"))
    # 4.5 MB since notebook 05 analyses notebook 04's full-size model: its photo grids are full size (2026-12-05).
    assert figures <= 4_500_000, f"figures/ weighs {figures / 1e6:.1f} MB"
    assert notebooks <= 3_000_000, f"the notebooks weigh {notebooks / 1e6:.1f} MB"


# ---- bars -----------------------------------------------------------------------------------------------------


def test_class_count_bars_label_every_bar() -> None:
    counts = pd.DataFrame({"before": [134, 54], "after": [134, 134]}, index=["male", "female"])
    fig = plots.class_count_bars(counts, "counts")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(labels) == sorted(["134", "54", "134", "134"])
    assert readability_problems(fig) == []


# ---- training curves ------------------------------------------------------------------------------------------


def test_training_curves_draw_both_curves_and_mark_the_restored_epoch() -> None:
    fig = plots.training_curves([history([0.9, 0.6, 0.5, 0.55])], [3], "Baseline")
    loss_ax, acc_ax = fig.axes[:2]
    for ax in (loss_ax, acc_ax):
        [validation], [training] = lines(ax, "validation"), lines(ax, "training")
        assert validation.get_linestyle() == "-" and training.get_linestyle() == "--"
        assert validation.get_xdata().tolist() == [1, 2, 3, 4]
    [star] = lines(loss_ax, "restored")
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (3, 0.5)
    assert [line.get_xdata()[0] for line in lines(loss_ax, "restored-epoch")] == [3]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["validation", "training", "weights restored (epoch 3)"]
    assert readability_problems(fig) == []


def test_training_curves_keep_a_spike_from_flattening_the_loss() -> None:
    val_loss = [0.7, 0.6, 0.5, 9.0, 0.45, 0.4, 0.42, 0.41, 0.43, 0.44, 0.45, 0.46, 0.44, 0.47, 0.45]
    fig = plots.training_curves([history(val_loss, loss=[0.6 - 0.03 * i for i in range(15)])], [6], "spiky")
    loss_ax = fig.axes[0]
    bottom, top = loss_ax.get_ylim()
    assert bottom == 0 and 0.7 <= top < 9.0 / 4, "the spike is off the top, the curves keep their shape"
    note = [t.get_text() for t in loss_ax.texts if t.get_gid() == "off-top-note"]
    assert len(note) == 1 and "1 point above" in note[0] and "9.00" in note[0]
    [marker] = [line for line in loss_ax.lines if line.get_gid() == "off-top"]
    assert marker.get_xdata().tolist() == [4]
    calm = plots.training_curves([history([0.7, 0.6, 0.5, 0.55])], [3], "calm").axes[0]
    assert calm.get_ylim()[1] >= 0.7 and not [t for t in calm.texts if t.get_gid() == "off-top-note"]


def test_training_curves_legend_is_outside_the_panels() -> None:
    fig = plots.training_curves([history([0.9, 0.6, 0.7])], [2], "t")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    assert all(legend.y1 <= ax.get_window_extent(renderer).y0 for ax in fig.axes[:2])


def test_training_curves_refuse_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="unpack"):
        plots.training_curves([history([0.9, 0.6])], [1, 2], "t")


# ---- readability checks ---------------------------------------------------------------------------------------


def test_readability_problems_finds_column_names_and_small_type() -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="val_loss")
    ax.set_ylabel("accuracy_at_0.5")
    ax.set_title("p_female", fontsize=9)
    ax.legend()
    problems = readability_problems(fig)
    assert any("'accuracy_at_0.5' looks like a column name" in p for p in problems)
    assert any("'val_loss'" in p for p in problems) and any("'p_female' is 9.0 pt" in p for p in problems)
    assert any("tick label" in p for p in problems), "matplotlib's default 10 pt ticks are too small"
    fig, ax = plt.subplots()
    plots.style_axes(ax, title="validation loss", xlabel="epoch", ylabel="loss")
    assert readability_problems(fig) == []


def test_a_heavy_notebook_copy_is_encoded_at_a_lower_quality(monkeypatch) -> None:
    rendered = plots.render_rgb(plots.photo_grid(smooth_photos(6), list("abcdef"), ncols=3), plots.PHOTO_DPI)
    full, _ = copy_of(rendered)
    monkeypatch.setattr(plots, "NOTEBOOK_COPY_BYTES", len(full) - 1)
    lighter, fmt = copy_of(rendered)
    assert fmt == "jpeg" and len(lighter) < len(full)
    monkeypatch.setattr(plots, "NOTEBOOK_COPY_BYTES", 1)
    floor, _ = copy_of(rendered)
    assert floor == plots.encoded(rendered, "JPEG", quality=plots.MIN_JPEG_QUALITY), "never below the lowest quality"

