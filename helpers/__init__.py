"""Shared, tested logic for the CUFS sex-classification notebooks.

The notebooks tell the story; everything they compute lives here.
"""

__all__ = ["config"]
