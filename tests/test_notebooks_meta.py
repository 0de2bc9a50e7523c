"""The committed notebooks read well: badge, setup, parameters, outputs of a full run, README links."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import config
from helpers.infra import pipeline

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = pipeline.numbered_notebooks(ROOT / "notebooks")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_seven_notebooks_are_found_in_order() -> None:
    assert [nb.name[:2] for nb in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07", "08"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_badge_setup_and_parameters_come_first(path: Path) -> None:
    cells = _load(path)["cells"]
    first = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown" and first.startswith("# ")
    assert f"{config.COLAB_URL}notebooks/{path.name}" in first, "the Colab badge must link to this very file"
    assert "helpers" in "".join(cells[1]["source"]), "the second cell is the setup cell"
    assert "parameters" in cells[2]["metadata"].get("tags", []), "the third cell is papermill's parameters cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_with_the_outputs_of_a_clean_full_run(path: Path) -> None:
    code = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert None not in counts, "every code cell must have been executed"
    assert counts == sorted(counts), "cells must have been run top to bottom"
    for cell in code:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"error output committed: {output.get('evalue')}"
            text = "".join(output.get("text", ""))
            assert "\r" not in text, "progress-bar output committed"
            assert "cudart_stub" not in text and "absl::" not in text, "TensorFlow start-up chatter committed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_saved_figure_is_committed(path: Path) -> None:
    sources = "".join("".join(c["source"]) for c in _load(path)["cells"] if c["cell_type"] == "code")
    names = re.findall(r'save_figure\(fig, "([^"]+)"', sources)
    for name in names:
        assert (ROOT / "figures" / f"{name}.png").is_file(), f"figures/{name}.png is missing"


def test_readme_links_every_notebook_in_colab() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme
        assert f"{config.COLAB_URL}notebooks/{path.name}" in readme


def _items(markdown: str, heading: str) -> list[str]:
    """The bullet or numbered items that follow ``heading`` in a markdown text, up to the next heading."""
    part = markdown.split(heading, 1)[1]
    lines = []
    for line in part.splitlines()[1:]:
        if line.startswith(("#", "**")) and lines:
            break
        lines.append(line)
    return [line for line in lines if re.match(r"^(- |\d+\. )", line)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_lesson_opens_with_objectives_and_ends_with_exercises(path: Path) -> None:
    cells = _load(path)["cells"]
    first = "".join(cells[0]["source"])
    assert "**You will learn**" in first, "the first cell states the learning objectives"
    assert 3 <= len(_items(first, "**You will learn**")) <= 5
    last = "".join(cells[-1]["source"])
    assert "## Summary" in last and "## Exercises" in last, "the last cell holds the summary and the exercises"
    assert 3 <= len(_items(last, "## Exercises")) <= 5
    assert "generated from" not in "".join("".join(c["source"]) for c in cells).lower()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_screen_is_short(path: Path) -> None:
    cells = _load(path)["cells"]
    assert len("".join(cells[1]["source"]).splitlines()) <= 4, "the setup cell has at most 4 lines"
    parameters = "".join(cells[2]["source"])
    assert len([line for line in parameters.splitlines() if "QUICK" in line]) <= 1, "the quick setting is one line"


@pytest.mark.parametrize("name", ["02_baseline_model.ipynb", "04_final_model.ipynb"])
def test_the_deep_learning_is_in_the_notebooks_code(name: str) -> None:
    code = "".join("".join(c["source"]) for c in _load(ROOT / "notebooks" / name)["cells"] if c["cell_type"] == "code")
    for needle in ("keras.Sequential([", "model.summary()", ".compile(", ".fit(", "EarlyStopping(", "class_weight" if
                   name.startswith("02") else "ReduceLROnPlateau(", "roc_curve(", ".predict(", "confusion_matrix("):
        assert needle in code, f"{name}: a student must find {needle!r} in a code cell"


def test_every_notebook_shares_one_setup_cell_that_clones_only_in_colab() -> None:
    setups = {"".join(_load(path)["cells"][1]["source"]) for path in NOTEBOOKS}
    assert len(setups) == 1, "the setup cells differ between notebooks"
    setup = setups.pop()
    assert 'if COLAB:\n    !' in setup and "git clone" in setup, "the clone runs only in Colab"
    assert setup.rstrip().endswith("import helpers.start  # noqa: F401 (quiet start-up)")
