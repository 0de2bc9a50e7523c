"""What a notebook's setup cell needs, in one import: ``import helpers.start``.

Importing it silences TensorFlow's C++ start-up chatter (which would otherwise land in the saved outputs),
imports TensorFlow and Keras, prints the versions in one line (with a warning when they lie outside the range
CI tests), and sets plain one-line logging. Re-running the cell does nothing more: Python imports a module once.
TensorFlow's "triggered tf.function retracing" hint is dropped: it is about speed, not results, and a notebook that
predicts with models of two input sizes (notebook 04) would otherwise print it, twice over, among its outputs.
"""

from __future__ import annotations

import logging

from helpers.infra import environment as _environment  # noqa: F401  (starts the notebook's wall clock for the results files)
from helpers.infra.versions import import_tensorflow_quietly, report_versions

import_tensorflow_quietly()
VERSIONS = report_versions()
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", force=True)


def _not_a_retracing_hint(record: logging.LogRecord) -> bool:
    """False for TensorFlow's retracing performance hint, True for every other record."""
    return "triggered tf.function retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_not_a_retracing_hint)  # once: Python imports this module once
