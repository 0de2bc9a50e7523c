"""Figures shared by several notebooks, and saving any figure under ``figures/``; every figure is drawn to be read
on a classroom projector (labels in words, projector-sized type at the saved size, legends off the data)."""

from __future__ import annotations

import io
import math
import os
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython import get_ipython
from IPython.display import Image as IPythonImage
from IPython.display import display
from matplotlib.ticker import MaxNLocator
from PIL import Image

from helpers import config
from helpers.infra import storage

PLOT_DPI = 110
# Photo grids are lossless true-colour PNGs (a 256-colour palette bands the skin); 80 dpi keeps each photo
# 140-190 pixels wide and figures/ light; a notebook shows a JPEG copy of the same pixels (``notebook_copy``).
PHOTO_DPI = 80
PHOTO_LABEL = "photos"
JPEG_QUALITY, MIN_JPEG_QUALITY = 85, 75
NOTEBOOK_COPY_BYTES = 150_000  # what one photo figure may add to a notebook (before base64), about
PALETTE_TOLERANCE = 0.5  # charts: mean change (levels of 255) a 256-colour palette may make; photos: never

# Font sizes in points at the saved size.
TICK_PT, LABEL_PT, TITLE_PT, SUPTITLE_PT = 12, 13, 14, 16
LEGEND_PT, NOTE_PT, CAPTION_PT = 12, 11, 12
MIN_CAPTION_PT = 10.5  # a long caption is shrunk to fit its cell, never below this (then it is wrapped)

# Colour-blind-safe colours (Okabe-Ito); markers and line styles tell curves apart in grey-scale too.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", ":", "-.")


def wrap(text: str, width: int = 48) -> str:
    """``text`` wrapped at ``width`` characters (existing line breaks kept), for titles that must fit."""
    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def style_axes(ax: plt.Axes, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None) -> None:
    """Projector-sized ticks, labels and title on ``ax`` (the texts are set when given)."""
    ax.tick_params(labelsize=TICK_PT)
    texts = {"title": title, "xlabel": xlabel, "ylabel": ylabel}
    ax.set(**{key: text for key, text in texts.items() if text is not None})
    ax.title.set_fontsize(TITLE_PT)
    plt.setp([ax.xaxis.label, ax.yaxis.label], fontsize=LABEL_PT)


def save_figure(fig: plt.Figure, name: str, root: str | os.PathLike | None = None) -> str:
    """Save ``fig`` as ``figures/<name>.png`` atomically: a photo figure in true colour, a chart with a 256-colour
    palette (three times lighter) where that changes the pixels by at most ``PALETTE_TOLERANCE`` levels on average,
    else in true colour too (an image inside a chart keeps every colour)."""
    path = config.figures_dir(root) / f"{name}.png"
    photo = fig.get_label() == PHOTO_LABEL
    dpi = PHOTO_DPI if photo else PLOT_DPI
    rendered = saved = render_rgb(fig, dpi)
    if not photo:
        palette = rendered.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        error = np.abs(np.asarray(palette.convert("RGB"), np.int16) - np.asarray(rendered, np.int16)).max(axis=-1)
        saved = palette if error.mean() <= PALETTE_TOLERANCE else rendered
    png = encoded(saved, "PNG", dpi=(dpi, dpi))
    storage.atomic_write(path, lambda tmp: tmp.write_bytes(png))
    if get_ipython() is not None:  # a notebook shows the saved pixels, and fig is closed, else embedded again
        data, fmt = notebook_copy(rendered, png) if photo else (png, "png")
        display(IPythonImage(data=data, format=fmt))
        plt.close(fig)
    return str(path)


def render_rgb(fig: plt.Figure, dpi: float) -> Image.Image:
    """``fig`` as saved (tight bounding box) at ``dpi``, flattened onto white: an RGB image."""
    buffer = io.BytesIO()
    # Matplotlib writes its version into every PNG; without it, a figure's bytes depend only on its pixels.
    fig.savefig(buffer, dpi=dpi, bbox_inches="tight", format="png", metadata={"Software": None})
    with Image.open(buffer) as rendered:
        rgba = rendered.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")


def encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    """``image`` as an optimised ``fmt`` ("PNG" or "JPEG") file, the same bytes for the same pixels."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, optimize=True, **options)
    return buffer.getvalue()


def notebook_copy(image: Image.Image, png: bytes) -> tuple[bytes, str]:
    """A photo figure's ``(jpeg, "jpeg")``, its quality lowered by steps of 5 to ``MIN_JPEG_QUALITY`` while above
    ``NOTEBOOK_COPY_BYTES``, or ``(png, "png")`` where lighter (blocky upsampled feature maps are, and sharper)."""
    for quality in range(JPEG_QUALITY, MIN_JPEG_QUALITY - 1, -5):
        jpeg = encoded(image, "JPEG", quality=quality)
        if len(jpeg) <= NOTEBOOK_COPY_BYTES:
            break
    return (jpeg, "jpeg") if len(jpeg) < len(png) else (png, "png")


@contextmanager
def seeded_jitter(seed: int = config.SEED) -> Iterator[None]:
    """Seed NumPy's global generator, which seaborn's strip-plot jitter uses, and restore it afterwards: without
    it the dots move at every run and the saved figure changes for no reason."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def photo_grid(images: Sequence[np.ndarray], titles: Sequence[str], ncols: int = 6,
               suptitle: str | None = None, cell_size: float = 2.0,
               colorbar: tuple[str, str] | None = None) -> plt.Figure:
    """Images in a grid, a caption each, columns ``cell_size`` inches wide; ``colorbar=(cmap, label)``: a 0-1 bar."""
    nrows = max(1, int(np.ceil(len(images) / ncols)))
    width = ncols * cell_size
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, nrows * cell_size * 1.5), squeeze=False)
    fig.set_label(PHOTO_LABEL)
    captions = []
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        ax.imshow(np.clip(image, 0, 1))
        captions.append(ax.set_title(title, fontsize=CAPTION_PT, pad=4))
    heading = fig.suptitle(suptitle, fontsize=SUPTITLE_PT, va="top") if suptitle else None
    _fit_captions(fig, captions, cell_size)

    # Lay the grid out by hand (inches): heading, then per row the captions and the image, then the colour bar.
    renderer = fig._get_renderer()  # whatever the backend
    caption_h = max((t.get_window_extent(renderer).height / fig.dpi for t in captions if t.get_text()), default=0.0)
    caption_h += 4 / 72 + 0.04 if caption_h else 0.0
    aspect = np.shape(images[0])[0] / np.shape(images[0])[1]
    gap = 0.25  # inches between photos (more photo pixels would make figures/ heavier, not clearer)
    image_w = cell_size - gap
    image_h = image_w * aspect
    row_h = caption_h + image_h + 0.12
    heading_h = heading.get_window_extent(renderer).height / fig.dpi + 0.25 if heading else 0.05
    bar_h = 1.0 if colorbar else 0.05
    height = heading_h + nrows * row_h + bar_h
    fig.set_size_inches(width, height)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        row, col = divmod(index, ncols)
        top = height - heading_h - row * row_h - caption_h
        ax.set_position(((col * cell_size + gap / 2) / width, (top - image_h) / height, image_w / width,
                         image_h / height))
    if heading:
        heading.set_y(1 - 0.12 / height)
    if colorbar:
        cax = fig.add_axes((0.25, 0.62 / height, 0.5, 0.18 / height))
        fig.colorbar(plt.cm.ScalarMappable(plt.Normalize(0, 1), colorbar[0]), cax=cax, orientation="horizontal",
                     ticks=[0, 0.5, 1]).set_label(colorbar[1], fontsize=LABEL_PT)
        cax.tick_params(labelsize=TICK_PT)
    return fig


def _fit_captions(fig: plt.Figure, captions: Sequence[matplotlib.text.Text], cell_width: float) -> None:
    """Make every caption fit ``cell_width`` inches: all shrunk by one factor if that keeps them at
    ``MIN_CAPTION_PT`` or more, else the overlong ones wrapped at ``CAPTION_PT``, then shrunk if still too wide."""
    renderer = fig._get_renderer()
    room = 0.94 * cell_width * fig.dpi

    def widest() -> float:
        return max(text.get_window_extent(renderer).width for text in captions)

    if CAPTION_PT * room / widest() < MIN_CAPTION_PT:
        for text in captions:
            width = text.get_window_extent(renderer).width
            if width > room:
                lines = text.get_text().split("\n")
                per_char = width / max(map(len, lines))  # pixels per character, about
                text.set_text("\n".join(_balanced_wrap(line, room / per_char) for line in lines))
    if widest() > room:
        size = max(MIN_CAPTION_PT, CAPTION_PT * room / widest())
        for text in captions:
            text.set_fontsize(size)


