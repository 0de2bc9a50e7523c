"""Looking inside the CNN (feature maps, Grad-CAM) and comparing groups of images (luminance, statistics)."""

from __future__ import annotations

import math
from typing import Any, Literal

import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu, spearmanr

from helpers import plots
from helpers.imaging import BT601
from helpers.models import conv_layer_names

Target = Literal["predicted", "female", "male"]
Region = tuple[slice, slice]

HEATMAP_CMAP = "jet"  # the colours of ``overlay_heatmap``; a colour bar of the overlays must name this one
GRAD_CAM_COLORBAR = (HEATMAP_CMAP, "Grad-CAM evidence for the decided class (low → high)")
FEATURE_MAP_CMAP = "viridis"


# ---- feature maps -----------------------------------------------------------------------------


def _forward(layers: list[keras.layers.Layer], x: Any) -> Any:
    """``x`` through ``layers`` in inference mode (BatchNorm's moving statistics, no Dropout).

    Layer by layer, not through a sub-model: a model loaded from a ``.keras`` file can hold several call graphs,
    and mixing tensors of two graphs disconnects the gradient.
    """
    for layer in layers:
        x = layer(x, training=False)
    return x


def _through(model: keras.Sequential, layer_name: str) -> int:
    """How many of the model's layers lead up to ``layer_name``, that layer included."""
    return model.layers.index(model.get_layer(layer_name)) + 1


def feature_maps(model: keras.Sequential, images: np.ndarray, layer_name: str, batch_size: int = 16) -> np.ndarray:
    """Activations of the layer ``layer_name`` for a batch of images, shape (N, h, w, channels)."""
    images = np.asarray(images, dtype="float32")
    layers = model.layers[:_through(model, layer_name)]
    return np.concatenate([keras.ops.convert_to_numpy(_forward(layers, images[i:i + batch_size]))
                           for i in range(0, len(images), batch_size)], axis=0)


def plot_feature_maps(maps: np.ndarray, n_channels: int = 16, title: str = "") -> plt.Figure:
    """The ``n_channels`` most active channels of one image's maps (h, w, c), most active first, on one colour
    scale (from the lowest value or 0 to the 99.5th percentile) explained by a colour bar."""
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"expected the maps of one image, shape (h, w, channels); got {maps.shape}")
    means = maps.mean(axis=(0, 1))
    chosen = np.argsort(-means, kind="stable")[: min(n_channels, maps.shape[-1])]
    shown = maps[..., chosen].astype(float)
    vmin = min(0.0, float(shown.min()))
    vmax = float(np.percentile(shown, 99.5))
    if vmax <= vmin:
        vmax = vmin + max(float(np.abs(shown).max()), 1.0)
    n_cols = min(4, len(chosen))
    n_rows = math.ceil(len(chosen) / n_cols)
    height, width = maps.shape[:2]
    panel = 2.2
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(panel * n_cols + 1.3, panel * height / width * n_rows
                                                      + 0.5 * n_rows + (0.6 if title else 0.0)),
                             squeeze=False, layout="constrained")
    fig.set_label(plots.PHOTO_LABEL)  # saved in true colour and shown as a light copy, like the photo grids
    for ax in axes.flat:
        ax.axis("off")
    for ax, channel in zip(axes.flat, chosen, strict=False):
        image = ax.imshow(maps[..., channel], cmap=FEATURE_MAP_CMAP, vmin=vmin, vmax=vmax)
        ax.set_title(f"channel {channel}\n(mean {means[channel]:.2f})", fontsize=plots.CAPTION_PT)
    bar = fig.colorbar(image, ax=axes, shrink=0.6, aspect=30, extend="max" if float(shown.max()) > vmax else "neither")
    bar.set_label("activation", fontsize=plots.LABEL_PT)
    bar.ax.tick_params(labelsize=plots.TICK_PT)
    if title:
        fig.suptitle(plots.wrap(title, 60), fontsize=plots.TITLE_PT + 1)
    return fig


# ---- Grad-CAM ---------------------------------------------------------------------------------


def grad_cam(model: keras.Sequential, image: np.ndarray, layer_name: str | None = None,
             target: Target = "predicted") -> np.ndarray:
    """Grad-CAM heatmap (H, W) in [0, 1] of one image (H, W, 3) for a model ending in a sigmoid Dense (P(female)).

    ``target``: "female", "male" (the negated logit) or "predicted" (female when P(female) >= 0.5); the layer
    defaults to the deepest Conv2D. The gradient is of the logit, not of the probability: the same map up to a
    positive factor, but it does not vanish when the sigmoid saturates.
    """
    if target not in ("predicted", "female", "male"):
        raise ValueError(f"target must be 'predicted', 'female' or 'male', not {target!r}")
    import tensorflow as tf

    image = np.asarray(image, dtype="float32")
    cut = _through(model, layer_name or conv_layer_names(model)[-1])
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
    target = "female" if female else "male"
    return _normalise(np.mean([grad_cam(member, image, target=target) for member in models], axis=0))


