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
from pathlib import Path

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



# ---- notebooks 06 and 07 run once per suite --------------------------------------------------------------------
# nbval executes notebooks 06 and 07 (in their quick setting) anyway. The tests of what each run writes (those of
# tests/test_notebookNN.py that use its `executed` fixture) are moved right after the notebook's last cell and read
# the files it wrote, instead of executing it a second time; run without nbval's items, the fixture executes it with
# papermill.
RUN_ONCE = {"06": "notebooks/06_the_leak.ipynb::", "07": "notebooks/07_repeated_splits.ipynb::"}
_RUNS = {number: {"cells": 0, "outcomes": []} for number in RUN_ONCE}


def pytest_collection_modifyitems(session, config, items) -> None:
    for item in items:  # nbval's cells, and the tests that read a notebook's run, are the slow tier
        if item.nodeid.startswith("notebooks/") or "executed" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
    for number, prefix in RUN_ONCE.items():
        cells = [i for i, item in enumerate(items) if item.nodeid.startswith(prefix)]
        _RUNS[number]["cells"] = len(cells)
        if not cells:
            continue
        readers = [item for item in items if item.nodeid.startswith(f"tests/test_notebook{number}.py::")
                   and "executed" in getattr(item, "fixturenames", ())]
        rest = [item for item in items if item not in readers]
        last = max(i for i, item in enumerate(rest) if item.nodeid.startswith(prefix))
        items[:] = rest[:last + 1] + readers + rest[last + 1:]


def pytest_runtest_logreport(report) -> None:
    for number, prefix in RUN_ONCE.items():
        if report.nodeid.startswith(prefix) and report.when == "call":
            _RUNS[number]["outcomes"].append(report.outcome)


@pytest.fixture
def nbval_ran():
    """``nbval_ran(number)``: see ``_nbval_ran``."""
    return _nbval_ran


def _nbval_ran(number: str) -> bool | None:
    """True when nbval ran every cell of notebook ``number`` in this session and each passed, False when one did
    not, None when nbval did not collect it (a test must then execute the notebook itself)."""
    run = _RUNS[number]
    if not run["cells"]:
        return None
    return len(run["outcomes"]) == run["cells"] and all(outcome == "passed" for outcome in run["outcomes"])


# ---- notebooks 04 and 05 run on the photos alone ----------------------------------------------------------------
# The report's data was the photos only, and 04 and 05 must never need the sketches. nbval starts each notebook's
# kernel with this process's environment during the setup of its first cell, so for their cells $CUFS_DIR points
# at a folder that holds the photos and nothing beside them (test_photos_only.py runs notebook 08 that way).
PHOTOS_ONLY = ("notebooks/04_final_model.ipynb::", "notebooks/05_error_analysis.ipynb::")
_PHOTOS_ONLY_DIR: dict[str, str] = {}


def photos_only_folder() -> str:
    """A temporary folder ``photos/`` of links to the 188 photos, with no ``sketches/`` beside it (made once)."""
    if not _PHOTOS_ONLY_DIR:
        from helpers import photos

        folder = os.path.join(tempfile.mkdtemp(prefix="cufs-photos-only-"), "photos")
        os.mkdir(folder)
        atexit.register(shutil.rmtree, os.path.dirname(folder), ignore_errors=True)
        for photo in photos.current_photos().files:
            os.symlink(photo, os.path.join(folder, photo.name))
        _PHOTOS_ONLY_DIR["real"], _PHOTOS_ONLY_DIR["only"] = os.environ.get("CUFS_DIR", ""), folder
    return _PHOTOS_ONLY_DIR["only"]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    if item.nodeid.startswith(PHOTOS_ONLY):
        os.environ["CUFS_DIR"] = photos_only_folder()
    elif _PHOTOS_ONLY_DIR:  # every other kernel and test sees the real data again
        if _PHOTOS_ONLY_DIR["real"]:
            os.environ["CUFS_DIR"] = _PHOTOS_ONLY_DIR["real"]
        else:
            os.environ.pop("CUFS_DIR", None)


@pytest.fixture
def photos_only():
    """``(folder, notebooks)``: the photos-only folder, and the notebooks nbval runs on it."""
    return Path(photos_only_folder()), PHOTOS_ONLY
