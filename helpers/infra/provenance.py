"""Where an artifact came from: fingerprints of its inputs, recorded beside it and checked before reuse.

Every artifact that one notebook passes to the next (prepared photos, balanced sets, trained models)
gets a sidecar ``<name>.provenance.json`` with

* ``fingerprint``: what made it: the photo files (names and content hashes), the seed, the step's
  parameters and the code version of the modules that implement the step;
* ``files``: the SHA-256 of each file of the artifact, so that a file replaced or damaged after the
  record was written (or a crash between writing the files and the record) is noticed too.

``stale_reason`` compares a record with the fingerprint wanted now and says, in words, why the
artifact cannot be reused (``None`` when it can); callers rebuild it and log that reason.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from helpers.infra import storage

SIDECAR_SUFFIX = ".provenance.json"
FORMAT = 1


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def files_fingerprint(files: Sequence[Path]) -> dict[str, Any]:
    """Names and contents of the input files, as a count and one combined hash (order-independent)."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(f"{path.name}\0{file_sha256(path)}\n".encode())
    return {"count": len(files), "sha256": digest.hexdigest()}


def code_version(*modules: ModuleType) -> str:
    """A short hash of the source code of ``modules``: any edit to them makes a new version."""
    digest = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.__name__):
        digest.update(module.__name__.encode() + b"\0" + inspect.getsource(module).encode() + b"\0")
    return digest.hexdigest()[:16]


def sidecar_path(artifact: str | os.PathLike) -> Path:
    """``data/processed/photos.npz`` -> ``data/processed/photos.provenance.json``."""
    artifact = Path(artifact)
    return artifact.with_name(artifact.stem + SIDECAR_SUFFIX)


def forget(artifact: str | os.PathLike) -> None:
    """Remove an artifact's record before its files are rewritten: a crash then leaves no stale record."""
    sidecar_path(artifact).unlink(missing_ok=True)


def record(artifact_files: Sequence[Path], fingerprint: dict[str, Any]) -> Path:
    """Write the record of ``artifact_files`` (the first one names the sidecar) after they were written."""
    payload = {
        "format": FORMAT,
        "fingerprint": _normalised(fingerprint),
        "files": {Path(p).name: file_sha256(p) for p in artifact_files},
    }
    return storage.save_json(sidecar_path(artifact_files[0]), payload)


def stale_reason(artifact_files: Sequence[Path], fingerprint: dict[str, Any]) -> str | None:
    """Why the artifact cannot be reused for ``fingerprint`` (``None`` when it can)."""
    missing = [p.name for p in artifact_files if not Path(p).is_file()]
    if missing:
        return f"{', '.join(missing)} missing"
    sidecar = sidecar_path(artifact_files[0])
    if not sidecar.is_file():
        return f"it has no provenance record ({sidecar.name}), so what made it is unknown"
    try:
        saved = json.loads(sidecar.read_text(encoding="utf-8"))
        recorded, hashes = saved["fingerprint"], saved["files"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        return f"its provenance record {sidecar.name} is unreadable ({type(err).__name__})"
    differences = list(_differences(recorded, _normalised(fingerprint)))
    if differences:
        return "it was made from " + "; ".join(differences)
    for path in artifact_files:
        if hashes.get(Path(path).name) != file_sha256(path):
            return f"{Path(path).name} changed after it was recorded"
    return None


def _differences(recorded: Any, wanted: Any, prefix: str = "") -> Iterable[str]:
    """Human-readable differences between two fingerprints (recorded vs wanted now)."""
    if isinstance(recorded, dict) and isinstance(wanted, dict):
        for key in sorted(set(recorded) | set(wanted)):
            yield from _differences(recorded.get(key), wanted.get(key), f"{prefix}{key}" if not prefix
                                    else f"{prefix}.{key}")
        return
    if recorded == wanted:
        return
    if prefix.endswith("photos.sha256") or prefix.endswith("code"):
        what = "other photo files" if "photos" in prefix else "another version of the code"
        yield f"{what} ({prefix} differs)"
    else:
        yield f"{prefix} = {recorded!r} (now {wanted!r})"


def _normalised(value: Any) -> Any:
    """A JSON round trip: tuples become lists, numpy scalars plain numbers, so records compare equal."""
    return json.loads(json.dumps(value, sort_keys=True, default=storage.json_default))
