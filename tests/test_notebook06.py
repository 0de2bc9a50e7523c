"""Notebook 06 end to end in its quick setting (2 splits, quarter-size images, 2 epochs) on the real photos:
the results file it writes. (nbval also runs it in this setting and compares its machine-independent cells.)
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from helpers import repeated

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_honest_evaluation.ipynb"


@pytest.fixture(scope="module")
def executed(real_photos_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Run the notebook once with QUICK=True; the kernel inherits $CUFS_DIR and $CUFS_OUTPUT_DIR."""
    import papermill

    output = tmp_path_factory.mktemp("nb06") / NOTEBOOK.name
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CUFS_DIR", str(real_photos_dir))
        mp.setenv("CUFS_PROGRESS_BARS", "0")
        papermill.execute_notebook(str(NOTEBOOK), str(output), parameters={"QUICK": True}, kernel_name="python3",
                                   cwd=str(NOTEBOOK.parent), progress_bar=False, log_output=False)
    results = Path(os.environ["CUFS_OUTPUT_DIR"]) / "results" / "06_honest_evaluation.json"
    return output, json.loads(results.read_text(encoding="utf-8"))


def test_notebook_completes(executed):
    output, _ = executed
    cells = json.loads(output.read_text(encoding="utf-8"))["cells"]
    errors = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
    text = "".join("".join(o.get("text", "")) for c in cells if c["cell_type"] == "code" for o in c.get("outputs", []))
    assert "split 0 | final_cnn_leak_free" in text and "split 1 | pixel_logreg" in text
    assert "p_value" in "".join(json.dumps(c.get("outputs", [])) for c in cells)


def test_results_file_has_every_method(executed):
    _, results = executed
    assert results["n_splits"] == 2
    assert results["parameters"]["QUICK"] is True
    assert results["parameters"]["IMAGE_SCALE"] == 0.25 and results["parameters"]["EPOCHS_CAP"] == 2
    assert results["splits"] == [0, 1] and results["final_variant"] == results["parameters"]["FINAL_VARIANT"]
    assert set(results["paired_vs_pixel_logreg"]) >= {"test", "auc", "accuracy"}
    assert 0.0 <= results["paired_vs_pixel_logreg"]["auc"]["p_value"] <= 1.0
    assert set(results["target"]["checks"]) == {"auc", "accuracy", "better_than_pixel_logreg"}
    assert set(results["method_labels"]) == set(repeated.METHODS) == set(results["summary"])
    assert len(repeated.METHODS) == 6
    for method, metrics in results["summary"].items():
        auc = metrics["auc"]["mean"]
        assert math.isfinite(auc) and 0.0 <= auc <= 1.0, method
        assert set(metrics) >= set(repeated.SUMMARY_METRICS)
    assert results["test_images"]["final_cnn_report"] in (53, 54)
    assert all(n in (37, 38) for m, n in results["test_images"].items() if m != "final_cnn_report")
    assert len(results["records"]) == 2 * 6
    assert all(counts["leak_free"] == 0 and counts["report_protocol"] > 0 for counts in results["leakage"].values())
    assert set(results["inflation"]["difference_of_means"]) == set(repeated.SUMMARY_METRICS)


def test_figure_saved(executed):
    assert (Path(os.environ["CUFS_OUTPUT_DIR"]) / "figures" / "06_repeated_splits.png").is_file()
