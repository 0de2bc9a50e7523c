"""The committed notebooks read well: badge, setup, parameters, outputs of a full run, README links."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import config, pipeline

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = pipeline.numbered_notebooks(ROOT / "notebooks")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_six_notebooks_are_found_in_order() -> None:
    assert [nb.name[:2] for nb in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


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
