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


def synthetic_photos(n_male: int = 134, n_female: int = 54, size: tuple[int, int] = (20, 16),
                     seed: int = 0, separable: bool = False) -> pd.DataFrame:
    """A stand-in for the 188 photos: random small images; ``separable``: dark men, bright women."""
    rng = np.random.default_rng(seed)
    labels = np.array([0] * n_male + [1] * n_female)
    base = np.where(labels == 1, 0.7, 0.3) if separable else np.full(len(labels), 0.5)
    noise = rng.normal(0, 0.1 if separable else 0.25, (len(labels), *size, 3))
    images = np.clip(base[:, None, None, None] + noise, 0, 1).astype(np.float32)
    names = [f"m-{i:03d}-01.jpg" for i in range(n_male)] + [f"f-{i:03d}-01.jpg" for i in range(n_female)]
    return pd.DataFrame({"filename": names, "sex": labels, "image_array": list(images)})