def _balanced_wrap(line: str, chars: float) -> str:
    """``line`` wrapped at spaces into as few lines of about equal length as fit ``chars`` characters."""
    if len(line) <= chars:
        return line
    pieces = math.ceil(len(line) / chars)
    width = math.ceil(len(line) / pieces)
    while len(wrapped := textwrap.wrap(line, width)) > pieces and width < len(line):
        width += 1
    return "\n".join(wrapped)


def class_count_bars(counts: pd.DataFrame, title: str) -> plt.Figure:
    """Grouped bars of images per class; ``counts`` has one column per data set, rows male/female."""
    fig, ax = plt.subplots(figsize=(2.4 + 1.8 * counts.shape[1], 4.6))
    counts.plot.bar(ax=ax, rot=0, color=["#4c72b0", "#dd8452", "#55a868", "#c44e52"][: counts.shape[1]])
    for container in ax.containers:
        ax.bar_label(container, fontsize=TICK_PT)
    style_axes(ax, title=wrap(title, 36), xlabel="", ylabel="images")
    ax.margins(y=0.15)
    ax.legend(fontsize=LEGEND_PT, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def training_curves(histories: Sequence[Mapping[str, Sequence[float]]], restored_epochs: Sequence[int],
                    title: str) -> plt.Figure:
    """Loss and accuracy per epoch of one model: solid validation, dashed training, a star at the restored epoch."""
    [history], [restored] = histories, restored_epochs
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(12.5, 4.9), layout="constrained")
    hue = COLOURS[0]
    for ax, metric, ylabel in ((loss_ax, "loss", "loss (binary cross-entropy)"),
                               (acc_ax, "accuracy", "accuracy (share of images right)")):
        validation = np.asarray(history[f"val_{metric}"], dtype=float)
        val_line, = ax.plot(np.arange(1, len(validation) + 1), validation, color=hue, lw=2.2, gid="validation")
        train_line, = ax.plot(np.arange(1, len(history[metric]) + 1), np.asarray(history[metric], dtype=float),
                              color=hue, lw=1.6, ls="--", gid="training")
        ax.axvline(restored, color=hue, ls=":", lw=1.4, gid="restored-epoch")
        star, = ax.plot([restored], [validation[restored - 1]], ls="none", marker="*", ms=17, color=hue,
                        mec="black", mew=1.0, zorder=4, gid="restored")
        style_axes(ax, title=metric, xlabel="epoch", ylabel=ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(color="0.9", lw=0.8)
    _clip_loss_axis(loss_ax, history)
    acc_ax.set_ylim(top=1.02)
    fig.suptitle(title, fontsize=SUPTITLE_PT)
    fig.legend([val_line, train_line, star], ["validation", "training", f"weights restored (epoch {restored})"],
               loc="outside lower center", ncols=3, fontsize=LEGEND_PT, frameon=False, handlelength=3)
    return fig


def _clip_loss_axis(ax: plt.Axes, history: Mapping[str, Sequence[float]]) -> None:
    """Loss axis from 0 to 1.2 x the 95th percentile of the losses, so that one spike does not flatten the
    curves; points above are drawn as triangles on the top edge and counted in a note."""
    every = np.concatenate([np.asarray(history[key], dtype=float) for key in ("loss", "val_loss")])
    losses = every[np.isfinite(every)]
    bottom, highest = min(0.0, float(losses.min())), float(losses.max())
    robust = 1.2 * float(np.percentile(losses, 95))
    if highest <= robust or robust <= bottom:
        ax.set_ylim(bottom, highest * 1.05 if highest > 0 else 1.0)
        return
    ax.set_ylim(bottom, robust)
    above = int((every > robust).sum())
    for key, fill in (("val_loss", COLOURS[0]), ("loss", "white")):
        off = np.flatnonzero(np.asarray(history[key], dtype=float) > robust)
        if len(off):
            ax.plot(off + 1, np.full(len(off), robust), ls="none", marker="^", ms=9, color=fill,
                    mec=COLOURS[0], clip_on=False, zorder=5, gid="off-top")
    ax.text(0.99, 0.97, f"▲ {above} point{'s' if above != 1 else ''} above {robust:.2f}, off the axis "
            f"(highest {highest:.2f})", transform=ax.transAxes, ha="right", va="top", fontsize=NOTE_PT,
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.7", "alpha": 0.9}, gid="off-top-note")
