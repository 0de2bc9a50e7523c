"""Resizing image batches: the smaller CNN inputs of notebook 06 and the grey pixels of the classical methods."""

from __future__ import annotations

import keras
import numpy as np

BT601 = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 luma weights for R, G, B
GREY_SHAPE = (50, 40)  # rows x columns: the 250 x 200 photo shrunk 5 times


def scaled_size(shape: tuple[int, ...], scale: float) -> tuple[int, int]:
    """(rows, columns) of an image of ``shape`` (rows, columns, ...) scaled by ``scale``; at least 1 each."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))

def resize_images(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A batch (N, H, W, C) resized to ``size`` = (rows, columns): bilinear with antialiasing, float32."""
    images = np.asarray(images, dtype=np.float32)
    if images.shape[1:3] == tuple(size):
        return images.copy()
    out = [keras.ops.convert_to_numpy(keras.ops.image.resize(images[i:i + 64], size, antialias=True))
           for i in range(0, len(images), 64)]
    if not out:
        return np.zeros((0, *size, images.shape[-1]), np.float32)
    return np.clip(np.concatenate(out), 0.0, 1.0).astype(np.float32)

def downsize(images: np.ndarray, scale: float) -> np.ndarray:
    """A batch (N, H, W, C) scaled by ``scale`` (0.5: 250 x 200 -> 125 x 100); ``scale == 1`` copies it."""
    return resize_images(images, scaled_size(images.shape[1:3], scale))

def luma(images: np.ndarray) -> np.ndarray:
    """Grey levels (BT.601 luma) of a batch (N, H, W, 3): shape (N, H, W), float32."""
    return np.asarray(images, dtype=np.float32) @ BT601.astype(np.float32)

def grey_pixels(images: np.ndarray, shape: tuple[int, int] = GREY_SHAPE) -> np.ndarray:
    """Grey-level (BT.601 luma) images resized to ``shape`` and flattened: the classical methods' features."""
    return resize_images(luma(images)[..., None], shape).reshape(len(images), -1)


def grey_rgb(images: np.ndarray) -> np.ndarray:
    """Grey levels repeated on three channels: colour removed, the input shape (and parameter counts) kept."""
    return np.repeat(luma(images)[..., None], np.shape(images)[-1], axis=-1)

def standardise_per_image(images: np.ndarray) -> np.ndarray:
    """Each image to mean 0 and standard deviation 1 over its own pixels: ``models.PerImageStandardisation``."""
    images = np.asarray(images, dtype=np.float32)
    axes = tuple(range(1, images.ndim))
    std = images.std(axis=axes, keepdims=True)
    return ((images - images.mean(axis=axes, keepdims=True)) / np.maximum(std, 1e-6)).astype(np.float32)
