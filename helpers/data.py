"""Finding, loading, labelling and splitting the CUFS photos.

Bad input policy (each case has a test in ``tests/test_data_errors.py``):

* missing folder, empty folder, folder without a single usable photo -> ``DataNotFoundError``
  (the message names ``$CUFS_DIR``, the Kaggle slug and how to download);
* a corrupt or truncated image -> ``CorruptImageError`` naming the file, because
  silently dropping a photo would change the class counts and the seeded split;
* a file that is not an image (by extension), a sub-folder, or an image whose name
  does not start with ``m``/``f`` (e.g. the sketches ``F2-...``) -> skipped with a
  logged warning that names it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError
from sklearn.model_selection import train_test_split

from . import config, storage

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
LABEL_BY_PREFIX = {"m": 0, "f": 1}
TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.375  # 30 % of the whole = 0.375 of the 80 % left after the test split
PHOTOS_STEM = "photos"
PHOTOS_ARTIFACT = f"{PHOTOS_STEM}.npz"
PHOTOS_MANIFEST = f"{PHOTOS_STEM}.csv"
PROGRESS_ENV_VAR = "CUFS_PROGRESS_BARS"


class DataNotFoundError(FileNotFoundError):
    """No usable photo folder was found; the message says how to get one."""


class CorruptImageError(ValueError):
    """An image file exists but cannot be decoded."""


def how_to_get_data() -> str:
    """The instructions every data error ends with."""
    return (
        f"Download the Kaggle dataset '{config.KAGGLE_SLUG}' (pip install kagglehub; "
        f"python -c \"import kagglehub; print(kagglehub.dataset_download('{config.KAGGLE_SLUG}'))\"), "
        f"then set {config.DATA_ENV_VAR} to the printed folder (or its photos/ sub-folder), "
        "or copy the photos into data/raw/."
    )


def label_from_filename(name: str) -> int | None:
    """0 for a name starting with ``m`` (male), 1 for ``f`` (female), else None.

    Case matters on purpose: the sketches of the same dataset are named ``F2-...``/``M2-...``.
    """
    return LABEL_BY_PREFIX.get(name[:1])


def find_photo_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Locate the photo folder: argument, then ``$CUFS_DIR``, then ``data/raw/``, then kagglehub."""
    if explicit:
        return photos_folder_in(Path(explicit), source="the data folder argument")
    from_env = os.environ.get(config.DATA_ENV_VAR)
    if from_env:
        return photos_folder_in(Path(from_env), source=f"${config.DATA_ENV_VAR}")
    raw = config.project_root() / "data" / "raw"
    if raw.is_dir() and any(not p.name.startswith(".") and p.name != "README.md" for p in raw.iterdir()):
        return photos_folder_in(raw, source="data/raw/")
    return photos_folder_in(download_from_kaggle(), source="the kagglehub download")


def download_from_kaggle() -> Path:
    """Download (or reuse kagglehub's cache of) the dataset and return its root folder."""
    try:
        import kagglehub
    except ImportError as err:
        raise DataNotFoundError(
            f"No photo folder given and kagglehub is not installed. {how_to_get_data()}"
        ) from err
    try:
        log.info("Downloading %s with kagglehub ...", config.KAGGLE_SLUG)
        return Path(kagglehub.dataset_download(config.KAGGLE_SLUG))
    except Exception as err:  # network, credentials, quota: all end the same way for the user
        raise DataNotFoundError(
            f"No photo folder given (argument, ${config.DATA_ENV_VAR} or data/raw/) and the "
            f"kagglehub download failed ({type(err).__name__}: {err}). {how_to_get_data()}"
        ) from err


def photos_folder_in(path: Path, source: str = "the given path") -> Path:
    """Accept a folder of photos or a dataset root; from a root, use only its ``photos/``."""
    path = path.expanduser()
    if not path.exists():
        raise DataNotFoundError(f"{source} points to {path}, which does not exist. {how_to_get_data()}")
    if not path.is_dir():
        raise DataNotFoundError(f"{source} points to {path}, which is not a folder. {how_to_get_data()}")
    if (path / "photos").is_dir():
        return path / "photos"
    if any(_is_image_file(p) for p in path.iterdir()):
        return path
    nested = sorted(p for p in path.glob("*/photos") if p.is_dir()) + sorted(
        p for p in path.glob("*/*/photos") if p.is_dir()
    )
    if nested:
        return nested[0]
    if not any(path.iterdir()):
        raise DataNotFoundError(f"{source} points to {path}, which is empty. {how_to_get_data()}")
    raise DataNotFoundError(
        f"{source} points to {path}, which holds neither image files nor a photos/ folder. "
        f"{how_to_get_data()}"
    )


def list_photo_files(folder: Path) -> list[Path]:
    """The labelled photos of ``folder`` in sorted order; everything else is skipped with a warning."""
    photos = []
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            log.warning("Skipping sub-folder %s (only the photos themselves are read).", path)
        elif not _is_image_file(path):
            log.warning("Skipping %s: not an image file (extension %r).", path, path.suffix)
        elif label_from_filename(path.name) is None:
            log.warning(
                "Skipping %s: the name does not start with 'm' (male) or 'f' (female); "
                "sketches (F2-..., M2-...) and other files are never mixed in.",
                path,
            )
        else:
            photos.append(path)
    if not photos:
        raise DataNotFoundError(f"{folder} holds no photo named m*/f* with an image extension. {how_to_get_data()}")
    return photos


