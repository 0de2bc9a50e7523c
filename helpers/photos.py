"""Finding and loading exactly the CUFS photos, never a guess: where they are, which files are photos, decoding.

The policy (where the photos are looked for, which files count as photos, what each bad input raises and says) is
written once, for users, in ``data/README.md``; ``tests/test_photos.py`` checks each case on small files of its own.
The frame and the split are in ``helpers.data``; the artifacts passed between notebooks in ``helpers.infra.artifacts``.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageOps, UnidentifiedImageError

from helpers import config
from helpers.infra import provenance

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
LABEL_BY_PREFIX = {"m": 0, "f": 1}
EXPECTED_COUNTS = {0: 134, 1: 54}  # the CUHK student photos: 188 in all
# A CUFS photo has 50,000 pixels; anything past this is refused before it is decoded.
MAX_IMAGE_PIXELS = 25_000_000
# Searching a whole home folder for photos would take minutes: past this, ask for a narrower path.
MAX_FOLDERS_SEARCHED = 5_000

PHOTO_NAME = re.compile(r"(?P<person>(?P<sex>[mf])1?-\d{3})-\d{2}(?P<suffix>\.[a-z0-9]+)", re.IGNORECASE)
SKETCH_NAME = re.compile(r"[mf][12]?-\d{3}-\d{2}-sz\d+\.[a-z0-9]+|[mf]2-\d{3}-\d{2}\.[a-z0-9]+", re.IGNORECASE)
# A photo's name with more after it ("f-005-01 copy.jpg", "m-099-01 (1).jpg", "f1-003-01_2.jpg"): a file-manager copy.
COPY_NAME = re.compile(r"(?P<original>[mf]1?-\d{3}-\d{2})[ _~(-].*(?P<suffix>\.[a-z0-9]+)", re.IGNORECASE)
RESIDUE_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", ".gitkeep"})
IGNORED_FOLDERS = frozenset({"__macosx"})


class DataError(Exception):
    """Base class of every data problem the loader reports."""


class DataNotFoundError(DataError, FileNotFoundError):
    """No usable photo folder was found; the message says how to get one."""


class AmbiguousPhotoFoldersError(DataError, ValueError):
    """More than one folder holds CUFS photos: the user must say which one."""


class DuplicatePhotoError(DataError, ValueError):
    """Two files are the photo of the same person."""


class MissingClassError(DataError, ValueError):
    """The photo folder has no photo of one of the two classes."""


class CorruptImageError(DataError, ValueError):
    """An image file exists but cannot be decoded (or has more than 8 bits per channel)."""


class ImageTooLargeError(DataError, ValueError):
    """An image has more pixels than any CUFS photo could (a decompression bomb, or the wrong file)."""


class PhotoAccessError(DataError, PermissionError):
    """A file or folder exists but this process may not read it."""


@dataclass(frozen=True)
class PhotoFiles:
    """The photos of one folder, as chosen by the naming policy."""

    folder: Path
    files: tuple[Path, ...]

    @property
    def labels(self) -> list[int]:
        return [label_from_filename(p.name) for p in self.files]

    def fingerprint(self) -> dict[str, Any]:
        """Names and content hashes of the photos (not their folder: a copy elsewhere is the same data)."""
        return provenance.files_fingerprint(self.files)


def how_to_get_data() -> str:
    """The instructions every data error ends with."""
    return (f"Download the Kaggle dataset '{config.KAGGLE_SLUG}' (pip install kagglehub; python -c \"import kagglehub; "
            f"print(kagglehub.dataset_download('{config.KAGGLE_SLUG}'))\"), then set {config.DATA_ENV_VAR} to the "
            "printed folder (or its photos/ sub-folder), or copy the photos into data/raw/.")


# ---- names ----------------------------------------------------------------------------------------


def parse_photo_name(name: str) -> tuple[int, str] | None:
    """``(label, person)`` for a CUFS photo name (``f1-005-01.JPG`` -> ``(1, 'f1-005')``), else None."""
    match = PHOTO_NAME.fullmatch(name)
    if match is None or match["suffix"].lower() not in IMAGE_SUFFIXES:
        return None
    return LABEL_BY_PREFIX[match["sex"].lower()], match["person"].lower()


def label_from_filename(name: str) -> int | None:
    """0 (male) or 1 (female) for a name that follows the CUFS photos' naming, else None."""
    parsed = parse_photo_name(name)
    return None if parsed is None else parsed[0]


