"""Helpers several test files share (pytest puts tests/ on the path: ``from support import ...``)."""

from __future__ import annotations

import re
from pathlib import Path

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


def quick_run_results(number: str, notebook, results_name: str, photos_dir, ran: list[bool],
                      state: bool | None) -> dict:
    """The results file of notebook ``number``'s quick run: the one nbval just made in this session (its cells run
    before the tests that read it, see conftest.py), or, when nbval does not run it, a papermill run made here
    once (``ran`` remembers it). ``state``: the ``nbval_ran`` fixture's answer for this notebook."""
    import json
    import os
    from pathlib import Path

    import pytest

    results = Path(os.environ["CUFS_OUTPUT_DIR"]) / "results" / f"{results_name}.json"
    if state is False:
        pytest.fail(f"notebook {number} failed under nbval in this session: its failing cell is reported above")
    if state is None and not ran:
        import papermill

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CUFS_DIR", str(photos_dir))
            mp.setenv("CUFS_PROGRESS_BARS", "0")
            papermill.execute_notebook(str(notebook), str(results.parent.parent / notebook.name),
                                       parameters={"QUICK": True}, kernel_name="python3", cwd=str(notebook.parent),
                                       progress_bar=False, log_output=False)
        ran.append(True)
    return json.loads(results.read_text(encoding="utf-8"))


PARAMETERS = ["DATA_DIR", "SEED", "OUTPUT_DIR", "FOLDS", "REPEATS", "FINAL_VARIANT", "IMAGE_SCALE", "EPOCHS_CAP",
              "TRAIN_HERE", "QUICK"]


def badge(name: str) -> str:
    return ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research."
            f"google.com/github/cufs-course/cufs-sex-cnn/blob/main/notebooks/{name})")


def check_frame(cells: list, number: str, name: str) -> None:  # notebooks 06 and 07
    """Title with its Colab badge and 3 to 5 objectives, the shared setup cell, a parameters cell with one comment
    per parameter, every reading followed by the code that prints its numbers, 3 to 5 exercises."""
    title = cells[0].source
    assert cells[0].cell_type == "markdown" and title.startswith(f"# {number} · ") and badge(name) in title
    objectives = title.split("**You will learn**", 1)[1]
    assert 3 <= sum(line.startswith("- ") for line in objectives.splitlines()) <= 5
    import nbformat

    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    assert cells[1].source == nbformat.read(notebooks / "01_data_preparation.ipynb", as_version=4).cells[1].source
    parameters = cells[2]
    assert "parameters" in parameters.metadata["tags"]
    assert [line.split(" = ")[0] for line in parameters.source.splitlines() if " = " in line] == PARAMETERS
    assert parameters.source.splitlines()[-1].startswith("QUICK = None  # True: a two-epoch try-out")
    assert all("  # " in line for line in parameters.source.splitlines() if " = " in line)
    prose = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert "seed 23" not in prose.lower() and "D+" not in prose and "recipe D" not in prose
    readings = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("**Reading.**")]
    assert len(readings) >= 3
    for i in readings:  # the claims are checked against the stored study in tests/test_claims.py
        below = cells[i + 1]
        if below.cell_type == "code":
            assert "print(" in below.source or below.source.rstrip().splitlines()[-1].endswith(")"), cells[i].source
    last = cells[-1].source
    assert "## Summary" in last
    items = [line for line in last.split("## Exercises", 1)[1].splitlines() if line[:2] in {f"{n}." for n in range(10)}]
    assert 3 <= len(items) <= 5
    assert len(cells) <= 52  # a notebook a class can follow in one sitting


def differing_numbers(found, expected, rel: float = 1e-9, path: str = "") -> list[str]:
    """Where two JSON documents differ: a number by more than ``rel`` (relative; other library versions move the
    last digits of a t quantile), anything else at all."""
    import math

    if isinstance(found, dict) and isinstance(expected, dict):
        return [p for key in sorted(set(found) | set(expected))
                for p in differing_numbers(found.get(key), expected.get(key), rel, f"{path}/{key}")]
    if isinstance(found, list) and isinstance(expected, list) and len(found) == len(expected):
        return [p for i, (a, b) in enumerate(zip(found, expected, strict=True))
                for p in differing_numbers(a, b, rel, f"{path}[{i}]")]
    numbers = (int, float)
    if isinstance(found, numbers) and isinstance(expected, numbers) and not isinstance(found, bool):
        return [] if math.isclose(found, expected, rel_tol=rel, abs_tol=rel) else [path]
    return [] if found == expected else [path]
