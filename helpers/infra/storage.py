"""Atomic, pickle-free storage of artifacts: `.npz` arrays, CSV manifests, JSON.

Every file is written to a temporary file beside its destination, flushed to disk, given the
permissions a plain ``open()`` would give it (``0o666`` minus the umask, or the mode of the file it
replaces), then renamed into place: a crash never leaves a truncated file, and nothing ends up
readable by its owner only.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and pandas are imported where used: the deck's light environment has neither
    import numpy as np
    import pandas as pd



def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    A crash half-way leaves the previous file untouched instead of a truncated one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        _flush_to_disk(tmp)
        os.chmod(tmp, _mode_for(path))  # mkstemp creates 0600
        os.replace(tmp, path)
        _flush_directory(path.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class ArtifactError(ValueError):
    """A generated file exists but cannot be read; the message names it and says what to do."""


def current_umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: the only portable way to read it is to set it
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """Keep the mode of the file being replaced; a new file gets what open() would give it."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~current_umask()


def _flush_to_disk(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _flush_directory(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform (Windows), where it is skipped.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> Path:
    """Write compressed arrays atomically (loaded back with ``allow_pickle=False``)."""
    import numpy as np

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:  # a file handle: numpy would append ".npz" to a bare name
            np.savez_compressed(handle, **arrays)

    return atomic_write(path, write)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read every array of an `.npz` file, refusing pickled objects.

    A truncated or otherwise unreadable file raises ``ArtifactError`` naming it (numpy alone says
    ``BadZipFile`` with no path).
    """
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
        raise ArtifactError(
            f"{path} cannot be read ({type(err).__name__}: {err}). It is a generated file: delete it and re-run "
            "the notebook that writes it (or the pipeline)."
        ) from err


def save_csv(path: str | os.PathLike, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV (no index) atomically."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def save_json(path: str | os.PathLike, payload: dict[str, Any]) -> Path:
    """Write a JSON document atomically, pretty-printed and key-sorted for clean diffs."""
    text = json.dumps(payload, indent=2, sort_keys=True, default=json_default) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def load_json(path: str | os.PathLike) -> dict[str, Any]:
    """Read a JSON document."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def json_default(value: Any) -> Any:
    """Make numpy values and paths JSON-serialisable; refuse anything else."""
    import sys

    np = sys.modules.get("numpy")  # a numpy value can only exist if numpy was imported
    if np is not None and isinstance(value, np.generic):
        return value.item()
    if np is not None and isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in JSON")