def why_not_a_photo(path: Path) -> str:
    """The kind of a file that is not a CUFS photo, as shown in the skip warning."""
    name = path.name
    if path.is_dir():
        return "sub-folders (only the photos themselves are read)"
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return "not image files"
    if SKETCH_NAME.fullmatch(name):
        return "CUFS sketches (never mixed in with the photos)"
    copy = COPY_NAME.fullmatch(name)
    if copy:
        return f"copies of a photo (e.g. of {copy['original']}{copy['suffix']}): one person, one photo"
    return "images not named like a CUFS photo (m-NNN-NN, m1-NNN-NN, f-NNN-NN, f1-NNN-NN)"


def is_residue(name: str) -> bool:
    """macOS/Windows/zip residue that carries no photo (``._f-005-01.jpg``, ``.DS_Store``, ...)."""
    return name.startswith("._") or name.lower() in RESIDUE_NAMES


# ---- where the photos are ---------------------------------------------------------------------------


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
        raise DataNotFoundError(f"No photo folder given and kagglehub is not installed. {how_to_get_data()}") from err
    try:
        log.info("Downloading %s with kagglehub ...", config.KAGGLE_SLUG)
        return Path(kagglehub.dataset_download(config.KAGGLE_SLUG))
    except Exception as err:  # network, credentials, quota: all end the same way for the user
        raise DataNotFoundError(
            f"No photo folder given (argument, ${config.DATA_ENV_VAR} or data/raw/) and the "
            f"kagglehub download failed ({type(err).__name__}: {err}). {how_to_get_data()}"
        ) from err


def photos_folder_in(path: Path, source: str = "the given path") -> Path:
    """The one folder at or below ``path`` that holds CUFS photos; refuses to choose between several."""
    path = Path(os.path.abspath(path.expanduser()))
    if not path.exists():
        raise DataNotFoundError(f"{source} points to {path}, which does not exist. {how_to_get_data()}")
    if not path.is_dir():
        raise DataNotFoundError(f"{source} points to {path}, which is not a folder. {how_to_get_data()}")
    entries = _listdir(path)
    candidates = photo_folders_under(path)
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        listing = "\n".join(f"  {folder}  ({_count_text(folder)})" for folder in candidates)
        raise AmbiguousPhotoFoldersError(
            f"{source} points to {path}, which holds {len(candidates)} folders of CUFS photos:\n{listing}\n"
            f"The loader never picks one for you. Name the right one: pass it as DATA_DIR (notebooks) or "
            f"--data-dir (pipeline), or set {config.DATA_ENV_VAR} to it, e.g. "
            f"export {config.DATA_ENV_VAR}={candidates[0]}; or move the other copies out of {path}."
        )
    if not [e for e in entries if not is_residue(e.name)]:
        raise DataNotFoundError(f"{source} points to {path}, which is empty. {how_to_get_data()}")
    sketches = [e.name for e in entries if SKETCH_NAME.fullmatch(e.name)]
    hint = (f" It holds {len(sketches)} CUFS sketches: the photos are in the dataset's photos/ folder."
            if sketches else "")
    raise DataNotFoundError(
        f"{source} points to {path}, which holds no file named like a CUFS photo (m-NNN-NN.jpg, m1-NNN-NN.jpg, "
        f"f-NNN-NN.jpg, f1-NNN-NN.jpg), at any depth.{hint} {how_to_get_data()}"
    )


