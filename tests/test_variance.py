"""Variance reduction for the final CNN: on-the-fly augmentation, weight averaging, flip TTA, seed ensembles,
and the paired test that compares methods over overlapping training sets."""

from __future__ import annotations

import math

import keras
import numpy as np
import pandas as pd
import pytest

from helpers import augmentation, stability, summaries, training


def _images(n: int = 6, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 20, 16, 3)).astype(np.float32)


# ---- on-the-fly augmentation --------------------------------------------------------------------------


def test_online_batches_differ_between_epochs_and_keep_their_labels():
    images, labels = _images(8), np.array([0, 1, 0, 1, 1, 0, 0, 1])
    batches = augmentation.AugmentedBatches(images, labels, batch_size=8, seed=3)
    assert len(batches) == 1
    first_x, first_y = batches[0]
    batches.on_epoch_end()
    second_x, second_y = batches[0]
    assert first_x.shape == second_x.shape == images.shape
    assert not np.allclose(first_x, second_x), "each epoch draws new transformations"
    assert not any(np.allclose(first_x[i], images[j]) for i in range(8) for j in range(8)), "every image augmented"
    # Labels follow their images through the shuffle: the sorted label multiset is unchanged each epoch.
    assert sorted(first_y.tolist()) == sorted(second_y.tolist()) == sorted(labels.tolist())
    order = batches.order_of_epoch()
    assert np.array_equal(second_y, labels[order])


def test_online_batches_are_reproducible_from_the_seed():
    images, labels = _images(5), np.arange(5) % 2
    a = augmentation.AugmentedBatches(images, labels, batch_size=2, seed=7)
    b = augmentation.AugmentedBatches(images, labels, batch_size=2, seed=7)
    assert len(a) == 3
    for i in range(len(a)):
        np.testing.assert_allclose(a[i][0], b[i][0])
        np.testing.assert_array_equal(a[i][1], b[i][1])


def _tiny_model(shape=(20, 16, 3)) -> keras.Model:
    inputs = keras.Input(shape)
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def test_training_with_online_augmentation_and_ema_runs_and_predicts_without_augmenting():
    training.set_seed(1)
    images, labels = _images(12), np.array([0, 1] * 6)
    recipe = training.Recipe(epochs=2, batch_size=4, patience=5, online_augmentation=True, ema_momentum=0.9)
    model = _tiny_model()
    history = training.fit(model, (images, labels), (images[:4], labels[:4]), recipe, log_epochs=False)
    assert len(history.history["loss"]) == 2
    # Prediction never augments: the same images give the same scores, twice.
    first, second = training.predict_scores(model, images), training.predict_scores(model, images)
    np.testing.assert_array_equal(first, second)


def test_recipe_records_the_variance_settings():
    recipe = training.Recipe(online_augmentation=True, ema_momentum=0.9)
    assert recipe.as_dict()["online_augmentation"] is True and recipe.as_dict()["ema_momentum"] == 0.9
    assert training.Recipe().online_augmentation is False and training.Recipe().ema_momentum is None


# ---- test-time augmentation and ensembles ---------------------------------------------------------------


def test_flip_tta_gives_identical_scores_on_a_flip_symmetric_model():
    # Global average pooling then a dense layer: mirroring the image cannot change the output.
    model = _tiny_model()
    images = _images(4)
    plain = training.predict_scores(model, images)
    np.testing.assert_allclose(training.predict_scores(model, images, tta=True), plain, rtol=1e-6)


def test_flip_tta_averages_the_image_and_its_mirror():
    # A model that reads only the left half of the image: TTA averages left and (mirrored) right halves.
    inputs = keras.Input((4, 4, 1))
    left = keras.layers.Cropping2D(((0, 0), (0, 2)))(inputs)
    outputs = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")(keras.layers.Flatten()(left))
    model = keras.Model(inputs, outputs)
    image = np.zeros((1, 4, 4, 1), np.float32)
    image[0, :, :2] = 1.0  # left half bright
    assert training.predict_scores(model, image)[0] == pytest.approx(8.0)
    assert training.predict_scores(model, image, tta=True)[0] == pytest.approx(4.0)


