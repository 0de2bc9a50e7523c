"""Helpers several test files share (pytest puts tests/ on the path: ``from support import ...``)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def assert_same_photos(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same columns, names, labels (and their dtype) and bit-identical float32 pixels."""
    assert list(actual.columns) == list(expected.columns)
    assert actual["filename"].tolist() == expected["filename"].tolist()
    assert actual["sex"].tolist() == expected["sex"].tolist()
    assert actual["sex"].dtype == expected["sex"].dtype
    assert len(actual) == len(expected)
    for got, want in zip(actual["image_array"], expected["image_array"], strict=True):
        assert got.dtype == want.dtype == np.float32
        assert np.array_equal(got, want)
