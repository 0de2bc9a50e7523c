"""Notebook 06 (the leak): its teaching structure (read from the file), and end to end in its quick setting on the
real photos (section 2 trains two epochs; section 3 reads the split study, as a full run does), the results file
it writes. (nbval also runs it in this setting and compares its checked cells.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from support import check_frame, differing_numbers, quick_run_results

from helpers import methods

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_the_leak.ipynb"
@pytest.fixture(scope="module")
def cells() -> list:
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_frame(cells):
    check_frame(cells, "06", NOTEBOOK.name)
    assert "print(\"final CNN:\", methods.describe_variant" in cells[3].source  # settings in words, not a name


def test_the_lesson_is_code_and_the_checks_are_machine_independent(cells):
    sources = "\n".join(c.source for c in cells if c.cell_type == "code")
    for lesson in ("StratifiedKFold(", "train_test_split(", "balance_by_augmentation(", "model.compile(",
                   "model.fit(", "roc_auc_score("):
        assert lesson in sources, lesson
    checked = [c.source for c in cells if c.cell_type == "code" and c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert any("role_check" in s for s in checked)
    assert 'save_figure(fig, "06_leak_per_split"' in sources and "split_statistics.leak_table" in sources
    exercises = cells[-1].source.split("## Exercises", 1)[1]
    for word in ("SEED = 24", "IMAGE_SCALE = 1.0", "leaked_images", "precision_score"):
        assert word in exercises


_RUN: list[bool] = []


@pytest.fixture
def executed(real_photos_dir: Path, nbval_ran) -> dict:
    return quick_run_results("06", NOTEBOOK, "06_the_leak", real_photos_dir, _RUN, nbval_ran("06"))


def test_the_quick_run_writes_the_leak(executed):
    """QUICK shortens only what trains here (section 2's two models); section 3 reads the split study, as a full run
    does, so everything the quick run writes from the study is what the full run committed (to nine digits)."""
    committed = json.loads((NOTEBOOK.parent.parent / "results" / "06_the_leak.json").read_text())
    assert executed["quick"] is True and executed["parameters"]["EPOCHS_CAP"] is None
    for key in ("splits", "leakage", "inflation", "shortcut", "records_from", "final_variant"):
        assert not differing_numbers(executed[key], committed[key]), key
    assert set(executed["one_split"]) == {"leak-free", "report's protocol"}
    assert all(0.0 <= row["auc"] <= 1.0 for row in executed["one_split"].values())
    assert executed["splits"] == list(range(10)) and executed["n_splits"] == 10
    assert all(counts["leak_free"] == 0 and counts["report_protocol"] > 0 for counts in executed["leakage"].values())
    inflation = executed["inflation"]
    assert inflation["prevalence_free_metrics"] == list(methods.PREVALENCE_FREE)
    assert set(inflation["includes_zero"]) == set(methods.PREVALENCE_FREE)
    assert set(inflation["difference_of_means"]) == set(methods.SUMMARY_METRICS)
    assert inflation["test_female_share"][methods.LEAKY] > inflation["test_female_share"][methods.LEAK_FREE]
    assert [row["split"] for row in executed["shortcut"]["per_split"]] == list(range(10))


def test_figure_saved(executed):
    assert (Path(os.environ["CUFS_OUTPUT_DIR"]) / "figures" / "06_leak_per_split.png").is_file()
