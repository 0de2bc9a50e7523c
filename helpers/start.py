"""The setup cell's one import: TensorFlow without start-up chatter, one version line, plain one-line logging.

TensorFlow's retracing hint is dropped: it is about speed, and notebook 04 (two input sizes) would print it.
"""

from __future__ import annotations

import logging

from helpers.infra.versions import import_tensorflow_quietly, report_versions

import_tensorflow_quietly()
report_versions()
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", force=True)
logging.getLogger("tensorflow").addFilter(lambda record: "triggered tf.function retracing" not in record.getMessage())
