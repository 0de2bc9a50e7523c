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
from helpers.plots import PHOTO_LABEL

Target = Literal["predicted", "female", "male"]
Region = tuple[slice, slice]


HEATMAP_CMAP = "jet"  # the colours of ``overlay_heatmap``; a colour bar of the overlays must name this one
GRAD_CAM_COLORBAR = (HEATMAP_CMAP, "Grad-CAM evidence for the decided class (low → high)")
FEATURE_MAP_CMAP = "viridis"


# ---- feature maps -----------------------------------------------------------------------------


def feature_maps(model: keras.Model, images: np.ndarray, layer_name: str, batch_size: int = 16) -> np.ndarray:
    """Activations of the layer ``layer_name`` for a batch of images, shape (N, h, w, channels).

    Runs in inference mode (BatchNorm uses its moving statistics, Dropout is off).
    """
    images = np.asarray(images, dtype="float32")
    _ensure_inputs(model, images.shape[1:])
    extractor = keras.Model(inputs=_model_input(model), outputs=model.get_layer(layer_name).output)
    batches = [
        keras.ops.convert_to_numpy(extractor(images[i : i + batch_size], training=False))
        for i in range(0, len(images), batch_size)
    ]
    return np.concatenate(batches, axis=0)


def plot_feature_maps(maps: np.ndarray, n_channels: int = 16, title: str = "") -> plt.Figure:
    """Grid of the ``n_channels`` most active channels (highest mean activation) of one image's maps (h, w, c).

    Panels are ordered from most active, titled with their channel number and mean activation, and share one
    colour scale (``FEATURE_MAP_CMAP``, from the lowest value or 0 to the 99.5th percentile of the shown maps),
    explained by a colour bar labelled "activation".
    """
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
    fig.set_label(PHOTO_LABEL)  # saved in true colour and shown as a light copy, like the photo grids
    for ax in axes.flat:
        ax.axis("off")
    image = None
    for ax, channel in zip(axes.flat, chosen, strict=False):
        image = ax.imshow(maps[..., channel], cmap=FEATURE_MAP_CMAP, vmin=vmin, vmax=vmax)
        ax.set_title(f"channel {channel}\n(mean {means[channel]:.2f})", fontsize=plots.CAPTION_PT)
    if image is not None:
        extend = "max" if float(shown.max()) > vmax else "neither"
        bar = fig.colorbar(image, ax=axes, shrink=0.6, aspect=30, extend=extend)
        bar.set_label("activation", fontsize=plots.LABEL_PT)
        bar.ax.tick_params(labelsize=plots.TICK_PT)
    if title:
        fig.suptitle(plots.wrap(title, 60), fontsize=plots.TITLE_PT + 1)
    return fig


# ---- Grad-CAM ---------------------------------------------------------------------------------


def grad_cam(
    model: keras.Model,
    image: np.ndarray,
    layer_name: str | None = None,
    target: Target = "predicted",
    threshold: float = 0.5,
) -> np.ndarray:
    """Grad-CAM heatmap (H, W) in [0, 1] of one image (H, W, 3) for a sigmoid model (output = P(female)).

    ``target`` is "female" (explain the female score), "male" (explain the male score, i.e. the
    negated gradient) or "predicted" (the class with ``P(female) >= threshold`` -> female).
    ``layer_name`` defaults to the deepest Conv2D layer. Channel weights are the spatial means of the
    gradients of the score w.r.t. the layer's activations; the map is ReLU(weighted sum of channels),
    divided by its maximum (an all-zero map stays zero) and resized bilinearly to the image size.
    When the last layer is a sigmoid Dense the gradient is taken of the logit rather than the
    probability: same map up to a positive factor, but it does not vanish when the sigmoid saturates.
    Every layer runs in inference mode (BatchNorm moving statistics, no Dropout).
    """
    if target not in ("predicted", "female", "male"):
        raise ValueError(f"target must be 'predicted', 'female' or 'male', not {target!r}")
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError("grad_cam needs the TensorFlow backend (tf.GradientTape)")
    import tensorflow as tf

    image = np.asarray(image, dtype="float32")
    _ensure_inputs(model, image.shape)
    if layer_name is None:
        layer_name = _deepest_conv(model)
    last = model.layers[-1]
    use_logit = isinstance(last, keras.layers.Dense) and getattr(last.activation, "__name__", "") == "sigmoid"
    grad_model = _activation_and_head_model(model, layer_name, image.shape, stop_before_last=use_logit)

    with tf.GradientTape() as tape:
        activations, head = grad_model(tf.convert_to_tensor(image[None]), training=False)
        logit = tf.matmul(head, last.kernel) + last.bias if use_logit else None
        probability = tf.sigmoid(logit) if use_logit else head
        female = target == "female" or (target == "predicted" and float(probability[0, 0]) >= threshold)
        if use_logit:
            score = logit[0, 0] if female else -logit[0, 0]
        else:
            score = probability[0, 0] if female else 1.0 - probability[0, 0]
    gradients = tape.gradient(score, activations)[0].numpy()  # (h, w, c)

    weights = gradients.mean(axis=(0, 1))
    cam = np.maximum(np.tensordot(activations[0].numpy(), weights, axes=([-1], [0])), 0.0)
    cam = _normalise(cam)
    resized = keras.ops.image.resize(cam[None, :, :, None].astype("float32"), image.shape[:2], interpolation="bilinear")
    return _normalise(np.clip(keras.ops.convert_to_numpy(resized)[0, :, :, 0], 0.0, None))