def photo_folders_under(root: Path) -> list[Path]:
    """Folders at or below ``root`` that directly hold a file named like a CUFS photo, sorted.

    Hidden folders and ``__MACOSX`` are ignored, symbolic links are followed once, and a candidate's
    own sub-folders are not searched (the photo folder wins over a backup kept inside it).
    """
    found: list[Path] = []
    seen: set[str] = set()
    for folder, subfolders, names in os.walk(root, followlinks=True, onerror=lambda err: _warn_once(
            f"Cannot look inside {err.filename} ({err.strerror}); it is left out of the search for photos.")):
        real = os.path.realpath(folder)
        if real in seen:  # a link back up the tree
            subfolders[:] = []
            continue
        seen.add(real)
        if len(seen) > MAX_FOLDERS_SEARCHED:
            raise DataNotFoundError(
                f"{root} holds more than {MAX_FOLDERS_SEARCHED} folders: it does not look like the CUFS dataset. "
                f"Point at the dataset folder or its photos/ folder. {how_to_get_data()}"
            )
        if any(parse_photo_name(name) and os.path.isfile(os.path.join(folder, name)) for name in names):
            found.append(Path(folder))
            subfolders[:] = []
        else:
            subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d.lower() not in IGNORED_FOLDERS)
    return sorted(found)


# ---- which files are photos -------------------------------------------------------------------------


def select_photos(folder: Path) -> PhotoFiles:
    """Apply the naming policy to ``folder``: skip and warn, refuse duplicates and a missing class."""
    folder = Path(folder)
    photos: list[Path] = []
    skipped: dict[str, list[str]] = defaultdict(list)
    residue: list[str] = []
    for path in sorted(_listdir(folder), key=lambda p: p.name):
        if is_residue(path.name):
            residue.append(path.name)
        elif path.is_file() and parse_photo_name(path.name):
            photos.append(path)
        else:
            skipped[why_not_a_photo(path)].append(path.name)
    if residue:
        log.info("Ignored system residue in %s: %s", folder, ", ".join(residue))
    for reason, names in skipped.items():
        _warn_once(f"Skipped {len(names)} file(s) in {folder}, {reason}: {', '.join(names)}")
    if not photos:
        raise DataNotFoundError(f"{folder} holds no file named like a CUFS photo (m-NNN-NN.jpg, f1-NNN-NN.jpg, ...). "
                                f"{how_to_get_data()}")
    refuse_duplicates(photos)
    check_class_counts(photos, folder)
    return PhotoFiles(folder, tuple(photos))


def refuse_duplicates(photos: Sequence[Path]) -> None:
    """One person, one photo: raise naming every file of each person that has more than one."""
    by_person: dict[str, list[Path]] = defaultdict(list)
    for path in photos:
        by_person[parse_photo_name(path.name)[1]].append(path)
    clashes = {person: paths for person, paths in by_person.items() if len(paths) > 1}
    if clashes:
        listing = "; ".join(f"{person}: {', '.join(map(str, paths))}" for person, paths in sorted(clashes.items()))
        raise DuplicatePhotoError(
            f"{len(clashes)} person(s) have more than one photo file ({listing}). CUFS has one photo per person: "
            "keep one file of each and move the others out of the folder."
        )


def check_class_counts(photos: Sequence[Path], folder: Path) -> None:
    """Refuse a folder without one of the classes; warn when the counts are not the CUFS ones."""
    counts = {label: 0 for label in EXPECTED_COUNTS}
    for path in photos:
        counts[label_from_filename(path.name)] += 1
    stated = ", ".join(f"{counts[label]} {config.CLASS_NAMES[label]}" for label in sorted(counts))
    missing = [config.CLASS_NAMES[label] for label, n in counts.items() if n == 0]
    if missing:
        raise MissingClassError(
            f"{folder} holds {stated} photos: no {missing[0]} photo at all, so there is nothing to classify. "
            f"Check that this is the complete photos/ folder. {how_to_get_data()}"
        )
    if counts != EXPECTED_COUNTS:
        expected = ", ".join(f"{n} {config.CLASS_NAMES[label]}" for label, n in sorted(EXPECTED_COUNTS.items()))
        _warn_once(
            f"{folder} holds {sum(counts.values())} photos ({stated}); the CUFS student set has "
            f"{sum(EXPECTED_COUNTS.values())} ({expected}). Results will not match the report's; check the folder "
            "if this is not on purpose."
        )


# ---- decoding -------------------------------------------------------------------------------------------


