"""Notebook 07 (repeated splits): its teaching structure (read from the file), and end to end in its quick setting on
the real photos (which reads the split study, as a full run does), the results file it writes. (nbval also runs it
in this setting and compares its checked cells.)
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import nbformat
import pytest
from support import check_frame, differing_numbers, quick_run_results

from helpers import methods

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_repeated_splits.ipynb"


@pytest.fixture(scope="module")
def cells() -> list:
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_frame(cells):
    check_frame(cells, "07", NOTEBOOK.name)


def test_the_lesson_is_code_and_the_checks_are_machine_independent(cells):
    sources = "\n".join(c.source for c in cells if c.cell_type == "code")
    for lesson in ("LogisticRegression(", "corrected_paired_test(", "split_statistics.summarise("):
        assert lesson in sources, lesson
    checked = [c.source for c in cells if c.cell_type == "code" and c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert any("methods.METHODS" in s for s in checked)
    exercises = cells[-1].source.split("## Exercises", 1)[1]
    for word in ("FOLDS", "C_GRID", "n_test=0", ".drop(left_out)"):
        assert word in exercises


_RUN: list[bool] = []


@pytest.fixture
def executed(real_photos_dir: Path, nbval_ran) -> dict:
    return quick_run_results("07", NOTEBOOK, "07_repeated_splits", real_photos_dir, _RUN, nbval_ran("07"))


def test_the_quick_run_reads_the_study_and_writes_the_committed_numbers(executed):
    """QUICK shortens only what trains here; by default 07 reads the split study, so its quick run must write what
    the full run committed, to nine significant digits (other library versions move the last ones)."""
    committed = json.loads((NOTEBOOK.parent.parent / "results" / "07_repeated_splits.json").read_text())
    assert executed["parameters"]["QUICK"] is True and executed["records_from"] == committed["records_from"]
    for key in ("splits", "records", "summary", "paired_vs_pixel_logreg", "refit", "selection", "verdicts",
                "test_images", "method_labels", "recipes", "final_variant"):
        assert not differing_numbers(executed[key], committed[key]), key


def test_results_file_has_every_method_on_every_split(executed):
    results = executed
    assert results["n_splits"] == 10 and results["splits"] == list(range(10))
    pairs = [(r["split"], r["method"]) for r in results["records"]]
    assert sorted(pairs) == sorted((split, method) for split in range(10) for method in methods.METHODS)
    assert set(results["paired_vs_pixel_logreg"]) >= {"test", "auc", "accuracy"}
    assert 0.0 <= results["paired_vs_pixel_logreg"]["auc"]["p_value"] <= 1.0
    target = results["verdicts"]["leak_free_target"]
    assert set(target["checks"]) == {"auc", "accuracy", "better_than_pixel_logreg"}
    assert target["met"] is all(target["checks"].values())
    assert set(results["method_labels"]) == set(methods.METHODS) == set(results["summary"])
    for method, metrics in results["summary"].items():
        auc = metrics["auc"]["mean"]
        assert math.isfinite(auc) and 0.0 <= auc <= 1.0, method
        assert set(metrics) >= set(methods.SUMMARY_METRICS)
    assert results["test_images"]["final_cnn_report"] in (53, 54)
    assert all(n in (37, 38) for m, n in results["test_images"].items() if m != "final_cnn_report")
    assert set(results["selection"]["picks"]) == {str(k) for k in range(10)}


def test_results_file_has_specificity_and_corrected_intervals(executed):
    results = executed
    assert all(0.0 <= r["specificity"] <= 1.0 for r in results["records"])
    assert all(r["n_not_tested"] == (268 if r["method"] == methods.LEAKY else 188) - r["n_test"]
               for r in results["records"])
    assert "Nadeau-Bengio" in results["intervals"]["method"]
    for method, metrics in results["summary"].items():
        auc = metrics["auc"]
        if auc["std"] > 0:  # corrected: wider than the naive interval around the same mean
            assert auc["ci_high"] - auc["ci_low"] > auc["naive_ci_high"] - auc["naive_ci_low"], method


def test_figures_saved(executed):
    for name in ("07_repeated_splits", "07_calibration", "07_auc_per_split"):
        assert (Path(os.environ["CUFS_OUTPUT_DIR"]) / "figures" / f"{name}.png").is_file(), name
