"""Looking inside the CNN (feature maps, Grad-CAM) and comparing groups of images (luminance, statistics)."""

from __future__ import annotations

import math
from typing import Any, Literal

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from scipy.stats import mannwhitneyu, spearmanr

from helpers.imaging import BT601
from helpers.models import conv_layer_names

Target = Literal["predicted", "female", "male"]
Region = tuple[slice, slice]


def _forward(layers: list[keras.layers.Layer], x: Any) -> Any:
    """``x`` through ``layers`` in inference mode, layer by layer: a sub-model of a model loaded from a ``.keras``
    file can mix tensors of two call graphs, which disconnects the gradient."""
    for layer in layers:
        x = layer(x, training=False)
    return x


def feature_maps(model: keras.Sequential, images: np.ndarray, layer_name: str, batch_size: int = 16) -> np.ndarray:
    """Activations of the layer ``layer_name`` for a batch of images, shape (N, h, w, channels)."""
    images = np.asarray(images, dtype="float32")
    layers = model.layers[:model.layers.index(model.get_layer(layer_name)) + 1]
    return np.concatenate([keras.ops.convert_to_numpy(_forward(layers, images[i:i + batch_size]))
                           for i in range(0, len(images), batch_size)], axis=0)


def grad_cam(model: keras.Sequential, image: np.ndarray, layer_name: str | None = None,
             target: Target = "predicted") -> np.ndarray:
    """Grad-CAM heatmap (H, W) in [0, 1] of one image for a model ending in a sigmoid Dense, at ``layer_name``
    (default: the deepest Conv2D); of the logit (negated for "male"): unlike P(female) it does not saturate."""
    if target not in ("predicted", "female", "male"):
        raise ValueError(f"target must be 'predicted', 'female' or 'male', not {target!r}")
    image = np.asarray(image, dtype="float32")
    cut = model.layers.index(model.get_layer(layer_name or conv_layer_names(model)[-1])) + 1  # layers up to it
    last = model.layers[-1]
    with tf.GradientTape() as tape:
        activations = _forward(model.layers[:cut], tf.convert_to_tensor(image[None]))
        tape.watch(activations)
        logit = tf.matmul(_forward(model.layers[cut:-1], activations), last.kernel) + last.bias
        female = target == "female" or (target == "predicted" and float(tf.sigmoid(logit)[0, 0]) >= 0.5)
        score = logit[0, 0] if female else -logit[0, 0]
    weights = tape.gradient(score, activations)[0].numpy().mean(axis=(0, 1))  # one per channel
    cam = _normalise(np.maximum(np.tensordot(activations[0].numpy(), weights, axes=([-1], [0])), 0.0))
    resized = keras.ops.image.resize(cam[None, :, :, None].astype("float32"), image.shape[:2], interpolation="bilinear")
    return _normalise(np.clip(keras.ops.convert_to_numpy(resized)[0, :, :, 0], 0.0, None))


def grad_cam_of_ensemble(models: list[keras.Sequential], image: np.ndarray, female: bool) -> np.ndarray:
    """Each member's Grad-CAM for the ensemble's decision (``female`` or not), averaged and rescaled to [0, 1]."""
    return _normalise(np.mean([grad_cam(m, image, target="female" if female else "male") for m in models], axis=0))


def _normalise(cam: np.ndarray) -> np.ndarray:
    """Divide by the maximum; an all-zero (or non-finite) map becomes zeros."""
    cam = np.nan_to_num(np.asarray(cam, dtype="float32"), nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(cam.max())
    return cam / peak if peak > 0 else np.zeros_like(cam)


def face_region(height: int, width: int) -> Region:
    """The central box (rows 25-80 %, columns 25-75 %): the face, not the plain background that would dominate."""
    return slice(round(0.25 * height), round(0.80 * height)), slice(round(0.25 * width), round(0.75 * width))


def top_of_head_region(height: int, width: int) -> Region:
    """The top 30 % of the photo, all columns: where the hair and the top of the head are."""
    return slice(0, int(round(0.30 * height))), slice(0, width)


def side_regions(height: int, width: int) -> tuple[Region, Region]:
    """Left and right of the face box, from the forehead down: where long hair falls."""
    rows = slice(round(0.20 * height), height)
    return (rows, slice(0, round(0.25 * width))), (rows, slice(round(0.75 * width), width))


def grad_cam_shares(heatmaps: np.ndarray) -> pd.DataFrame:
    """Per heatmap, the share of its mass (0 if all zero) in the top of the head, the face box and the head's sides."""
    height, width = heatmaps.shape[1:3]
    regions = {"cam_top_share": [top_of_head_region(height, width)], "cam_face_share": [face_region(height, width)],
               "cam_side_share": side_regions(height, width)}
    totals = [float(np.sum(h)) for h in heatmaps]
    return pd.DataFrame({column: [sum(float(np.sum(h[r]) / total) for r in parts) if total > 0 else 0.0
                                  for h, total in zip(heatmaps, totals, strict=True)]
                         for column, parts in regions.items()})


def mean_luminance(images: np.ndarray, region: Region | None = None) -> np.ndarray:
    """BT.601 luma of each image (N, H, W, 3) averaged over ``region`` (default :func:`face_region`): shape (N,)."""
    images = np.asarray(images, dtype=float)
    rows, cols = region if region is not None else face_region(*images.shape[1:3])
    return (images[:, rows, cols, :] @ BT601).mean(axis=(1, 2))


def compare_groups(values_a: np.ndarray, values_b: np.ndarray) -> dict[str, float]:
    """n, mean and sd of each group, the difference of means (a - b), Cohen's d and the two-sided Mann-Whitney U."""
    a, b = (np.asarray(values, dtype=float).ravel() for values in (values_a, values_b))
    std_a, std_b = (float(v.std(ddof=1)) if len(v) > 1 else float("nan") for v in (a, b))
    difference = float(a.mean() - b.mean())
    pooled = (math.sqrt(((len(a) - 1) * std_a**2 + (len(b) - 1) * std_b**2) / (len(a) + len(b) - 2))
              if len(a) > 1 and len(b) > 1 else float("nan"))
    test = mannwhitneyu(a, b, alternative="two-sided")
    return {"n_a": len(a), "mean_a": float(a.mean()), "std_a": std_a, "n_b": len(b), "mean_b": float(b.mean()),
            "std_b": std_b, "mean_difference": difference,
            "cohens_d": difference / pooled if pooled > 0 else float("nan"),
            "mannwhitney_u": float(test.statistic), "p_value": float(test.pvalue)}


def lighting_statistics(test_images: np.ndarray, correct: np.ndarray, p_female: np.ndarray,
                        photo_images: np.ndarray, photo_labels: np.ndarray) -> dict[str, Any]:
    """Face luminance of errors vs correct test images (or None), its Spearman rho with p(female), male vs female."""
    luminance, photo_luminance = mean_luminance(test_images), mean_luminance(photo_images)
    correct, photo_labels = np.asarray(correct, dtype=bool), np.asarray(photo_labels)
    rho, rho_p = spearmanr(luminance, p_female)
    errors = compare_groups(luminance[~correct], luminance[correct]) if 0 < correct.sum() < len(correct) else None
    return {"face_luminance": luminance, "errors_vs_correct": errors, "rho": float(rho), "rho_p": float(rho_p),
            "male_vs_female": compare_groups(photo_luminance[photo_labels == 0], photo_luminance[photo_labels == 1])}
