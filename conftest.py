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

import pytest


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



# ---- notebook 06 runs once per suite ---------------------------------------------------------------------------
# nbval executes notebook 06 (in its quick setting) anyway. The tests of what that run writes (those of
# tests/test_notebook06.py that use its `executed` fixture) are moved right after its last cell and read the files it
# wrote, instead of executing it a second time; run without nbval's items, the fixture executes it with papermill.
NOTEBOOK_06 = "notebooks/06_honest_evaluation.ipynb::"
_NOTEBOOK_06_RUN = {"cells": 0, "outcomes": []}


def pytest_collection_modifyitems(session, config, items) -> None:
    for item in items:  # nbval's cells, and the tests that read notebook 06's run, are the slow tier
        if item.nodeid.startswith("notebooks/") or "executed" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
    cells = [i for i, item in enumerate(items) if item.nodeid.startswith(NOTEBOOK_06)]
    _NOTEBOOK_06_RUN["cells"] = len(cells)
    if not cells:
        return
    readers = [item for item in items if item.nodeid.startswith("tests/test_notebook06.py::")
               and "executed" in getattr(item, "fixturenames", ())]
    rest = [item for item in items if item not in readers]
    last = max(i for i, item in enumerate(rest) if item.nodeid.startswith(NOTEBOOK_06))
    items[:] = rest[:last + 1] + readers + rest[last + 1:]


def pytest_runtest_logreport(report) -> None:
    if report.nodeid.startswith(NOTEBOOK_06) and report.when == "call":
        _NOTEBOOK_06_RUN["outcomes"].append(report.outcome)


@pytest.fixture
def nbval_ran_notebook_06() -> bool | None:
    """True when nbval ran every cell of notebook 06 in this session and each passed, False when one did not, None
    when nbval did not collect it (a test must then execute the notebook itself)."""
    if not _NOTEBOOK_06_RUN["cells"]:
        return None
    outcomes = _NOTEBOOK_06_RUN["outcomes"]
    return len(outcomes) == _NOTEBOOK_06_RUN["cells"] and all(outcome == "passed" for outcome in outcomes)
