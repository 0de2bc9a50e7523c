"""Test-session settings shared by the unit tests and nbval's notebook runs.

Everything the notebooks write during tests goes to a temporary folder, so the committed
notebooks, figures and results never change; kernels started by nbval inherit these variables.
"""

import atexit
import os
import shutil
import tempfile

# 06 trains dozens of models: tests/test_notebook06.py runs it in its quick setting instead.
collect_ignore = ["notebooks/06_honest_evaluation.ipynb"]

_output = tempfile.mkdtemp(prefix="cufs-test-output-")
atexit.register(shutil.rmtree, _output, ignore_errors=True)
os.environ["CUFS_OUTPUT_DIR"] = _output
os.environ["CUFS_PROGRESS_BARS"] = "0"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
