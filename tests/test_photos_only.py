"""The report's own data was the photos alone. With a folder that holds ``photos/`` and no ``sketches/`` beside it,
notebooks 04 and 05 run to the end (their quick setting): 04 trains the chosen variant without the sketches and
says so, and 05 analyses 04's models. (Notebook 06 reading its study from such a folder is tested in
test_refit_and_split_study.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from helpers import photos

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def photos_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("photos_only") / "photos"
    folder.mkdir()
    for photo in photos.current_photos().files:
        (folder / photo.name).symlink_to(photo)
    return folder


@pytest.mark.slow
def test_notebooks_04_and_05_run_with_the_photos_only(photos_only: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for name in ("04_final_model.ipynb", "05_error_analysis.ipynb"):
        papermill.execute_notebook(str(NOTEBOOKS / name), str(tmp_path / name), kernel_name="python3",
                                   parameters={"DATA_DIR": str(photos_only), "OUTPUT_DIR": str(out), "QUICK": True},
                                   cwd=str(NOTEBOOKS), progress_bar=False, log_output=False)
    executed = json.loads((tmp_path / "04_final_model.ipynb").read_text(encoding="utf-8"))
    printed = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert "No sketches/ folder beside" in printed and "trains without sketches" in printed
    final = json.loads((out / "results" / "04_final_model.json").read_text(encoding="utf-8"))
    assert final["training_sketches"] == 0
    assert (out / "results" / "05_error_analysis.json").is_file()
