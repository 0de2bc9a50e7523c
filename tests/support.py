"""Helpers several test files share (pytest puts tests/ on the path: ``from support import ...``)."""

from __future__ import annotations

import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers import plots


def assert_same_photos(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same columns, names, labels (and their dtype) and bit-identical float32 pixels."""
    assert list(actual.columns) == list(expected.columns)
    assert actual["filename"].tolist() == expected["filename"].tolist()
    assert actual["sex"].tolist() == expected["sex"].tolist()
    assert actual["sex"].dtype == expected["sex"].dtype
    assert len(actual) == len(expected)
    for got, want in zip(actual["image_array"], expected["image_array"], strict=True):
        assert got.dtype == want.dtype == np.float32
        assert np.array_equal(got, want)


def synthetic_photos(n_male: int = 134, n_female: int = 54, size: tuple[int, int] = (20, 16),
                     seed: int = 0, separable: bool = False) -> pd.DataFrame:
    """A stand-in for the 188 photos: random small images; ``separable``: dark men, bright women."""
    rng = np.random.default_rng(seed)
    labels = np.array([0] * n_male + [1] * n_female)
    base = np.where(labels == 1, 0.7, 0.3) if separable else np.full(len(labels), 0.5)
    noise = rng.normal(0, 0.1 if separable else 0.25, (len(labels), *size, 3))
    images = np.clip(base[:, None, None, None] + noise, 0, 1).astype(np.float32)
    names = [f"m-{i:03d}-01.jpg" for i in range(n_male)] + [f"f-{i:03d}-01.jpg" for i in range(n_female)]
    return pd.DataFrame({"filename": names, "sex": labels, "image_array": list(images)})


# ---- checking a figure (a projector shows what a notebook saves) ----------------------------------------------

_COLUMN_NAME = re.compile(r"\b[A-Za-z]+_[A-Za-z0-9_.]+\b")  # val_loss, p_female, accuracy_at_0.5


def readability_problems(fig: plt.Figure, min_tick: float = 11, min_title: float = 13,
                         min_caption: float = plots.MIN_CAPTION_PT) -> list[str]:
    """What would make ``fig`` hard to read on a projector: texts that look like column names (``val_loss``),
    tick labels, legends and notes under ``min_tick`` points, titles under ``min_title`` (``min_caption`` for the
    captions of photo cells, axes drawn without axis). An empty list means none was found."""
    fig.canvas.draw()
    problems: list[str] = []

    def check(text: matplotlib.text.Text, minimum: float, what: str) -> None:
        content = text.get_text()
        if not content.strip() or not text.get_visible():
            return
        if _COLUMN_NAME.search(content):
            problems.append(f"{what} {content!r} looks like a column name")
        if text.get_fontsize() < minimum - 1e-6:
            problems.append(f"{what} {content!r} is {text.get_fontsize():.1f} pt (< {minimum} pt)")

    for ax in fig.axes:
        photo = not ax.axison
        for title in (ax.title, getattr(ax, "_left_title", ax.title), getattr(ax, "_right_title", ax.title)):
            check(title, min_caption if photo else min_title, "caption" if photo else "title")
        if not photo:
            for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
                check(axis.label, min_tick, f"{name} label")
                for label in axis.get_ticklabels():
                    check(label, min_tick, f"{name} tick label")
        for text in ax.texts:
            check(text, min_tick, "note")
        legend = ax.get_legend()
        for text in legend.get_texts() if legend else ():
            check(text, min_tick, "legend entry")
    if getattr(fig, "_suptitle", None) is not None:
        check(fig._suptitle, min_title, "figure title")
    for legend in fig.legends:
        for text in legend.get_texts():
            check(text, min_tick, "legend entry")
    for text in fig.texts:
        check(text, min_tick, "figure note")
    return problems
