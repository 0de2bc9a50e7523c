"""Finding and loading exactly the CUFS photos, never a guess: the policy, case by case, is in ``data/README.md``."""

from __future__ import annotations

import functools
import logging
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from helpers import config
from helpers.infra import provenance

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
EXPECTED_COUNTS = {0: 134, 1: 54}  # the CUHK student photos: 188 in all
PHOTO_NAME = re.compile(r"(?P<person>(?P<sex>[mf])1?-\d{3})-\d{2}(?P<suffix>\.[a-z0-9]+)", re.IGNORECASE)
SKETCH_NAME = re.compile(r"[mf][12]?-\d{3}-\d{2}-sz\d+\.[a-z0-9]+|[mf]2-\d{3}-\d{2}\.[a-z0-9]+", re.IGNORECASE)
COPY_NAME = re.compile(r"[mf]1?-\d{3}-\d{2}[ _~(-].*", re.IGNORECASE)  # "f-005-01 copy.jpg", "m-099-01 (1).jpg"
RESIDUE_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", ".gitkeep"})
HOW_TO_GET_DATA = (f"Download the Kaggle dataset '{config.KAGGLE_SLUG}' (pip install kagglehub; python -c \"import "
                   f"kagglehub; print(kagglehub.dataset_download('{config.KAGGLE_SLUG}'))\"), then set "
                   f"{config.DATA_ENV_VAR} to the printed folder (or its photos/ sub-folder), or copy the photos into "
                   "data/raw/.")


class DataError(Exception):
    """A data problem: the message says what is wrong, where, and what to do."""


class DataNotFoundError(DataError, FileNotFoundError):
    """No usable photo folder was found; the message says how to get one."""


@dataclass(frozen=True)
class PhotoFiles:
    """The photos of one folder, as chosen by the naming policy."""

    folder: Path
    files: tuple[Path, ...]

    def fingerprint(self) -> dict[str, Any]:
        """Names and content hashes of the photos (not their folder: a copy elsewhere is the same data)."""
        return provenance.files_fingerprint(self.files)


def parse_photo_name(name: str) -> tuple[int, str] | None:
    """``(label, person)`` for a CUFS photo name (``f1-005-01.JPG`` -> ``(1, 'f1-005')``), else None."""
    match = PHOTO_NAME.fullmatch(name)
    if match is None or match["suffix"].lower() not in IMAGE_SUFFIXES:
        return None
    return "mf".index(match["sex"].lower()), match["person"].lower()


def is_residue(name: str) -> bool:
    """macOS/Windows/zip residue that carries no photo (``._f-005-01.jpg``, ``.DS_Store``, ...)."""
    return name.startswith("._") or name.lower() in RESIDUE_NAMES


def why_not_a_photo(name: str) -> str:
    """The kind of a file or folder in the photo folder that is not a CUFS photo, as shown in the skip warning."""
    if SKETCH_NAME.fullmatch(name):
        return "CUFS sketches (never mixed in with the photos)"
    if COPY_NAME.fullmatch(name):
        return "copies of a photo (one person, one photo)"
    return "not an image named like a CUFS photo (m-NNN-NN.jpg, m1-NNN-NN.jpg, f-NNN-NN.jpg, f1-NNN-NN.jpg)"


