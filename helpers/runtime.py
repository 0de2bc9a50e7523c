"""Start-up helpers for the notebooks' setup cell."""

from __future__ import annotations

import os


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras with their C++ start-up messages silenced.

    On a machine without a GPU, TensorFlow's C++ layer writes CUDA-probing lines straight to
    file descriptor 2, before ``TF_CPP_MIN_LOG_LEVEL`` takes effect; in a notebook they would land
    in the saved outputs. Python errors still surface: they do not go through descriptor 2.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)
