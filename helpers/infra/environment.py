"""The record every results file carries: library versions, backend, device, precision, seed, commit, wall time."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from helpers import config

# Set when the helpers are first imported, i.e. when a notebook's setup cell runs: the notebook's wall time.
STARTED = time.monotonic()


def cpu_model() -> str:
    """The CPU's model name as the operating system reports it (``lscpu``'s "Model name")."""
    cpuinfo = Path("/proc/cpuinfo")  # Linux only
    lines = cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines() if cpuinfo.is_file() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("model name")]
    return f"{names[0] if names else platform.processor() or platform.machine()} ({os.cpu_count()} cores)"


@cache
def git_commit() -> str:
    """The checked-out commit, with ``+changes`` when ``helpers/`` differs from it (not the notebooks, which the runner
    rewrites in place); ``unknown`` outside git."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=config.project_root(), capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()

    try:
        commit, dirty = git("rev-parse", "--short=12", "HEAD"), git("status", "--porcelain", "-uno", "--", "helpers")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}+changes" if dirty else commit


def describe(seed: int | None = None, wall_seconds: float | None = None) -> dict[str, Any]:
    """The record stored in every results file."""
    import keras
    import numpy as np
    import tensorflow as tf

    try:
        gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    except Exception:  # noqa: BLE001 - a broken driver must not stop a results file from being written
        gpus = []
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "keras_backend": keras.backend.backend(),
        "device": ", ".join(gpus) if gpus else f"CPU: {cpu_model()}",
        "precision": keras.config.dtype_policy().name,
        "seed": seed,
        "git_commit": git_commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "wall_seconds": round(time.monotonic() - STARTED if wall_seconds is None else wall_seconds, 1),
    }
