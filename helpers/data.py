"""The report's data set: the DataFrame of photos every notebook starts from, the arrays a CNN reads, the split."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from helpers import config, photos

TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.375  # 30 % of the whole = 0.375 of the 80 % left after the test split


def stack_images(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The training arrays: images (N, 250, 200, 3) float32 and labels (N,) int."""
    images = np.stack(frame["image_array"].to_list()).astype(np.float32, copy=False)
    return images, frame["sex"].to_numpy(dtype=np.int64)


def split_indices(labels: np.ndarray, seed: int = config.SEED, stratify: bool = False) -> dict[str, np.ndarray]:
    """The report's two ``train_test_split`` calls with one seed: 188 -> 93 / 57 / 38, 268 -> 133 / 81 / 54."""
    labels = np.asarray(labels)
    rest, test = train_test_split(np.arange(len(labels)), test_size=TEST_FRACTION, random_state=seed,
                                  stratify=labels if stratify else None)
    train, validation = train_test_split(rest, test_size=VALIDATION_FRACTION, random_state=seed,
                                         stratify=labels[rest] if stratify else None)
    return {"train": np.sort(train), "validation": np.sort(validation), "test": np.sort(test)}


def split_table(labels: np.ndarray, splits: dict[str, np.ndarray]) -> pd.DataFrame:
    """Counts per split and class, with totals: the table the notebooks print."""
    table = pd.DataFrame({name: np.bincount(np.asarray(labels)[idx], minlength=2) for name, idx in splits.items()},
                         index=list(config.CLASS_NAMES)).T
    table["total"] = table.sum(axis=1)
    table.loc["all"] = table.sum()
    return table


def prepared_photos(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The photos ``data_dir`` (or the usual lookup) leads to: ``filename``, ``sex``, ``image_array``; not cached."""
    return photos.load_photos(photos.current_photos(data_dir))
