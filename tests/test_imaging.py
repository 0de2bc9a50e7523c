"""Tests of ``helpers.imaging``."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import imaging


def test_downsize_shapes_range_and_constant_images():
    images = np.full((3, 250, 200, 3), 0.4, np.float32)
    half = imaging.downsize(images, 0.5)
    assert half.shape == (3, 125, 100, 3)
    assert half.dtype == np.float32
    assert np.allclose(half, 0.4, atol=1e-5)
    assert imaging.downsize(images, 0.25).shape == (3, 62, 50, 3)
    full = imaging.downsize(images, 1.0)
    assert full.shape == images.shape and full is not images
    noisy = np.random.default_rng(0).random((2, 250, 200, 3), dtype=np.float32)
    small = imaging.downsize(noisy, 0.5)
    assert small.min() >= 0.0 and small.max() <= 1.0
    with pytest.raises(ValueError):
        imaging.downsize(images, 0)


def test_grey_pixels():
    images = np.zeros((2, 250, 200, 3), np.float32)
    images[1] = 1.0
    features = imaging.grey_pixels(images)
    assert features.shape == (2, 50 * 40)
    assert np.allclose(features[0], 0.0) and np.allclose(features[1], 1.0, atol=1e-5)
