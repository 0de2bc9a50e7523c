"""The report's own data was the photos alone. With a folder that holds ``photos/`` and no ``sketches/`` beside it,
notebooks 04, 05 and 08 run to the end (their quick setting): 04 and 05 never need the sketches, and 08 checks for
them before it trains and trains without them, saying so. (Notebooks 06 and 07 reading their study from such a
folder is tested in test_refit_and_split_study.py.)"""

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
def test_notebooks_04_05_and_08_run_with_the_photos_only(photos_only: Path, tmp_path: Path) -> None:
    out, printed = tmp_path / "out", {}
    for name in ("04_final_model.ipynb", "05_error_analysis.ipynb", "08_how_the_recipe_was_chosen.ipynb"):
        papermill.execute_notebook(str(NOTEBOOKS / name), str(tmp_path / name), kernel_name="python3",
                                   parameters={"DATA_DIR": str(photos_only), "OUTPUT_DIR": str(out), "QUICK": True},
                                   cwd=str(NOTEBOOKS), progress_bar=False, log_output=False)
        executed = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        printed[name[:2]] = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert "sketch" not in printed["04"].lower() and "sketch" not in printed["05"].lower()
    assert "No sketches/ folder beside" in printed["08"] and "trains without sketches" in printed["08"]
    assert all((out / "results" / f"{name}.json").is_file() for name in ("04_final_model", "05_error_analysis"))