def test_an_ensemble_averages_its_members_probabilities():
    members = [_tiny_model() for _ in range(3)]
    images = _images(5)
    each = np.stack([training.predict_scores(m, images) for m in members])
    np.testing.assert_allclose(training.predict_scores(members, images), each.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(training.predict_scores(members[:1], images), each[0], rtol=1e-6)
    with pytest.raises(ValueError, match="no model"):
        training.predict_scores([], images)


# ---- the paired comparison over overlapping training sets ----------------------------------------------


def test_nadeau_bengio_on_a_hand_computed_example():
    # Differences 0.02, 0.04, 0.00, 0.06 over K = 4 resamples, 150 training and 38 test images:
    # mean 0.03, sample variance 0.000666..., corrected variance (1/4 + 38/150) * var = 0.000335...
    # t = 0.03 / sqrt(0.000335...) = 1.6375..., two-sided p with 3 degrees of freedom = 0.2000...
    result = summaries.nadeau_bengio([0.02, 0.04, 0.00, 0.06], n_train=150, n_test=38)
    var = np.var([0.02, 0.04, 0.00, 0.06], ddof=1)
    corrected = (1 / 4 + 38 / 150) * var
    assert result["mean"] == pytest.approx(0.03)
    assert result["t"] == pytest.approx(0.03 / math.sqrt(corrected))
    assert result["t"] == pytest.approx(1.6375, abs=1e-3)
    assert result["df"] == 3
    assert result["p_value"] == pytest.approx(0.2000, abs=5e-4)
    # The correction widens the naive interval: the naive t would be larger.
    naive_t = 0.03 / math.sqrt(var / 4)
    assert result["t"] < naive_t


def test_nadeau_bengio_degenerate_cases():
    same = summaries.nadeau_bengio([0.01, 0.01, 0.01], n_train=100, n_test=20)
    assert same["p_value"] == 0.0 and same["t"] == math.inf
    none = summaries.nadeau_bengio([0.0, 0.0, 0.0], n_train=100, n_test=20)
    assert none["p_value"] == 1.0 and none["t"] == 0.0
    with pytest.raises(ValueError, match="at least two"):
        summaries.nadeau_bengio([0.1], n_train=100, n_test=20)


def test_stability_smoke_run_reports_both_models(real_photos_dir, tmp_path):
    out = tmp_path / "stability.json"
    assert stability.main(["--variant", "D+ens2+tta", "--runs", "2", "--scale", "0.25", "--epochs", "1",
                           "--data-dir", str(real_photos_dir), "--out", str(out)]) == 0
    document = stability.load(out)
    assert document["variant"] == "D+ens2+tta" and document["models_per_run"] == 2 and document["flip_tta"]
    assert [(r["run"], r["seed"], r["model"]) for r in document["rows"]] == [
        (0, 23, "single model"), (0, 23, "variance-reduced"), (1, 24, "single model"), (1, 24, "variance-reduced")]
    table = stability.spread_table(document)  # notebook 04's table
    assert list(table.index) == ["single model", "variance-reduced"]
    assert ("accuracy_at_0.5", "std") in table.columns
    assert document["environment"]["device"]


def test_corrected_paired_test_on_records():
    records = pd.DataFrame([{"method": m, "seed": s, "auc": v} for s, (a, b) in enumerate([(0.9, 0.88), (0.95, 0.91),
                                                                                          (0.92, 0.92), (0.97, 0.91)])
                            for m, v in (("cnn", a), ("logreg", b))])
    result = summaries.corrected_paired_test(records, "cnn", "logreg", "auc", n_train=150, n_test=38)
    expected = summaries.nadeau_bengio([0.02, 0.04, 0.00, 0.06], 150, 38)
    assert result == pytest.approx(expected)