def grad_cam_of_ensemble(models: list[keras.Model], image: np.ndarray, female: bool) -> np.ndarray:
    """Grad-CAM of an ensemble: each member's map for the ensemble's decision (``female`` or not), averaged and
    rescaled to [0, 1]. One member gives exactly its own map."""
    target = "female" if female else "male"
    return _normalise(np.mean([grad_cam(member, image, target=target) for member in models], axis=0))


def overlay_heatmap(image: np.ndarray, heatmap: np.ndarray, alpha: float = 0.4) -> np.ndarray:
    """The image (H, W, 3) in [0, 1] blended with the heatmap (H, W) coloured by ``HEATMAP_CMAP``: RGB floats in
    [0, 1]. ``photo_grid(..., colorbar=GRAD_CAM_COLORBAR)`` explains the colours."""
    image = np.asarray(image, dtype=float)
    heatmap = np.asarray(heatmap, dtype=float)
    if heatmap.shape != image.shape[:2]:
        raise ValueError(f"heatmap {heatmap.shape} does not match image {image.shape[:2]}")
    coloured = matplotlib.colormaps[HEATMAP_CMAP](np.clip(heatmap, 0.0, 1.0))[..., :3]
    return np.clip((1.0 - alpha) * image + alpha * coloured, 0.0, 1.0)


# ---- luminance and group comparison -----------------------------------------------------------


def face_region(height: int, width: int) -> Region:
    """Default central box (rows 25%-80%, columns 25%-75%) as (row slice, column slice).

    CUFS photos are centred faces on a plain (blue) background; measuring the brightness of this box
    compares the faces themselves rather than the background, which would dominate a whole-image mean.
    """
    return slice(round(0.25 * height), round(0.80 * height)), slice(round(0.25 * width), round(0.75 * width))


def mean_luminance(images: np.ndarray, region: Region | None = None) -> np.ndarray:
    """ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B) of each image (N, H, W, 3), averaged over ``region``.

    ``region`` is (row slice, column slice); the default is :func:`face_region`. Returns shape (N,).
    """
    images = np.asarray(images, dtype=float)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected images of shape (N, H, W, 3), got {images.shape}")
    rows, cols = region if region is not None else face_region(*images.shape[1:3])
    luma = images[:, rows, cols, :] @ BT601
    return luma.mean(axis=(1, 2))


def compare_groups(values_a: np.ndarray, values_b: np.ndarray) -> dict[str, float]:
    """Summary of two groups: n, mean, std (ddof=1) of each, mean difference (a - b), Cohen's d, Mann-Whitney U.

    Cohen's d uses the pooled standard deviation (NaN when it is zero); the Mann-Whitney p-value is two-sided.
    """
    a = np.asarray(values_a, dtype=float).ravel()
    b = np.asarray(values_b, dtype=float).ravel()
    if len(a) == 0 or len(b) == 0:
        raise ValueError("both groups need at least one value")
    std_a = float(a.std(ddof=1)) if len(a) > 1 else float("nan")
    std_b = float(b.std(ddof=1)) if len(b) > 1 else float("nan")
    difference = float(a.mean() - b.mean())
    both_spread = len(a) > 1 and len(b) > 1
    pooled = (
        math.sqrt(((len(a) - 1) * std_a**2 + (len(b) - 1) * std_b**2) / (len(a) + len(b) - 2))
        if both_spread
        else float("nan")
    )
    test = mannwhitneyu(a, b, alternative="two-sided")
    return {
        "n_a": len(a),
        "mean_a": float(a.mean()),
        "std_a": std_a,
        "n_b": len(b),
        "mean_b": float(b.mean()),
        "std_b": std_b,
        "mean_difference": difference,
        "cohens_d": difference / pooled if pooled > 0 else float("nan"),
        "mannwhitney_u": float(test.statistic),
        "p_value": float(test.pvalue),
    }


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
        # None when a run makes no error (or no correct decision): there is then nothing to compare
        "errors_vs_correct": compare_groups(luminance[~correct], luminance[correct]) if 0 < correct.sum() < len(correct)
        else None,
        "rho": float(rho),
        "rho_p": float(rho_p),
        "male_vs_female": compare_groups(photo_luminance[photo_labels == 0], photo_luminance[photo_labels == 1]),
    }


