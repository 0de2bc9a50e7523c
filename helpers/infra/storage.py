"""Atomic file writes and JSON documents: a crash never leaves a truncated file."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, flush it to disk, then rename it into place.

    The file keeps the mode of the one it replaces; a new one gets what ``open()`` would give it (mkstemp gives 0600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


def save_json(path: str | os.PathLike, payload: dict[str, Any]) -> Path:
    """Write a JSON document atomically, pretty-printed and key-sorted for clean diffs."""
    text = json.dumps(payload, indent=2, sort_keys=True, default=json_default) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def load_json(path: str | os.PathLike) -> dict[str, Any]:
    """Read a JSON document."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def json_default(value: Any) -> Any:
    """Make numpy values (scalars and arrays: ``tolist``) and paths JSON-serialisable; refuse anything else."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in JSON")
