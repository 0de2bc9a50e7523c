"""MODEL_CARD.md is generated from the results files and cannot drift from them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import config, evaluation, model_card

ROOT = config.project_root()


def test_the_committed_card_is_what_the_committed_results_say():
    assert (ROOT / model_card.CARD).read_text(encoding="utf-8") == model_card.render(ROOT), (
        "MODEL_CARD.md differs from the results files: run `python -m helpers.model_card`")


def test_the_card_states_uses_data_metrics_and_failures():
    text = model_card.render(ROOT)
    for heading in ("## Intended use", "## Uses it must not serve", "## Data", "## Metrics",
                    "## Known failure modes (notebook 05)", "## What would change with other data"):
        assert heading in text
    assert "Inferring anyone's sex or gender" in text and "Any decision about a person" in text
    honest = json.loads((ROOT / "results" / "06_honest_evaluation.json").read_text())
    auc = honest["summary"]["final_cnn_leak_free"]["auc"]
    assert f"{auc['mean']:.3f} [{auc['ci_low']:.3f}, {auc['ci_high']:.3f}]" in text
    errors = json.loads((ROOT / "results" / "05_error_analysis.json").read_text())["errors"]
    assert all(e["filename"] in text for e in errors)


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
    path = tmp_path / "results" / "06_honest_evaluation.json"
    result = json.loads(path.read_text())
    result["parameters"]["QUICK"] = True
    path.write_text(json.dumps(result))
    with pytest.raises(evaluation.ResultsNotReadyError, match="quick run"):
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


def test_spread_over_splits_by_hand():
    records = [{"method": "a", "brier": 0.1}, {"method": "a", "brier": 0.3}, {"method": "b", "brier": 0.5}]
    spread = evaluation.spread_over_splits(records, "a", "brier")
    assert spread == pytest.approx({"mean": 0.2, "std": 0.1414214, "min": 0.1, "max": 0.3, "n": 2})
    with pytest.raises(evaluation.ResultsNotReadyError, match="no per-split 'brier' for 'c'"):
        evaluation.spread_over_splits(records, "c", "brier")