def load_image(path: Path) -> np.ndarray:
    """One photo as float32 RGB in [0, 1], upright (EXIF), resized to 200 wide x 250 high (250 x 200 x 3)."""
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                refuse_oversized(image, path)
                image.load()  # decode now so that truncated files fail here, naming the file
                rgb = to_rgb_array(ImageOps.exif_transpose(image), path)
    except PermissionError as err:
        raise PhotoAccessError(
            f"{path} cannot be read: permission denied. Make it readable (e.g. chmod a+r '{path}') or copy the "
            "photos to a folder you own."
        ) from err
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageTooLargeError(f"{path} is far too large to be a CUFS photo ({err}). Remove it.") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        if isinstance(err, DataError):
            raise
        raise CorruptImageError(
            f"{path} cannot be read as an image ({err}). Re-download the dataset or remove that file."
        ) from err
    height, width = rgb.shape[:2]
    if (width, height) != (config.IMAGE_WIDTH, config.IMAGE_HEIGHT):
        resized = Image.fromarray(rgb).resize((config.IMAGE_WIDTH, config.IMAGE_HEIGHT), Image.Resampling.BILINEAR)
        rgb = np.asarray(resized)
    return rgb.astype(np.float32) / 255.0


def refuse_oversized(image: Image.Image, path: Path) -> None:
    """Raise before decoding an image with more pixels than ``MAX_IMAGE_PIXELS``."""
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageTooLargeError(
            f"{path} is {width} x {height} pixels; a CUFS photo is {config.IMAGE_WIDTH} x {config.IMAGE_HEIGHT} "
            f"and anything above {MAX_IMAGE_PIXELS:,} pixels is refused. Remove it from the photo folder."
        )


def to_rgb_array(image: Image.Image, path: Path) -> np.ndarray:
    """8-bit RGB pixels. CUFS photos are 8-bit RGB JPEGs: images with more than 8 bits per channel (16-bit,
    32-bit or float modes) are refused with a clear error rather than guessed at."""
    if image.mode.startswith("I") or image.mode == "F":
        raise CorruptImageError(f"{path} has {image.mode} pixels, more than 8 bits per channel; CUFS photos are "
                                "8-bit RGB. Save it as an 8-bit RGB JPEG or PNG.")
    return np.asarray(image.convert("RGB"))  # a mode that cannot convert fails in load_image, naming the file


# ---- loading ------------------------------------------------------------------------------------------


def load_dataset(data_dir: str | os.PathLike | None = None, progress: bool = True) -> pd.DataFrame:
    """The report's DataFrame: ``filename``, ``sex`` (0 male, 1 female), ``image_array``."""
    return load_photos(current_photos(data_dir), progress)


def load_photos(photos: PhotoFiles, progress: bool = True) -> pd.DataFrame:
    """Decode the chosen photo files into the report's DataFrame."""
    log.info("Loading %d photos from %s", len(photos.files), photos.folder)
    arrays = [load_image(path) for path in _progress(list(photos.files), progress, "Loading photos")]
    return pd.DataFrame({"filename": [p.name for p in photos.files], "sex": photos.labels, "image_array": arrays})


def current_photos(data_dir: str | os.PathLike | None = None) -> PhotoFiles:
    """The photo files that ``data_dir`` (or the usual lookup) leads to, after the naming policy."""
    return select_photos(find_photo_dir(data_dir))


def photos_fingerprint(photos: PhotoFiles) -> dict[str, Any]:
    """What the prepared-photos artifact depends on: the photo files and this loader's code."""
    return {"step": "prepared photos", "photos": photos.fingerprint(),
            "code": provenance.code_version(sys.modules[__name__])}


_WARNED: set[str] = set()  # each notebook looks the photos up several times: a messy folder is reported once


def _warn_once(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        log.warning(message)


def _listdir(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except PermissionError as err:
        raise PhotoAccessError(
            f"{folder} cannot be listed: permission denied. Make it readable (chmod a+rx '{folder}') or copy the "
            "photos to a folder you own."
        ) from err


def _count_text(folder: Path) -> str:
    labels = [label_from_filename(p.name) for p in folder.iterdir() if p.is_file()]
    labels = [label for label in labels if label is not None]
    return f"{len(labels)} photos: {labels.count(0)} male, {labels.count(1)} female"


def _progress(items: list, enabled: bool, desc: str) -> Iterable:
    # Headless runs (the pipeline sets CUFS_PROGRESS_BARS=0) keep committed outputs free of bars.
    if not enabled or os.environ.get(config.PROGRESS_ENV_VAR) == "0":
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="photo")
