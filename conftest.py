"""Test-session settings shared by the unit tests and nbval's notebook runs.

Everything the notebooks write during tests goes to a temporary folder, so the committed
notebooks, figures and results never change; kernels started by nbval inherit these variables.
The real photos are found as the notebooks find them: ``--cufs-dir``, then ``$CUFS_DIR``, then
``data/raw/``, then a kagglehub download.
"""

import atexit
import os
import shutil
import tempfile


def pytest_addoption(parser) -> None:
    parser.addoption("--cufs-dir", default=None,
                     help="the CUFS photos folder or dataset root (default: $CUFS_DIR, then data/raw/, then kagglehub)")


def pytest_configure(config) -> None:
    # The option becomes $CUFS_DIR so that nbval's kernels use the same photos as the unit tests.
    chosen = config.getoption("--cufs-dir")
    if chosen:
        os.environ["CUFS_DIR"] = chosen
    # The kernels run inside notebooks/: a relative path must mean what it meant where pytest started.
    if os.environ.get("CUFS_DIR"):
        os.environ["CUFS_DIR"] = os.path.abspath(os.path.expanduser(os.environ["CUFS_DIR"]))


# 06 trains dozens of models: under nbval it runs in its quick setting (its parameters cell reads this).
os.environ["CUFS_QUICK"] = "1"

_output = tempfile.mkdtemp(prefix="cufs-test-output-")
atexit.register(shutil.rmtree, _output, ignore_errors=True)
os.environ["CUFS_OUTPUT_DIR"] = _output
os.environ["CUFS_PROGRESS_BARS"] = "0"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
