"""The report's own data was the photos alone. With a folder that holds ``photos/`` and no ``sketches/`` beside it,
notebook 08 checks for the sketches before it trains and builds its training set without them, saying so.
Notebooks 04 and 05 run under nbval on such a folder (see ``PHOTOS_ONLY`` in the root conftest.py); notebooks 06
and 07 reading their study from one is tested in test_refit_and_split_study.py."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers import photos

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_the_photos_only_folder_holds_the_photos_and_nothing_beside_them(photos_only) -> None:
    folder, _ = photos_only
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in photos.current_photos().files)
    assert [p.name for p in folder.parent.iterdir()] == ["photos"]
    assert photos.current_photos(folder).fingerprint() == photos.current_photos().fingerprint()


@pytest.mark.parametrize("name", ["04_final_model.ipynb", "05_error_analysis.ipynb"])
def test_notebooks_04_and_05_never_name_the_sketches_and_run_on_the_photos_only(name: str, photos_only) -> None:
    cells = nbformat.read(NOTEBOOKS / name, as_version=4).cells
    assert not any("sketch" in c.source.lower() for c in cells if c.cell_type == "code")
    assert f"notebooks/{name}::" in photos_only[1]


@pytest.mark.slow
def test_notebook_08_checks_for_the_sketches_and_builds_section_5_without_them(tmp_path: Path, photos_only) -> None:
    """Its first cells and section 5's data cell, run on the photos alone: the check says what is missing and the
    training set is the photos only (the training cell itself reads ``train_more`` and runs under nbval)."""
    notebook = nbformat.read(NOTEBOOKS / "08_how_the_recipe_was_chosen.ipynb", as_version=4)
    data_cell = next(c for c in notebook.cells if c.cell_type == "code" and "train_more = " in c.source)
    probe = nbformat.v4.new_code_cell('assert train_more[0] is x_train\nprint("section 5 trains on", len(x_train))')
    notebook.cells = [*notebook.cells[:4], data_cell, probe]
    nbformat.write(notebook, tmp_path / "08_start.ipynb")
    papermill.execute_notebook(str(tmp_path / "08_start.ipynb"), str(tmp_path / "08_run.ipynb"), kernel_name="python3",
                               parameters={"DATA_DIR": str(photos_only[0]), "OUTPUT_DIR": str(tmp_path / "out"),
                                           "QUICK": True},
                               cwd=str(NOTEBOOKS), progress_bar=False, log_output=False)
    executed = json.loads((tmp_path / "08_run.ipynb").read_text(encoding="utf-8"))
    printed = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert "No sketches/ folder beside" in printed and "trains without sketches" in printed
    assert "section 5 trains on" in printed
