"""Shared fixtures: the real CUFS photos, a throw-away output folder and small image writers.

The real photos are found the way the notebooks find them: ``pytest --cufs-dir PATH``, then
``$CUFS_DIR`` (CI sets it to ``../shared/cufs``), then ``data/raw/``, then a kagglehub download.
A missing dataset makes the tests that need it fail, never skip, so a broken set-up cannot pass
silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from helpers import photos

# Before TensorFlow is first imported (the helpers import keras; conftest is loaded before any test module).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """The session's ``$CUFS_OUTPUT_DIR`` (a temporary folder the root conftest.py sets before anything runs, for
    the unit tests and nbval's kernels alike), so no test writes into the repository."""
    return Path(os.environ["CUFS_OUTPUT_DIR"])


@pytest.fixture(scope="session")
def real_photos_dir() -> Path:
    """The folder of the 188 real photos, found as the notebooks find it."""

    try:
        return photos.find_photo_dir()  # the root conftest turned --cufs-dir into $CUFS_DIR
    except photos.DataError as err:
        pytest.fail(f"The real CUFS photos are needed by this test and were not found: {err}", pytrace=False)


@pytest.fixture(scope="session")
def real_photos(real_photos_dir: Path) -> pd.DataFrame:
    """The 188 real photos, loaded once per session (about 3 s). Do not mutate it."""

    return photos.load_photos(photos.current_photos(real_photos_dir), progress=False)


def write_image(
    path: Path,
    size: tuple[int, int] = (200, 250),
    mode: str = "RGB",
    seed: int = 0,
    fmt: str | None = None,
) -> Path:
    """Write a small random image of ``size`` (width, height) and ``mode`` with PIL; return its path."""
    rng = np.random.default_rng(seed)
    width, height = size
    if mode == "L":
        image = Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8), mode="L")
    elif mode == "RGBA":
        image = Image.fromarray(rng.integers(0, 256, (height, width, 4), dtype=np.uint8), mode="RGBA")
    else:
        image = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), mode="RGB")
        if mode != "RGB":
            image = image.convert(mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format=fmt)
    return path


@pytest.fixture
def make_image() -> Callable[..., Path]:
    """The ``write_image`` helper, as a fixture."""
    return write_image


@pytest.fixture
def records() -> pd.DataFrame:
    """Per-split records of three methods over 3 splits: the leaky final CNN, the leak-free one, the majority."""
    rows = []
    for seed, (leaky, honest) in enumerate([(0.9, 0.6), (1.0, 0.8), (0.95, 1.0)]):
        rows.append({"method": "final_cnn_report", "seed": seed, "accuracy": leaky, "auc": leaky,
                     "n_test": 54, "n_not_tested": 214})
        rows.append({"method": "final_cnn_leak_free", "seed": seed, "accuracy": honest, "auc": 1 - honest / 2,
                     "n_test": 38, "n_not_tested": 150})
        rows.append({"method": "majority", "seed": seed, "accuracy": 0.7, "auc": 0.5, "n_test": 38,
                     "n_not_tested": 150})
    return pd.DataFrame(rows)
