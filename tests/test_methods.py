"""Tests of ``helpers.methods``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import methods


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
