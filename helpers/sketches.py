"""The CUFS sketches (``sketches/`` beside ``photos/``) tied to their photo's person, so that only the training people's
sketches reach training: ``f1-005-01-sz1.jpg`` sketches ``f1-005-01.jpg``, ``F2-005-01-sz1.jpg`` ``f-005-01.jpg``."""

from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from helpers import config, photos

log = logging.getLogger(__name__)

SKETCH = re.compile(r"(?P<sex>[mf])(?P<kind>[12]?)-(?P<number>\d{3})-(?P<index>\d{2})-sz\d+(?P<suffix>\.[a-z0-9]+)",
                    re.IGNORECASE)


class SketchError(photos.DataError, ValueError):
    """The sketches cannot be paired one to one with the photos; the message names the files."""


def person_of_sketch(name: str) -> str | None:
    """The photo person (``photos.parse_photo_name``'s key, e.g. ``f-005``) a sketch file belongs to, else None."""
    match = SKETCH.fullmatch(name)
    if match is None or match["suffix"].lower() not in photos.IMAGE_SUFFIXES:
        return None
    kind = "" if match["kind"] == "2" else match["kind"]  # "F2-" marks the person without a digit: f-NNN
    return f"{match['sex'].lower()}{kind}-{match['number']}"


def sketch_folder(photo_folder: str | os.PathLike) -> Path:
    """The ``sketches/`` folder beside a photo folder (the dataset's layout); a clear error when there is none."""
    folder = Path(photo_folder).parent / "sketches"
    if not folder.is_dir():
        raise photos.DataNotFoundError(
            f"No sketches/ folder beside {photo_folder}: the CUFS download holds photos/ and sketches/ side by side "
            f"(Kaggle dataset '{config.KAGGLE_SLUG}'); put its sketches/ folder there.")
    return folder


def pair_sketches(photo_files: photos.PhotoFiles) -> pd.DataFrame:
    """One row per photo: ``filename``, ``sketch``, ``person``, ``sex``; ``SketchError`` unless the pairing is one
    to one. Files not named like a sketch are skipped with a warning."""
    folder = sketch_folder(photo_files.folder)
    by_person: dict[str, list[str]] = defaultdict(list)
    skipped = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        person = person_of_sketch(path.name) if path.is_file() else None
        if person:
            by_person[person].append(path.name)
        elif not photos.is_residue(path.name):
            skipped.append(path.name)
    if skipped:
        log.warning("Skipped %d file(s) in %s not named like a CUFS sketch: %s", len(skipped), folder,
                    ", ".join(skipped))
    photo_person = {photos.parse_photo_name(p.name)[1]: p.name for p in photo_files.files}
    problems = [f"{what}: {', '.join(sorted(found))}" for what, found in (
        ("two sketches of one person", [n for ns in by_person.values() if len(ns) > 1 for n in ns]),
        ("sketches of no photo's person", [n for p, ns in by_person.items() if p not in photo_person for n in ns]),
        ("photos without a sketch", [name for p, name in photo_person.items() if p not in by_person])) if found]
    if problems:
        raise SketchError(f"The sketches in {folder} do not pair one to one with the photos in "
                          f"{photo_files.folder}: {'; '.join(problems)}.")
    return pd.DataFrame([{"filename": name, "sketch": by_person[person][0], "person": person,
                          "sex": photos.parse_photo_name(name)[0]}
                         for person, name in sorted(photo_person.items(), key=lambda item: item[1])])


def load_paired(data_dir: str | os.PathLike | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pairs (``pair_sketches``) beside ``data_dir``'s photos and their sketches decoded like the photos, with
    ``filename`` (the sketch) and ``photo``."""
    files = photos.current_photos(data_dir)
    pairs, folder = pair_sketches(files), sketch_folder(files.folder)
    return pairs, pd.DataFrame({"filename": pairs["sketch"].tolist(), "photo": pairs["filename"].tolist(),
                                "sex": pairs["sex"].astype("int64").tolist(),
                                "image_array": [photos.load_image(folder / name) for name in pairs["sketch"]]})


def training_sketches(pairs: pd.DataFrame, sketch_frame: pd.DataFrame, training_photos: Iterable[str],
                      held_out: Iterable[str]) -> pd.DataFrame:
    """The training photos' sketches only, as a photo-like frame; refuses a photo both in training and held out."""
    training, held = set(training_photos), set(held_out)
    if training & held:
        raise ValueError(f"photos both in training and held out: {sorted(training & held)}")
    chosen = sketch_frame[sketch_frame["photo"].isin(training & set(pairs["filename"]))]
    return chosen[["filename", "sex", "image_array"]].reset_index(drop=True)


def training_sketch_set(roles: Mapping[str, pd.DataFrame], sketch_data: tuple[pd.DataFrame, pd.DataFrame],
                        seed: int) -> pd.DataFrame:
    """The sketches of the people with no validation or test image (by ``source``) in ``roles``, balanced (seeded)."""
    from helpers import augmentation  # TensorFlow: only when sketches are balanced, not when they are paired

    def people(frame: pd.DataFrame) -> set[str]:
        return set(frame["source"] if "source" in frame else frame["filename"])

    held_out = people(roles["validation"]) | people(roles["test"])
    frame = training_sketches(*sketch_data, sorted(people(roles["train"]) - held_out), sorted(held_out))
    return augmentation.balance_by_augmentation(frame, seed)
