"""Image frames passed between notebooks: ``<stem>.npz`` (uint8 pixels, labels, names) + ``<stem>.csv`` (the other
columns), each with a provenance record; a mismatch or an unreadable file rebuilds it and logs why."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.infra import provenance, storage

log = logging.getLogger(__name__)


class ArtifactError(ValueError):
    """A generated file exists but cannot be read; the message names it and says what to do."""


def save_image_frame(frame: pd.DataFrame, folder: Path, stem: str, fingerprint: dict[str, Any] | None = None) -> Path:
    """Store a frame of images as 8 bits per channel (exact for 8-bit photos), its provenance record written last."""
    npz, csv = artifact_files(folder, stem)
    provenance.forget(npz)
    pixels = np.rint(np.stack(frame["image_array"].to_list()) * 255.0).astype(np.uint8)
    storage.atomic_write(csv, lambda tmp: frame.drop(columns="image_array").to_csv(tmp, index=False))

    def write_npz(tmp: Path) -> None:
        with open(tmp, "wb") as handle:  # a file handle: numpy would append ".npz" to a bare name
            np.savez_compressed(handle, pixels=pixels, labels=frame["sex"].to_numpy(dtype=np.int64),
                                filenames=frame["filename"].to_numpy(dtype=str))

    storage.atomic_write(npz, write_npz)
    if fingerprint is not None:
        provenance.record([npz, csv], fingerprint)
    return npz


def load_image_frame(folder: Path, stem: str) -> pd.DataFrame:
    """Read back what ``save_image_frame`` wrote (never a pickle); ``ArtifactError`` naming the file if it cannot."""
    npz, csv = artifact_files(folder, stem)
    try:
        with np.load(npz, allow_pickle=False) as arrays:
            pixels, names = arrays["pixels"], arrays["filenames"].tolist()
        manifest = pd.read_csv(csv)
        names_match = manifest["filename"].astype(str).tolist() == names and len(pixels) == len(manifest)
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
        raise ArtifactError(f"{npz} (or its manifest {csv.name}) cannot be read ({type(err).__name__}: {err}). It is a "
                            "generated file: delete it and re-run the notebook that writes it (or the pipeline)."
                            ) from err
    if not names_match:
        raise ArtifactError(f"{csv} and {npz.name} disagree on the file names: delete both and re-run the notebook "
                            "that writes them (or notebook 01).")
    manifest["image_array"] = list(pixels.astype(np.float32) / 255.0)
    return manifest


def artifact_files(folder: Path, stem: str) -> list[Path]:
    """``<stem>.npz`` and its ``<stem>.csv`` manifest."""
    return [Path(folder) / f"{stem}.npz", Path(folder) / f"{stem}.csv"]


def reuse_or_build_frame(
    folder: Path, stem: str, fingerprint: dict[str, Any], build: Callable[[], pd.DataFrame], rebuild: bool = False
) -> pd.DataFrame:
    """The image artifact ``<stem>`` if its provenance matches ``fingerprint``; else ``build()`` it and save it."""
    files = artifact_files(folder, stem)
    reason = None if rebuild else provenance.stale_reason(files, fingerprint)
    if not rebuild and reason is None:
        try:
            log.info("Using %s (its provenance matches).", files[0])
            return load_image_frame(folder, stem)
        except ArtifactError as err:
            log.warning("Rebuilding an unreadable artifact: %s", err)
    elif reason and files[0].exists():
        log.warning("Rebuilding %s: %s.", files[0], reason)
    elif reason:
        log.info("No %s yet: building it.", files[0])
    frame = build()
    save_image_frame(frame, folder, stem, fingerprint)
    return frame
