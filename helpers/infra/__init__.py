"""Machinery below everything: the headless runner, provenance, atomic storage, the
environment record, TensorFlow's quiet start-up and tested versions, headless Chromium."""
