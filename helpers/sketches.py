"""The CUFS sketches (``sketches/`` beside ``photos/``), each tied to its photo's person, so that only the training
people's sketches ever reach training. ``f1-005-01-sz1.jpg`` sketches ``f1-005-01.jpg``; the upper-case
``F2-005-01-sz1.jpg`` sketches ``f-005-01.jpg``."""

from __future__ import annotations

import logging
import os
import re
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


def pair_sketches(photo_files: photos.PhotoFiles, folder: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per photo: ``filename``, ``sketch``, ``person``, ``sex``; ``SketchError`` unless the pairing is one
    to one. Files not named like a sketch are skipped with a warning."""
    folder = Path(folder) if folder else sketch_folder(photo_files.folder)
    by_person: dict[str, list[str]] = {}
    skipped = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        person = person_of_sketch(path.name) if path.is_file() else None
        if person is None:
            if not photos.is_residue(path.name):
                skipped.append(path.name)
            continue
        by_person.setdefault(person, []).append(path.name)
    if skipped:
        log.warning("Skipped %d file(s) in %s not named like a CUFS sketch: %s", len(skipped), folder,
                    ", ".join(skipped))
    photo_person = {photos.parse_photo_name(p.name)[1]: p.name for p in photo_files.files}
    twice = {person: names for person, names in by_person.items() if len(names) > 1}
    orphans = sorted(name for person, names in by_person.items() if person not in photo_person for name in names)
    missing = sorted(name for person, name in photo_person.items() if person not in by_person)
    problems = []
    if twice:
        problems.append(f"two sketches of one person: {', '.join(sorted(n for ns in twice.values() for n in ns))}")
    if orphans:
        problems.append(f"sketches of no photo's person: {', '.join(orphans)}")
    if missing:
        problems.append(f"photos without a sketch: {', '.join(missing)}")
    if problems:
        raise SketchError(f"The sketches in {folder} do not pair one to one with the photos in "
                          f"{photo_files.folder}: {'; '.join(problems)}.")
    rows = [{"filename": name, "sketch": by_person[person][0], "person": person,
             "sex": photos.label_from_filename(name)}
            for person, name in sorted(photo_person.items(), key=lambda item: item[1])]
    return pd.DataFrame(rows)


def for_training(pairs: pd.DataFrame, training_photos: Iterable[str], held_out: Iterable[str]) -> pd.DataFrame:
    """The pairs of the training photos only; refuses when a held-out (validation or test) photo is among them."""
    training, held = set(training_photos), set(held_out)
    if training & held:
        raise ValueError(f"photos both in training and held out: {sorted(training & held)}")
    return pairs[pairs["filename"].isin(training)].reset_index(drop=True)


def load_sketches(pairs: pd.DataFrame, folder: str | os.PathLike) -> pd.DataFrame:
    """The sketches of ``pairs`` decoded like the photos, with ``filename`` (the sketch) and ``photo``."""
    folder = Path(folder)
    return pd.DataFrame({"filename": pairs["sketch"].tolist(), "photo": pairs["filename"].tolist(),
                         "sex": pairs["sex"].astype("int64").tolist(),
                         "image_array": [photos.load_image(folder / name) for name in pairs["sketch"]]})


def load_paired(data_dir: str | os.PathLike | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pairs (``pair_sketches``) and decoded sketches (``load_sketches``) beside ``data_dir``'s photos."""
    files = photos.current_photos(data_dir)
    pairs = pair_sketches(files)
    return pairs, load_sketches(pairs, sketch_folder(files.folder))


def training_sketches(pairs: pd.DataFrame, sketch_frame: pd.DataFrame, training_photos: Iterable[str],
                      held_out: Iterable[str]) -> pd.DataFrame:
    """The training people's sketches only (``for_training``), as a photo-like frame."""
    allowed = for_training(pairs, training_photos, held_out)
    chosen = sketch_frame[sketch_frame["photo"].isin(set(allowed["filename"]))]
    return chosen[["filename", "sex", "image_array"]].reset_index(drop=True)


def training_sketch_set(roles: Mapping[str, pd.DataFrame], sketch_data: tuple[pd.DataFrame, pd.DataFrame],
                        seed: int) -> pd.DataFrame:
    """The sketches of the people none of whose images (by ``source``) are validated or tested on under ``roles``,
    balanced by augmentation (seeded)."""
    from helpers import augmentation  # TensorFlow: only when sketches are balanced, not when they are paired

    def people(frame: pd.DataFrame) -> set[str]:
        return set(frame["source"] if "source" in frame else frame["filename"])

    held_out = people(roles["validation"]) | people(roles["test"])
    frame = training_sketches(*sketch_data, sorted(people(roles["train"]) - held_out), sorted(held_out))
    return augmentation.balance_by_augmentation(frame, seed)