def grad_cam_shares(heatmaps: np.ndarray) -> pd.DataFrame:
    """Per heatmap, the share of its mass in the top of the head, the central face box and the sides of the head."""
    height, width = heatmaps.shape[1:3]
    top, face, sides = top_of_head_region(height, width), face_region(height, width), side_regions(height, width)
    return pd.DataFrame({
        "cam_top_share": [heatmap_share(h, top) for h in heatmaps],
        "cam_face_share": [heatmap_share(h, face) for h in heatmaps],
        "cam_side_share": [sum(heatmap_share(h, r) for r in sides) for h in heatmaps],
    })


def region_area(region: Region, height: int, width: int) -> float:
    """The fraction of a ``height`` x ``width`` image that ``region`` covers."""
    rows, columns = region
    return len(range(*rows.indices(height))) * len(range(*columns.indices(width))) / (height * width)


# ---- internals --------------------------------------------------------------------------------


def _ensure_inputs(model: keras.Model, input_shape: tuple[int, ...]) -> None:
    """Build a Sequential made without ``keras.Input`` so that ``model.inputs`` exists."""
    try:
        inputs = model.inputs
    except AttributeError:
        inputs = None
    if not inputs:
        model.build((None, *input_shape))


def _activation_and_head_model(
    model: keras.Model, layer_name: str, input_shape: tuple[int, ...], stop_before_last: bool
) -> keras.Model:
    """A model mapping an image to (the named layer's activations, the input of the last layer or the output).

    A Sequential is re-wired by calling its layers on a fresh input: a model loaded from a ``.keras``
    file can hold several call graphs, and mixing tensors of two graphs disconnects the gradient.
    """
    if isinstance(model, keras.Sequential):
        inputs = keras.Input(shape=input_shape)
        x, activations = inputs, None
        layers = model.layers[:-1] if stop_before_last else model.layers
        for layer in layers:
            x = layer(x)
            if layer.name == layer_name:
                activations = x
        if activations is None:
            raise ValueError(f"layer {layer_name!r} is not among the layers before the output of {model.name!r}")
        return keras.Model(inputs, [activations, x])
    head = model.layers[-1].input if stop_before_last else model.outputs[0]
    return keras.Model(inputs=_model_input(model), outputs=[model.get_layer(layer_name).output, head])


def _model_input(model: keras.Model) -> keras.KerasTensor | list[keras.KerasTensor]:
    """The model's input tensor (a single one unwrapped, so calling with an array raises no structure warning)."""
    return model.inputs[0] if len(model.inputs) == 1 else model.inputs


def _deepest_conv(model: keras.Model) -> str:
    """Name of the last Conv2D layer."""
    names = conv_layer_names(model)
    if not names:
        raise ValueError(f"model {model.name!r} has no Conv2D layer")
    return names[-1]


def _normalise(cam: np.ndarray) -> np.ndarray:
    """Divide by the maximum; an all-zero (or non-finite) map becomes zeros."""
    cam = np.nan_to_num(np.asarray(cam, dtype="float32"), nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(cam.max()) if cam.size else 0.0
    return cam / peak if peak > 0 else np.zeros_like(cam)


def top_of_head_region(height: int, width: int) -> Region:
    """The top 30 % of the photo, all columns: where the hair and the top of the head are."""
    return slice(0, int(round(0.30 * height))), slice(0, width)


def side_regions(height: int, width: int) -> tuple[Region, Region]:
    """Left and right of the face box, from the forehead down: where long hair falls."""
    rows = slice(round(0.20 * height), height)
    return (rows, slice(0, round(0.25 * width))), (rows, slice(round(0.75 * width), width))


def heatmap_share(heatmap: np.ndarray, region: Region) -> float:
    """Fraction of a heatmap's total mass that lies inside ``region`` (0 for an all-zero map)."""
    total = float(np.sum(heatmap))
    return float(np.sum(heatmap[region]) / total) if total > 0 else 0.0
