"""Feature maps, Grad-CAM (checked on toy models whose decision is known), luminance and group statistics."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from helpers import analysis
from helpers.models import build_final_model

H, W = 250, 200


@pytest.fixture(scope="module")
def final_model() -> keras.Sequential:
    keras.utils.set_random_seed(0)
    return build_final_model()


@pytest.fixture(scope="module")
def faces() -> np.ndarray:
    return np.random.default_rng(0).random((2, H, W, 3), dtype=np.float32)


# ---- feature maps -----------------------------------------------------------------------------


@pytest.mark.parametrize(("layer", "shape"), [("conv2d", (248, 198, 32)), ("conv2d_3", (27, 21, 256))])
def test_feature_maps_shape_on_final_model(final_model, faces, layer, shape):
    maps = analysis.feature_maps(final_model, faces, layer, batch_size=1)
    assert maps.shape == (2, *shape)
    assert np.isfinite(maps).all() and (maps >= 0).all()  # ReLU activations


def test_feature_maps_match_a_direct_forward_pass():
    model = keras.Sequential([keras.layers.Conv2D(2, 3, name="c"), keras.layers.GlobalAveragePooling2D()])  # no Input
    images = np.random.default_rng(1).random((3, 8, 8, 3), dtype=np.float32)
    maps = analysis.feature_maps(model, images, "c")
    expected = keras.ops.convert_to_numpy(model.get_layer("c")(images))
    np.testing.assert_allclose(maps, expected, rtol=1e-5, atol=1e-6)


# ---- Grad-CAM on the real architecture -----------------------------------------------------------


def test_grad_cam_on_final_model_is_a_deterministic_unit_map(final_model, faces):
    heatmap = analysis.grad_cam(final_model, faces[0])
    assert heatmap.shape == (H, W)
    assert np.isfinite(heatmap).all()
    assert heatmap.min() >= 0.0 and heatmap.max() <= 1.0
    assert heatmap.max() in (0.0, pytest.approx(1.0))
    # Dropout(0.5) and BatchNorm would make repeated calls differ if they ran in training mode.
    np.testing.assert_allclose(analysis.grad_cam(final_model, faces[0], layer_name="conv2d_3"), heatmap, atol=1e-6)


def test_grad_cam_rejects_an_unknown_target(final_model, faces):
    with pytest.raises(ValueError, match="target"):
        analysis.grad_cam(final_model, faces[0], target="other")


# ---- Grad-CAM on toy models with a known decision ------------------------------------------------
# Standard Grad-CAM weights whole channels, so it localises *features*, not output regions: the toy
# models decide on one colour (red or green) and the image holds a red patch in the top-left quadrant
# and a green patch in the bottom-right one. The same image must light up different quadrants.


def colour_toy(channel: int, weight: float = 4.0) -> keras.Sequential:
    """Conv 'conv' = (red, green, blue, brightness) detectors, GAP, sigmoid of ``weight`` x one channel."""
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    kernel = np.zeros((3, 3, 3, 4), dtype="float32")
    kernel[1, 1, :, :3] = 2 * np.eye(3) - 1  # centre tap: +1 on its colour, -1 on the other two
    kernel[1, 1, :, 3] = 1 / 3
    model.get_layer("conv").set_weights([kernel, np.zeros(4, dtype="float32")])
    dense = np.zeros((4, 1), dtype="float32")
    dense[channel] = weight
    model.get_layer("out").set_weights([dense, np.zeros(1, dtype="float32")])
    return model


def two_patch_image() -> np.ndarray:
    image = np.zeros((32, 32, 3), dtype="float32")
    image[4:12, 4:12, 0] = 1.0  # red, top-left quadrant
    image[20:28, 20:28, 1] = 1.0  # green, bottom-right quadrant
    return image


def quadrant_share(heatmap: np.ndarray, quadrant: str) -> float:
    rows = slice(0, 16) if quadrant.startswith("top") else slice(16, 32)
    cols = slice(0, 16) if quadrant.endswith("left") else slice(16, 32)
    return float(heatmap[rows, cols].sum() / heatmap.sum())


@pytest.mark.parametrize(
    ("channel", "quadrant", "other"), [(0, "top-left", "bottom-right"), (1, "bottom-right", "top-left")]
)
def test_grad_cam_points_at_the_evidence_the_model_uses(channel, quadrant, other):
    model = colour_toy(channel)
    for target in ("female", "predicted"):  # positive weight and zero bias: predicted female
        heatmap = analysis.grad_cam(model, two_patch_image(), target=target)
        assert heatmap.shape == (32, 32) and heatmap.max() == pytest.approx(1.0)
        assert quadrant_share(heatmap, quadrant) > 0.8
        assert quadrant_share(heatmap, other) < 0.05


def test_grad_cam_of_the_opposite_class_is_zero_not_nan():
    heatmap = analysis.grad_cam(colour_toy(0), two_patch_image(), target="male")  # red only argues "female"
    assert np.isfinite(heatmap).all()
    assert (heatmap == 0).all()


def test_grad_cam_survives_a_saturated_sigmoid():
    model = colour_toy(0, weight=1e4)  # P(female) rounds to exactly 1.0 in float32
    assert float(model(two_patch_image()[None])[0, 0]) == 1.0
    heatmap = analysis.grad_cam(model, two_patch_image(), target="female")
    assert quadrant_share(heatmap, "top-left") > 0.8


# ---- luminance and group statistics ------------------------------------------------------------


def test_mean_luminance_of_pure_colours():
    colours = np.array([[1, 1, 1], [0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    images = np.broadcast_to(colours[:, None, None, :], (5, 20, 16, 3))
    np.testing.assert_allclose(analysis.mean_luminance(images), [1.0, 0.0, 0.299, 0.587, 0.114])


def test_mean_luminance_uses_the_face_region_by_default():
    assert analysis.face_region(H, W) == (slice(62, 200), slice(50, 150))
    image = np.zeros((1, 40, 40, 3))
    rows, cols = analysis.face_region(40, 40)
    image[0, rows, cols] = 1.0  # white face on a black background
    assert analysis.mean_luminance(image)[0] == pytest.approx(1.0)
    assert analysis.mean_luminance(image, region=(slice(0, 5), slice(0, 5)))[0] == pytest.approx(0.0)
    assert analysis.mean_luminance(image, region=(slice(None), slice(None)))[0] == pytest.approx(
        (rows.stop - rows.start) * (cols.stop - cols.start) / 1600
    )


def test_compare_groups_on_known_values():
    result = analysis.compare_groups([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert (result["n_a"], result["n_b"]) == (5, 5)
    assert (result["mean_a"], result["mean_b"], result["mean_difference"]) == (3.0, 8.0, -5.0)
    assert result["std_a"] == pytest.approx(np.sqrt(2.5))
    assert result["cohens_d"] == pytest.approx(-5 / np.sqrt(2.5))
    assert result["mannwhitney_u"] == 0.0
    assert result["p_value"] == pytest.approx(2 / 252)  # exact: 2 of the C(10, 5) orderings are as extreme


def test_compare_groups_of_identical_and_constant_groups():
    same = analysis.compare_groups([1, 2, 3], [1, 2, 3])
    assert same["mean_difference"] == 0.0 and same["cohens_d"] == 0.0 and same["p_value"] == pytest.approx(1.0)
    assert np.isnan(analysis.compare_groups([2, 2], [2, 2])["cohens_d"])


def test_grad_cam_works_on_a_model_loaded_from_a_keras_file(final_model, faces, tmp_path):
    # Notebook 05 analyses the model saved by notebook 04; a loaded Sequential once gave no gradient.
    path = tmp_path / "model.keras"
    final_model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(analysis.grad_cam(loaded, faces[1]), analysis.grad_cam(final_model, faces[1]),
                               atol=1e-5)


def test_lighting_statistics_find_brighter_errors():
    dark, bright = np.full((1, 250, 200, 3), 0.2, np.float32), np.full((1, 250, 200, 3), 0.8, np.float32)
    test_images = np.concatenate([bright, bright, dark, dark, dark])
    correct = np.array([False, False, True, True, True])
    p_female = np.array([0.1, 0.2, 0.7, 0.8, 0.9])
    photos = np.concatenate([dark, bright, dark, bright])
    stats = analysis.lighting_statistics(test_images, correct, p_female, photos, np.array([0, 0, 1, 1]))
    assert stats["face_luminance"] == pytest.approx([0.8, 0.8, 0.2, 0.2, 0.2], abs=1e-6)
    errors = stats["errors_vs_correct"]
    assert errors["n_a"] == 2 and errors["mean_difference"] == pytest.approx(0.6)
    assert stats["rho"] < -0.8  # brighter faces, lower p(female)
    assert stats["male_vs_female"]["mean_difference"] == pytest.approx(0.0, abs=1e-6)


def test_grad_cam_shares_per_region():
    heatmaps = np.zeros((2, 250, 200))
    heatmaps[0, 10, 100] = 1.0  # top of the head
    heatmaps[1, 150, 100] = heatmaps[1, 150, 10] = 1.0  # the face and one side
    shares = analysis.grad_cam_shares(heatmaps)
    assert shares.to_dict("list") == {"cam_top_share": [1.0, 0.0], "cam_face_share": [0.0, 0.5],
                                      "cam_side_share": [0.0, 0.5]}


def test_grad_cam_of_an_ensemble_of_one_is_the_models_own_map(final_model, faces):
    image = faces[0]
    female = bool(final_model.predict(image[None], verbose=0)[0, 0] >= 0.5)
    own = analysis.grad_cam(final_model, image, target="female" if female else "male")
    np.testing.assert_allclose(analysis.grad_cam_of_ensemble([final_model], image, female), own, atol=1e-6)
    both = analysis.grad_cam_of_ensemble([final_model, final_model], image, female)
    np.testing.assert_allclose(both, own, atol=1e-6)
    assert both.max() == pytest.approx(1.0) or both.max() == 0.0


def test_a_run_without_errors_has_no_luminance_comparison():
    images = np.concatenate([np.full((1, 250, 200, 3), v, np.float32) for v in (0.2, 0.5, 0.8)])
    stats = analysis.lighting_statistics(images, np.array([True, True, True]), np.array([0.1, 0.5, 0.9]),
                                         images, np.array([0, 1, 1]))
    assert stats["errors_vs_correct"] is None
    assert np.isfinite(stats["rho"]) and set(stats["male_vs_female"]) >= {"mean_a", "mean_b", "p_value"}