def load_image(path: Path) -> np.ndarray:
    """One photo as float32 RGB in [0, 1], resized to 200 wide x 250 high (array 250 x 200 x 3)."""
    try:
        with Image.open(path) as image:
            image.load()  # decode now so that truncated files fail here, naming the file
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise CorruptImageError(
            f"{path} cannot be read as an image ({err}). Re-download the dataset or remove that file."
        ) from err
    size = (config.IMAGE_WIDTH, config.IMAGE_HEIGHT)
    if rgb.size != size:
        rgb = rgb.resize(size, Image.Resampling.BILINEAR)
    return np.asarray(rgb, dtype=np.float32) / 255.0


def load_dataset(data_dir: str | os.PathLike | None = None, progress: bool = True) -> pd.DataFrame:
    """The report's DataFrame: ``filename``, ``sex`` (0 male, 1 female), ``image_array``."""
    folder = find_photo_dir(data_dir)
    files = list_photo_files(folder)
    log.info("Loading %d photos from %s", len(files), folder)
    arrays = [load_image(path) for path in _progress(files, progress, "Loading photos")]
    return pd.DataFrame(
        {
            "filename": [p.name for p in files],
            "sex": [label_from_filename(p.name) for p in files],
            "image_array": arrays,
        }
    )


def stack_images(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The training arrays: images (N, 250, 200, 3) float32 and labels (N,) int."""
    images = np.stack(frame["image_array"].to_list()).astype(np.float32, copy=False)
    return images, frame["sex"].to_numpy(dtype=np.int64)


def split_indices(
    labels: np.ndarray,
    seed: int = config.SEED,
    stratify: bool = False,
    test_fraction: float = TEST_FRACTION,
    validation_fraction: float = VALIDATION_FRACTION,
) -> dict[str, np.ndarray]:
    """The report's split: test = 20 % (rounded up), validation = 0.375 of the rest (rounded up).

    Two calls of scikit-learn's ``train_test_split`` with the same ``random_state``, as
    the report did: 188 -> 93 / 57 / 38 and 268 -> 133 / 81 / 54.
    """
    labels = np.asarray(labels)
    everything = np.arange(len(labels))
    rest, test = train_test_split(
        everything, test_size=test_fraction, random_state=seed, stratify=labels if stratify else None
    )
    train, validation = train_test_split(
        rest,
        test_size=validation_fraction,
        random_state=seed,
        stratify=labels[rest] if stratify else None,
    )
    return {"train": np.sort(train), "validation": np.sort(validation), "test": np.sort(test)}


def split_table(labels: np.ndarray, splits: dict[str, np.ndarray]) -> pd.DataFrame:
    """Counts per split and class, with totals: the table the notebooks print."""
    labels = np.asarray(labels)
    rows = {
        name: {
            config.CLASS_NAMES[0]: int(np.sum(labels[idx] == 0)),
            config.CLASS_NAMES[1]: int(np.sum(labels[idx] == 1)),
            "total": len(idx),
        }
        for name, idx in splits.items()
    }
    table = pd.DataFrame(rows).T
    table.loc["all"] = table.sum()
    return table


def save_image_frame(frame: pd.DataFrame, folder: Path, stem: str) -> Path:
    """Store a frame of images as ``<stem>.npz`` (uint8 pixels, labels, names) + ``<stem>.csv`` (every other column).

    8 bits per channel are exact for photos read from 8-bit files and what saving an
    augmented image as a file would keep; they make the artifact four times smaller.
    """
    images, labels = stack_images(frame)
    pixels = np.rint(images * 255.0).astype(np.uint8)
    storage.save_csv(folder / f"{stem}.csv", frame.drop(columns="image_array"))
    return storage.save_npz(folder / f"{stem}.npz", pixels=pixels, labels=labels,
                            filenames=frame["filename"].to_numpy(dtype=str))


def load_image_frame(folder: Path, stem: str) -> pd.DataFrame:
    """Read back what ``save_image_frame`` wrote; refuses a manifest that does not match its arrays."""
    arrays = storage.load_npz(folder / f"{stem}.npz")
    manifest = pd.read_csv(folder / f"{stem}.csv")
    if manifest["filename"].tolist() != arrays["filenames"].tolist():
        raise ValueError(
            f"{folder / stem}.csv and .npz disagree on the file names: delete both and re-run the notebook "
            "that writes them (or notebook 01)."
        )
    manifest["image_array"] = list(arrays["pixels"].astype(np.float32) / 255.0)
    return manifest


def save_photos_artifact(frame: pd.DataFrame, folder: Path) -> Path:
    """Store the prepared photos as ``photos.npz`` plus the ``photos.csv`` manifest."""
    return save_image_frame(frame[["filename", "sex", "image_array"]], folder, PHOTOS_STEM)


def load_photos_artifact(folder: Path) -> pd.DataFrame:
    """Read back what ``save_photos_artifact`` wrote, as the report's DataFrame."""
    return load_image_frame(folder, PHOTOS_STEM)[["filename", "sex", "image_array"]]


def prepared_photos(
    data_dir: str | os.PathLike | None = None, root: str | os.PathLike | None = None, rebuild: bool = False
) -> pd.DataFrame:
    """The 188 photos: from notebook 01's artifact if present, else loaded and saved now.

    This is what lets every notebook also run on its own in a fresh runtime.
    """
    folder = config.processed_dir(root)
    if not rebuild and (folder / PHOTOS_ARTIFACT).exists():
        log.info("Using the prepared photos in %s", folder / PHOTOS_ARTIFACT)
        return load_photos_artifact(folder)
    log.info("No prepared photos in %s: loading them from the data folder.", folder)
    frame = load_dataset(data_dir)
    save_photos_artifact(frame, folder)
    return frame


def _is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def _progress(items: list, enabled: bool, desc: str) -> Iterable:
    # Headless runs (the pipeline sets CUFS_PROGRESS_BARS=0) keep committed outputs free of bars.
    if not enabled or os.environ.get(PROGRESS_ENV_VAR) == "0":
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="photo")
