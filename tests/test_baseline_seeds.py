"""Notebook 02's seed study: what each run records, its spread, and where it is written."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.studies import baseline_seeds


def test_a_run_records_the_collapse_and_what_the_threshold_changes() -> None:
    y_val = np.array([0, 0, 0, 1, 1])
    val_scores = np.array([0.60, 0.62, 0.64, 0.70, 0.72])  # ranked perfectly, all above 0.5: a shifted model
    y_test = np.array([0, 0, 1, 1])
    test_scores = np.array([0.61, 0.63, 0.69, 0.75])
    row = baseline_seeds.score_run(7, y_val, val_scores, y_test, test_scores)
    assert row["seed"] == 7 and row["called_female_at_0.5"] == 4 and row["accuracy_at_0.5"] == 0.5
    assert row["threshold"] == pytest.approx(0.70) and row["accuracy_at_threshold"] == 0.75  # 0.69 falls below
    assert row["flipped_by_threshold"] == 3 and row["auc"] == 1.0 and row["test_photos"] == 4


def test_the_spread_is_over_runs_with_the_sample_standard_deviation() -> None:
    rows = [{"auc": a, "accuracy_at_0.5": b, "accuracy_at_threshold": 0.9, "threshold": 0.5, "called_female_at_0.5": c}
            for a, b, c in ((0.9, 0.4, 38), (1.0, 0.9, 10))]
    spread = baseline_seeds.spread(rows)
    assert spread["auc_mean"] == pytest.approx(0.95) and spread["auc_std"] == pytest.approx(np.std([0.9, 1.0], ddof=1))
    assert spread["accuracy_at_0.5_min"] == 0.4 and spread["called_female_at_0.5_max"] == 38
    assert spread["accuracy_at_threshold_std"] == 0.0


def test_one_run_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 runs"):
        baseline_seeds.run(runs=1)
