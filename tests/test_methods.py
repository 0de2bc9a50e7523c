"""Tests of ``helpers.methods``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import methods


@pytest.fixture
def records() -> pd.DataFrame:
    rows = []
    for seed, (leaky, honest) in enumerate([(0.9, 0.6), (1.0, 0.8), (0.95, 1.0)]):
        rows.append({"method": "final_cnn_report", "seed": seed, "accuracy": leaky, "auc": leaky,
                     "n_test": 54, "n_not_tested": 214})
        rows.append({"method": "final_cnn_leak_free", "seed": seed, "accuracy": honest, "auc": 1 - honest / 2,
                     "n_test": 38, "n_not_tested": 150})
        rows.append({"method": "majority", "seed": seed, "accuracy": 0.7, "auc": 0.5, "n_test": 38,
                     "n_not_tested": 150})
    return pd.DataFrame(rows)


def test_with_specificity_fills_old_records_from_the_identity():
    old = pd.DataFrame({"balanced_accuracy": [0.75, 0.5], "recall": [0.5, 0.0]})
    assert methods.with_specificity(old)["specificity"].tolist() == [1.0, 1.0]
    new = old.assign(specificity=[0.9, np.nan])
    assert methods.with_specificity(new)["specificity"].tolist() == [0.9, 1.0]


def test_json_helpers(records):
    records = records.assign(n_test=[54, 38, 38] * 3, C=[np.nan, 0.1, np.nan] * 3)
    assert methods.method_info(records) == {"final_cnn_report": 54, "final_cnn_leak_free": 38, "majority": 38}
    plain = methods.records_for_json(records)
    assert "C" not in plain[0] and plain[1]["C"] == 0.1
