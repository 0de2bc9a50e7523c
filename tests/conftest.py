"""Shared fixtures: the real CUFS photos, a throw-away output folder and small image writers.

The real photos come from ``$CUFS_DIR`` (CI sets it to ``../shared/cufs``); without it the
tests look in ``<repo>/../shared/cufs``. A missing dataset makes the tests that need it fail,
never skip, so a broken CI set-up cannot pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

# Before TensorFlow is first imported (the helpers import keras; conftest is loaded before any test module).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CUFS_DIR = REPO_ROOT / ".." / "shared" / "cufs"


@pytest.fixture(scope="session", autouse=True)
def output_dir(tmp_path_factory: pytest.TempPathFactory):
    """Point ``$CUFS_OUTPUT_DIR`` at a session temp folder so no test writes into the repository."""
    folder = tmp_path_factory.mktemp("cufs_output")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CUFS_OUTPUT_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def real_photos_dir() -> Path:
    """The real dataset folder named by ``$CUFS_DIR`` (relative paths are taken from the repo root)."""
    value = os.environ.get("CUFS_DIR")
    path = Path(value).expanduser() if value else DEFAULT_CUFS_DIR
    if not path.is_absolute():
        path = REPO_ROOT / path
    path = path.resolve()
    if not path.is_dir():
        source = f"$CUFS_DIR={value!r}" if value else f"the default {DEFAULT_CUFS_DIR}"
        pytest.fail(
            f"The real CUFS photos are missing: {source} resolves to {path}, which is not a folder. "
            "Set CUFS_DIR to the CUFS dataset folder (the one holding photos/), e.g. "
            "CUFS_DIR=../shared/cufs, or download 'arbazkhan971/cuhk-face-sketch-database-cufs' with kagglehub.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def real_photos(real_photos_dir: Path) -> pd.DataFrame:
    """The 188 real photos, loaded once per session (about 3 s). Do not mutate it."""
    from helpers import data

    return data.load_dataset(real_photos_dir, progress=False)


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
