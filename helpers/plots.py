"""Figures shared by several notebooks, and saving any figure under ``figures/``."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from PIL import Image

from . import config, storage

PLOT_DPI = 110
# Grids of photos and feature maps: a little less resolution (the photos are 200 x 250 pixels anyway) and a
# 256-colour palette make them 3 to 4 times lighter, in figures/ and in the committed notebooks alike.
PHOTO_DPI = 96
PHOTO_LABEL = "photos"


def save_figure(fig: plt.Figure, name: str, root: str | os.PathLike | None = None) -> str:
    """Save ``fig`` as ``figures/<name>.png`` (atomically) and return the path.

    A figure made by ``photo_grid`` (labelled ``PHOTO_LABEL``) is saved as a 256-colour PNG and, in a
    notebook, shown as that file, so the notebook stores the light image rather than a full-colour copy.
    """
    path = config.figures_dir(root) / f"{name}.png"
    if fig.get_label() != PHOTO_LABEL:
        storage.atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=PLOT_DPI, bbox_inches="tight", format="png"))
        return str(path)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=PHOTO_DPI, bbox_inches="tight", format="png")
    with Image.open(buffer) as rendered:
        palette = rendered.convert("RGB").quantize(colors=256, dither=Image.Dither.FLOYDSTEINBERG)
    storage.atomic_write(path, lambda tmp: palette.save(tmp, format="PNG", optimize=True))
    _show_instead(fig, path)
    return str(path)


def _show_instead(fig: plt.Figure, path: Path) -> None:
    """In a notebook, display the saved file and close ``fig`` (which would otherwise be embedded again)."""
    try:
        from IPython import get_ipython
        from IPython.display import Image as IPythonImage
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display(IPythonImage(filename=str(path)))
    plt.close(fig)


@contextmanager
def seeded_jitter(seed: int = config.SEED) -> Iterator[None]:
    """Seed NumPy's global generator, which seaborn's strip-plot jitter uses, and restore it afterwards.

    Without it the dots move a little at every run and the saved figure changes for no reason.
    """
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def photo_grid(images: Sequence[np.ndarray], titles: Sequence[str], ncols: int = 6,
               suptitle: str | None = None, cell_size: float = 2.0) -> plt.Figure:
    """Images in a grid with a small title each (portrait cells: 4 wide x 5 high)."""
    nrows = max(1, int(np.ceil(len(images) / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * cell_size, nrows * cell_size * 1.5), squeeze=False)
    fig.set_label(PHOTO_LABEL)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        ax.imshow(np.clip(image, 0, 1))
        ax.set_title(title, fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def class_count_bars(counts: pd.DataFrame, title: str) -> plt.Figure:
    """Grouped bars of images per class; ``counts`` has one column per data set, rows male/female."""
    fig, ax = plt.subplots(figsize=(1.8 + 1.6 * counts.shape[1], 4))
    counts.plot.bar(ax=ax, rot=0, color=["#4c72b0", "#dd8452", "#55a868", "#c44e52"][: counts.shape[1]])
    for container in ax.containers:
        ax.bar_label(container)
    ax.set(ylabel="images", title=title, xlabel="")
    ax.margins(y=0.15)
    fig.tight_layout()
    return fig
