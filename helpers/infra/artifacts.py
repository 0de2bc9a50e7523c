"""Image artifacts passed between notebooks: a frame of images stored as ``.npz`` + ``.csv``, with provenance.

Each artifact carries a provenance record (``helpers.infra.provenance``): the photos' names and content hashes,
the seed, the step's parameters and code version. A mismatch rebuilds the artifact and logs why; an unreadable one
is rebuilt with a warning naming it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.infra import provenance, storage

log = logging.getLogger(__name__)


def save_image_frame(frame: pd.DataFrame, folder: Path, stem: str, fingerprint: dict[str, Any] | None = None) -> Path:
    """Store a frame of images as ``<stem>.npz`` (uint8 pixels, labels, names) + ``<stem>.csv`` (every other column).

    8 bits per channel are exact for photos read from 8-bit files and what saving an
    augmented image as a file would keep; they make the artifact four times smaller.
    With a ``fingerprint``, a provenance record is written last (and removed first), so that a crash
    half-way can never leave files that claim a provenance they do not have.
    """
    npz, csv = artifact_files(folder, stem)
    provenance.forget(npz)
    pixels = np.rint(np.stack(frame["image_array"].to_list()) * 255.0).astype(np.uint8)
    labels = frame["sex"].to_numpy(dtype=np.int64)
    storage.save_csv(csv, frame.drop(columns="image_array"))
    storage.save_npz(npz, pixels=pixels, labels=labels, filenames=frame["filename"].to_numpy(dtype=str))
    if fingerprint is not None:
        provenance.record([npz, csv], fingerprint)
    return npz


def load_image_frame(folder: Path, stem: str) -> pd.DataFrame:
    """Read back what ``save_image_frame`` wrote; ``ArtifactError`` (naming the file) if it cannot."""
    npz, csv = artifact_files(folder, stem)
    arrays = storage.load_npz(npz)
    try:
        manifest = pd.read_csv(csv)
        names_match = manifest["filename"].astype(str).tolist() == arrays["filenames"].tolist()
    except (OSError, ValueError, KeyError) as err:
        raise storage.ArtifactError(f"{csv} cannot be read ({type(err).__name__}: {err}). Delete {npz.name} and "
                                    f"{csv.name} and re-run the notebook that writes them.") from err
    if not names_match or len(arrays.get("pixels", ())) != len(manifest):
        raise storage.ArtifactError(
            f"{csv} and {npz.name} disagree on the file names: delete both and re-run the notebook "
            "that writes them (or notebook 01)."
        )
    manifest["image_array"] = list(arrays["pixels"].astype(np.float32) / 255.0)
    return manifest


def artifact_files(folder: Path, stem: str) -> list[Path]:
    """The two files of an image artifact: ``<stem>.npz`` and its ``<stem>.csv`` manifest."""
    return [Path(folder) / f"{stem}.npz", Path(folder) / f"{stem}.csv"]


def reuse_or_build_frame(
    folder: Path, stem: str, fingerprint: dict[str, Any], build: Callable[[], pd.DataFrame], rebuild: bool = False
) -> pd.DataFrame:
    """The image artifact ``<stem>`` if its provenance matches ``fingerprint``; else ``build()`` it and save it.

    Why an existing artifact is not reused (other photos, seed, parameters or code; unreadable) is logged.
    """
    files = artifact_files(folder, stem)
    if not rebuild:
        reason = provenance.stale_reason(files, fingerprint)
        if reason is None:
            try:
                log.info("Using %s (its provenance matches).", files[0])
                return load_image_frame(folder, stem)
            except storage.ArtifactError as err:
                log.warning("Rebuilding an unreadable artifact: %s", err)
        elif files[0].exists():
            log.warning("Rebuilding %s: %s.", files[0], reason)
        else:
            log.info("No %s yet: building it.", files[0])
    frame = build()
    save_image_frame(frame, folder, stem, fingerprint)
    return frame
