"""Tests of ``helpers.start``, the setup cell's one import: one version line, no C++ start-up chatter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_setup_import_prints_one_version_line_and_nothing_on_stderr():
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as in a fresh kernel
    done = subprocess.run([sys.executable, "-c", "import helpers.start, logging; "
                           "print(logging.getLogger().level == logging.WARNING)"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300, check=True)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Python ") and " | TensorFlow " in lines[0] and " | Keras " in lines[0]
    assert lines[-1] == "True" and len(lines) in (2, 3)  # the version line, perhaps one untested-version warning
    assert done.stderr == "", done.stderr


@pytest.mark.slow
def test_the_retracing_hint_is_dropped_and_other_tensorflow_warnings_kept():
    code = ("import helpers.start, logging; log = logging.getLogger('tensorflow'); "
            "log.warning('5 out of the last 12 calls to <f> triggered tf.function retracing. Tracing'); "
            "log.warning('a real warning')")
    done = subprocess.run([sys.executable, "-c", code],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    assert "retracing" not in done.stdout + done.stderr
    assert "a real warning" in done.stderr