def find_photo_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Locate the photo folder: argument, then ``$CUFS_DIR``, then ``data/raw/``, then kagglehub."""
    if explicit:
        return photos_folder_in(Path(explicit), source="the data folder argument")
    if from_env := os.environ.get(config.DATA_ENV_VAR):
        return photos_folder_in(Path(from_env), source=f"${config.DATA_ENV_VAR}")
    raw = config.project_root() / "data" / "raw"
    if raw.is_dir() and any(not p.name.startswith(".") and p.name != "README.md" for p in raw.iterdir()):
        return photos_folder_in(raw, source="data/raw/")
    return photos_folder_in(download_from_kaggle(), source="the kagglehub download")


def download_from_kaggle() -> Path:
    """Download (or reuse kagglehub's cache of) the dataset and return its root folder."""
    try:
        import kagglehub

        log.info("Downloading %s with kagglehub ...", config.KAGGLE_SLUG)
        return Path(kagglehub.dataset_download(config.KAGGLE_SLUG))
    except Exception as err:  # not installed, network, credentials, quota: all end the same way for the user
        raise DataNotFoundError(f"No photo folder given (argument, ${config.DATA_ENV_VAR} or data/raw/) and the "
                                f"kagglehub download failed ({type(err).__name__}: {err}). {HOW_TO_GET_DATA}") from err


def photos_folder_in(path: Path, source: str = "the given path") -> Path:
    """The one folder at or below ``path`` that holds CUFS photos; refuses to choose between several."""
    path = Path(os.path.abspath(path.expanduser()))
    if not path.is_dir():
        problem = "is not a folder" if path.exists() else "does not exist"
        raise DataNotFoundError(f"{source} points to {path}, which {problem}. {HOW_TO_GET_DATA}")
    candidates = photo_folders_under(path)
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        listing = "".join(f"\n  {folder}  ({sum(bool(parse_photo_name(p.name)) for p in folder.iterdir())} photos)"
                          for folder in candidates)
        raise DataError(f"{source} points to {path}, which holds {len(candidates)} folders of CUFS photos:{listing}\n"
                        "The loader never picks one for you. Name the right one: pass it as DATA_DIR (notebooks) or "
                        f"--data-dir (pipeline), or set {config.DATA_ENV_VAR} to it, e.g. export "
                        f"{config.DATA_ENV_VAR}={candidates[0]}; or move the other copies out of {path}.")
    sketches = sum(bool(SKETCH_NAME.fullmatch(p.name)) for p in path.iterdir())
    hint = f" It holds {sketches} CUFS sketches: the photos are in the dataset's photos/ folder." if sketches else ""
    raise DataNotFoundError(f"{source} points to {path}, which holds no file named like a CUFS photo (m-NNN-NN.jpg, "
                            f"m1-NNN-NN.jpg, f-NNN-NN.jpg, f1-NNN-NN.jpg), at any depth.{hint} {HOW_TO_GET_DATA}")


def photo_folders_under(root: Path) -> list[Path]:
    """Sorted folders at or below ``root`` that directly hold a CUFS photo; hidden folders and a candidate's own
    sub-folders (a backup kept inside it) are not searched, links are followed once."""
    found: list[Path] = []
    seen: set[str] = set()
    for folder, subfolders, names in os.walk(root, followlinks=True, onerror=lambda err: _warn_once(
            f"Cannot look inside {err.filename} ({err.strerror}); it is left out of the search for photos.")):
        if os.path.realpath(folder) in seen:  # a link back up the tree
            subfolders[:] = []
        elif any(parse_photo_name(name) and os.path.isfile(os.path.join(folder, name)) for name in names):
            found.append(Path(folder))
            subfolders[:] = []
        else:
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        seen.add(os.path.realpath(folder))
    return sorted(found)


def select_photos(folder: Path) -> PhotoFiles:
    """Apply the naming policy to ``folder``: skip and warn, refuse duplicates and a missing class."""
    folder = Path(folder)
    photos: list[Path] = []
    skipped: dict[str, list[str]] = defaultdict(list)
    by_person: dict[str, list[str]] = defaultdict(list)
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.is_file() and (parsed := parse_photo_name(path.name)):
            photos.append(path)
            by_person[parsed[1]].append(str(path))
        elif not is_residue(path.name):
            skipped[why_not_a_photo(path.name)].append(path.name)
    for reason, names in skipped.items():
        _warn_once(f"Skipped {len(names)} file(s) in {folder}, {reason}: {', '.join(names)}")
    if clashes := [f"{person}: {', '.join(paths)}" for person, paths in sorted(by_person.items()) if len(paths) > 1]:
        raise DataError(f"{len(clashes)} person(s) have more than one photo file ({'; '.join(clashes)}). CUFS has one "
                        "photo per person: keep one file of each and move the others out of the folder.")
    counts = Counter(parse_photo_name(path.name)[0] for path in photos)
    stated = f"{counts[0]} male, {counts[1]} female"
    if not counts[0] or not counts[1]:
        raise DataNotFoundError(f"{folder} holds {stated} photos: without both there is nothing to classify. Check "
                                f"that this is the complete photos/ folder. {HOW_TO_GET_DATA}")
    if counts != EXPECTED_COUNTS:
        _warn_once(f"{folder} holds {counts.total()} photos ({stated}); the CUFS student set has 188 (134 male, 54 "
                   "female). Results will not match the report's; check the folder if this is not on purpose.")
    return PhotoFiles(folder, tuple(photos))


def load_image(path: Path) -> np.ndarray:
    """One photo as float32 RGB in [0, 1], upright (EXIF), resized to 200 wide x 250 high (250 x 200 x 3)."""
    try:
        with Image.open(path) as image:
            if image.mode.startswith("I") or image.mode == "F":  # converting to RGB would clip them to white
                raise ValueError(f"{image.mode} pixels, more than 8 bits per channel; CUFS photos are 8-bit RGB")
            rgb = ImageOps.exif_transpose(image).convert("RGB")  # decodes now: a truncated file fails here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise DataError(f"{path} cannot be read as an 8-bit image ({err}). Save it as an 8-bit RGB JPEG or PNG, "
                        "make it readable, re-download the dataset, or remove that file.") from err
    rgb = rgb.resize((config.IMAGE_WIDTH, config.IMAGE_HEIGHT), Image.Resampling.BILINEAR)  # a copy if the size fits
    return np.asarray(rgb).astype(np.float32) / 255.0


def load_photos(photos: PhotoFiles, progress: bool = True) -> pd.DataFrame:
    """The report's DataFrame of the chosen photos: ``filename``, ``sex`` (0 male, 1 female), ``image_array``."""
    from tqdm.auto import tqdm

    log.info("Loading %d photos from %s", len(photos.files), photos.folder)
    # Headless runs (the pipeline sets CUFS_PROGRESS_BARS=0) keep committed outputs free of bars.
    quiet = not progress or os.environ.get(config.PROGRESS_ENV_VAR) == "0"
    arrays = [load_image(path) for path in tqdm(photos.files, desc="Loading photos", unit="photo", disable=quiet)]
    return pd.DataFrame({"filename": [p.name for p in photos.files],
                         "sex": [parse_photo_name(p.name)[0] for p in photos.files], "image_array": arrays})


def current_photos(data_dir: str | os.PathLike | None = None) -> PhotoFiles:
    """The photo files that ``data_dir`` (or the usual lookup) leads to, after the naming policy."""
    return select_photos(find_photo_dir(data_dir))


@functools.cache  # each notebook looks the photos up several times: a messy folder is reported once
def _warn_once(message: str) -> None:
    log.warning(message)
