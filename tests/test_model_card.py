"""MODEL_CARD.md is generated from the results files and cannot drift from them."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from helpers import config, evaluation
from helpers.reporting import model_card, results

ROOT = config.project_root()


def test_the_committed_card_is_what_the_committed_results_say():
    assert (ROOT / model_card.CARD).read_text(encoding="utf-8") == model_card.render(ROOT), (
        "MODEL_CARD.md differs from the results files: run `python -m helpers.reporting.model_card`")


def test_the_card_states_uses_data_metrics_and_failures():
    text = model_card.render(ROOT)
    for heading in ("## Intended use", "## Uses it must not serve", "## Data", "## Metrics",
                    "## Known failure modes (notebook 05)", "## What would change with other data"):
        assert heading in text
    assert "Inferring anyone's sex or gender" in text and "Any decision about a person" in text
    errors = json.loads((ROOT / "results" / "05_error_analysis.json").read_text())["errors"]
    assert all(e["filename"] in text for e in errors)


def corrected_auc(honest: dict, method: str = "final_cnn_leak_free") -> tuple[float, float, float]:
    """The leak-free AUC's mean and Nadeau-Bengio interval, by hand from the per-split records."""
    values = [r["auc"] for r in honest["records"] if r["method"] == method]
    k = len(values)
    n_test = np.mean([r["n_test"] for r in honest["records"] if r["method"] == method])  # 37 or 38 per split
    n_train = (268 if method == "final_cnn_report" else 188) - n_test  # the images of the pool not tested on
    half = stats.t.ppf(0.975, k - 1) * np.std(values, ddof=1) * math.sqrt(1 / k + n_test / n_train)
    return float(np.mean(values)), float(np.mean(values) - half), float(np.mean(values) + half)


def test_the_card_shows_corrected_intervals_over_the_repeated_splits():
    text = model_card.render(ROOT)
    honest = json.loads((ROOT / "results" / "07_repeated_splits.json").read_text())
    for method in ("final_cnn_leak_free", "final_cnn_report", "pixel_logreg"):
        mean, low, high = corrected_auc(honest, method)
        assert f"| {mean:.3f} [{low:.3f}, {high:.3f}] |" in text, method
    # the naive t-interval of the mean (too narrow: the training sets overlap) is nowhere in the card
    values = [r["auc"] for r in honest["records"] if r["method"] == "final_cnn_leak_free"]
    naive = stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values))
    assert f"[{np.mean(values) - naive:.3f}, {np.mean(values) + naive:.3f}]" not in text
    assert "95 % interval, Nadeau-Bengio corrected" in text and "(1/K + n_test/n_train)" in text
    assert "The leak, split by split" in text and "specificity" in text and "sensitivity" in text


def test_a_results_file_with_the_corrected_schema_gives_the_same_card(tmp_path: Path):
    shutil.copytree(ROOT / "results", tmp_path / "results")
    path = tmp_path / "results" / "07_repeated_splits.json"
    result = json.loads(path.read_text())
    _, low, high = corrected_auc(result)
    result["summary"]["final_cnn_leak_free"]["auc"].update(ci_low=low, ci_high=high)  # as a re-run now writes
    for record in result["records"]:
        record["specificity"] = 2 * record["balanced_accuracy"] - record["recall"]
        record["n_not_tested"] = (268 if record["method"] == "final_cnn_report" else 188) - record["n_test"]
    path.write_text(json.dumps(result))
    assert model_card.render(tmp_path) == model_card.render(ROOT)


def test_a_changed_result_changes_the_card(tmp_path: Path):
    shutil.copytree(ROOT / "results", tmp_path / "results")
    path = tmp_path / "results" / "04_final_model.json"
    result = json.loads(path.read_text())
    result["test_at_0.5"]["auc"] = 0.5
    path.write_text(json.dumps(result))
    assert "| 0.500 [" in model_card.render(tmp_path)
    assert model_card.refresh(tmp_path / "card.md", tmp_path) is True
    assert model_card.refresh(tmp_path / "card.md", tmp_path) is False


def test_quick_results_are_refused(tmp_path: Path):
    shutil.copytree(ROOT / "results", tmp_path / "results")
    path = tmp_path / "results" / "07_repeated_splits.json"
    result = json.loads(path.read_text())
    result["quick"] = True  # the field every results file of a notebook holds
    path.write_text(json.dumps(result))
    with pytest.raises(results.ResultsNotReadyError, match="quick run"):
        model_card.render(tmp_path)


def test_wilson_interval_by_hand():
    low, high = evaluation.wilson_interval(50, 54)
    # z = 1.959964; centre = (p + z^2/2n) / (1 + z^2/n), p = 50/54
    assert low == pytest.approx(0.8244, abs=1e-4) and high == pytest.approx(0.9708, abs=1e-4)
    assert evaluation.wilson_interval(0, 10)[0] == 0.0 and evaluation.wilson_interval(10, 10)[1] == pytest.approx(1.0)


def test_auc_interval_by_hand():
    # Hanley-McNeil: A = 0.9, 27 positives, 27 negatives -> Q1 = 0.8182, Q2 = 0.8526, SE = 0.04400
    low, high = evaluation.auc_interval(0.9, 27, 27)
    assert (high - low) / 2 == pytest.approx(1.959964 * 0.04400, abs=2e-4)
    assert high <= 1.0

