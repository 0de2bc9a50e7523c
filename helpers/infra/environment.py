"""Where a result came from: library versions, backend, device, precision, seed, code version, wall time.

Every results file carries this record (``helpers.reporting.results.write`` adds it), so a number can always be
traced to the machine and the code that produced it; the README prints it under the results table.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from helpers import config

# Set when the helpers are first imported, i.e. when a notebook's setup cell runs: the notebook's wall time.
STARTED = time.monotonic()


def cpu_model() -> str:
    """The CPU's model name as the operating system reports it (``lscpu``'s "Model name")."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} cores)"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores)"


def accelerators() -> list[str]:
    """The GPUs the Keras backend sees (empty on a CPU-only machine)."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return [d.name for d in tf.config.list_physical_devices("GPU")]
        if backend == "jax":
            import jax

            return [str(d) for d in jax.devices() if d.platform != "cpu"]
        if backend == "torch":
            import torch

            return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except Exception:  # noqa: BLE001 - a broken driver must not stop a results file from being written
        return []
    return []


@lru_cache(maxsize=1)
def git_commit() -> str:
    """The checked-out commit, with ``+changes`` when ``helpers/`` differs from it; ``unknown`` outside git.

    Only the code counts: the runner rewrites notebooks in place while a pipeline runs.
    """
    root = config.project_root()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "helpers"],
                               cwd=root, capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}+changes" if dirty else commit


def describe(seed: int | None = None, wall_seconds: float | None = None) -> dict[str, Any]:
    """The record stored in every results file."""
    import keras
    import numpy as np

    try:
        import tensorflow as tf

        tensorflow = tf.__version__
    except ImportError:
        tensorflow = None
    gpus = accelerators()
    return {
        "python": platform.python_version(),
        "tensorflow": tensorflow,
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