def _normalise(cam: np.ndarray) -> np.ndarray:
    """Divide by the maximum; an all-zero (or non-finite) map becomes zeros."""
    cam = np.nan_to_num(np.asarray(cam, dtype="float32"), nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(cam.max()) if cam.size else 0.0
    return cam / peak if peak > 0 else np.zeros_like(cam)


def overlay_heatmap(image: np.ndarray, heatmap: np.ndarray, alpha: float = 0.4) -> np.ndarray:
    """The image (H, W, 3) in [0, 1] blended with the heatmap (H, W) coloured by ``HEATMAP_CMAP``: RGB in [0, 1]."""
    image = np.asarray(image, dtype=float)
    heatmap = np.asarray(heatmap, dtype=float)
    if heatmap.shape != image.shape[:2]:
        raise ValueError(f"heatmap {heatmap.shape} does not match image {image.shape[:2]}")
    coloured = matplotlib.colormaps[HEATMAP_CMAP](np.clip(heatmap, 0.0, 1.0))[..., :3]
    return np.clip((1.0 - alpha) * image + alpha * coloured, 0.0, 1.0)


# ---- regions, luminance and group comparison --------------------------------------------------


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


def region_area(region: Region, height: int, width: int) -> float:
    """The fraction of a ``height`` x ``width`` image that ``region`` covers."""
    rows, columns = region
    return len(range(*rows.indices(height))) * len(range(*columns.indices(width))) / (height * width)


def _share(heatmap: np.ndarray, region: Region) -> float:
    """Fraction of a heatmap's total mass that lies inside ``region`` (0 for an all-zero map)."""
    total = float(np.sum(heatmap))
    return float(np.sum(heatmap[region]) / total) if total > 0 else 0.0


def grad_cam_shares(heatmaps: np.ndarray) -> pd.DataFrame:
    """Per heatmap, the share of its mass in the top of the head, the central face box and the sides of the head."""
    height, width = heatmaps.shape[1:3]
    regions = {"cam_top_share": [top_of_head_region(height, width)], "cam_face_share": [face_region(height, width)],
               "cam_side_share": side_regions(height, width)}
    return pd.DataFrame({column: [sum(_share(h, r) for r in parts) for h in heatmaps]
                         for column, parts in regions.items()})


def mean_luminance(images: np.ndarray, region: Region | None = None) -> np.ndarray:
    """BT.601 luma of each image (N, H, W, 3) averaged over ``region`` (default :func:`face_region`): shape (N,)."""
    images = np.asarray(images, dtype=float)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected images of shape (N, H, W, 3), got {images.shape}")
    rows, cols = region if region is not None else face_region(*images.shape[1:3])
    return (images[:, rows, cols, :] @ BT601).mean(axis=(1, 2))


def compare_groups(values_a: np.ndarray, values_b: np.ndarray) -> dict[str, float]:
    """n, mean and sd (ddof 1) of each group, the mean difference (a - b), Cohen's d with the pooled sd (NaN when
    it is zero) and the two-sided Mann-Whitney U test."""
    a, b = (np.asarray(values, dtype=float).ravel() for values in (values_a, values_b))
    if len(a) == 0 or len(b) == 0:
        raise ValueError("both groups need at least one value")
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
    """The lighting hypothesis as numbers: face luminance of misclassified vs correct test images (``None`` without
    errors), its rank correlation with p(female), and male vs female faces over the real photos."""
    luminance = mean_luminance(test_images)
    correct = np.asarray(correct, dtype=bool)
    rho, rho_p = spearmanr(luminance, p_female)
    photo_luminance = mean_luminance(photo_images)
    photo_labels = np.asarray(photo_labels)
    return {
        "face_luminance": luminance,
        "errors_vs_correct": compare_groups(luminance[~correct], luminance[correct])
        if 0 < correct.sum() < len(correct) else None,  # nothing to compare without an error (or a success)
        "rho": float(rho),
        "rho_p": float(rho_p),
        "male_vs_female": compare_groups(photo_luminance[photo_labels == 0], photo_luminance[photo_labels == 1]),
    }
