"""TensorFlow and Keras at start-up: imported without their C++ chatter, checked against the versions CI tests."""

from __future__ import annotations

import os

from packaging.version import Version

# (lowest, highest) major.minor that CI tests: the Colab-pinned leg the lowest (.ci/constraints-colab.txt), the main
# leg the highest that requirements.txt admits. A test keeps requirements.txt's bounds equal to these.
TESTED_VERSIONS = {"tensorflow": ("2.20", "2.21"), "keras": ("3.13", "3.15")}


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras with file descriptor 2 silenced: without a GPU, TensorFlow's C++ layer writes
    CUDA-probing lines there before ``TF_CPP_MIN_LOG_LEVEL`` takes effect, which would land in a notebook's outputs."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def major_minor(version: str) -> tuple[int, int]:
    """``"2.20.0"`` -> ``(2, 20)``; pre-release and local suffixes are ignored."""
    return (*Version(version).release, 0)[:2]


def untested_versions(installed: dict[str, str]) -> list[str]:
    """One phrase per package whose installed version lies outside ``TESTED_VERSIONS``."""
    return [f"{package} {installed[package]} (tested {low}-{high})" for package, (low, high) in TESTED_VERSIONS.items()
            if installed.get(package) and not major_minor(low) <= major_minor(installed[package]) <= major_minor(high)]


def report_versions() -> None:
    """Print the versions this notebook runs with; warn in one line when outside the tested range."""
    import platform

    import keras
    import numpy
    import tensorflow

    installed = {"tensorflow": tensorflow.__version__, "keras": keras.__version__}
    print(f"Python {platform.python_version()} | TensorFlow {installed['tensorflow']} | "
          f"Keras {installed['keras']} ({keras.backend.backend()}) | NumPy {numpy.__version__}")
    if outside := untested_versions(installed):
        print(f"WARNING: untested versions: {', '.join(outside)}; results may differ, see README 'Versions'.")
