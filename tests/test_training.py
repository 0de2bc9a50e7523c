"""Class weights, the recipe, the shared training loop and picking the best epoch."""

from __future__ import annotations

import contextlib
import io
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from helpers import recipes, training


def test_balanced_class_weights_hand_computed():
    weights = training.balanced_class_weights(np.array([0, 0, 0, 1]))
    assert weights == pytest.approx({0: 4 / 6, 1: 2.0})
    assert list(weights) == [0, 1]
    assert all(type(k) is int and type(v) is float for k, v in weights.items())


def test_balanced_class_weights_equalise_the_classes():
    labels = np.array([0] * 134 + [1] * 54)
    weights = training.balanced_class_weights(labels)
    assert weights[0] == pytest.approx(188 / (2 * 134))
    assert weights[1] == pytest.approx(188 / (2 * 54))
    assert 134 * weights[0] == pytest.approx(54 * weights[1])
    assert training.balanced_class_weights([1, 0, 1, 0]) == {0: 1.0, 1: 1.0}


def test_a_recipe_is_recorded_whole_and_can_be_rebuilt_from_its_record():
    import dataclasses

    recipe = recipes.Recipe(epochs=3, monitor="val_auc", mode="max", online_augmentation=True, ema_momentum=0.9)
    recorded = recipe.as_dict()
    assert list(recorded) == [f.name for f in dataclasses.fields(recipes.Recipe)]  # nothing left out
    assert recorded["monitor"] == "val_auc" and recorded["ema_momentum"] == 0.9
    assert recipes.Recipe(**recorded) == recipe  # a results file's recipe is enough to train again
    with pytest.raises(AttributeError):
        recipe.epochs = 5  # frozen: a recipe cannot drift after it was recorded


# ---- a tiny fit ---------------------------------------------------------------------------------


def toy_model() -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def toy_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.random((8, 32, 32, 3), dtype=np.float32)
    labels = np.array([0, 1] * 4)
    return (images[:6], labels[:6]), (images[6:], labels[6:])


@pytest.fixture(scope="module")
def fitted():
    training.set_seed(23)
    model = toy_model()
    train, validation = toy_data()
    recipe = recipes.Recipe(epochs=2, batch_size=4, patience=5)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        history = training.fit(model, train, validation, recipe, class_weight={0: 1.0, 1: 1.0})
    return model, history, recipe, printed.getvalue()


@pytest.mark.slow
def test_fit_returns_a_history_with_validation(fitted):
    model, history, recipe, _ = fitted
    assert isinstance(history, keras.callbacks.History)
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "auc", "val_auc"):
        assert key in history.history, key
        assert len(history.history[key]) == 2
    assert all(np.isfinite(history.history["val_loss"]))
    assert model.optimizer is not None
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(recipe.learning_rate)
    assert 1 <= training.best_epoch(history, recipe) <= 2


def test_fit_logs_one_line_per_epoch(fitted):
    _, history, _, printed = fitted
    lines = printed.splitlines()
    assert len(lines) == 2
    for number, line in enumerate(lines, start=1):
        assert line.startswith(f"epoch {number:>3}/2 - ")
        assert f"val_loss {history.history['val_loss'][number - 1]:.4f}" in line


def test_predict_scores_after_fit(fitted):
    model, _, _, _ = fitted
    _, (images, _) = toy_data()
    scores = training.predict_scores(model, images)
    assert scores.shape == (2,)
    assert np.all((scores >= 0) & (scores <= 1))


@pytest.mark.slow
def test_fit_is_reproducible_with_a_seed(fitted):
    _, first, recipe, _ = fitted
    training.set_seed(23)
    train, validation = toy_data()
    again = training.fit(toy_model(), train, validation, recipe, class_weight={0: 1.0, 1: 1.0}, log_epochs=False)
    assert again.history["val_loss"] == first.history["val_loss"]
    assert again.history["loss"] == first.history["loss"]


@pytest.mark.slow
def test_fit_early_stopping_and_reduce_lr():
    training.set_seed(3)
    train, validation = toy_data(1)
    recipe = recipes.Recipe(
        epochs=6, batch_size=6, patience=1, reduce_lr_patience=1, learning_rate=0.0, min_learning_rate=0.0
    )
    history = training.fit(toy_model(), train, validation, recipe, log_epochs=False)
    # A zero learning rate never improves val_loss: stopped after 1 + patience epochs.
    assert len(history.history["val_loss"]) == 2
    assert "learning_rate" in history.history


# ---- best_epoch ---------------------------------------------------------------------------------


def fake_history(**values) -> SimpleNamespace:
    return SimpleNamespace(history=values)


def test_best_epoch_min():
    history = fake_history(val_loss=[0.9, 0.5, 0.4, 0.45, 0.6], val_auc=[0.5, 0.9, 0.7, 0.95, 0.6])
    assert training.best_epoch(history, recipes.Recipe()) == 3
    assert training.best_epoch(history, recipes.Recipe(monitor="val_auc", mode="max")) == 4


def test_best_epoch_ties_take_the_first():
    history = fake_history(val_loss=[0.5, 0.3, 0.3], val_accuracy=[0.8, 0.8, 0.7])
    assert training.best_epoch(history, recipes.Recipe()) == 2
    assert training.best_epoch(history, recipes.Recipe(monitor="val_accuracy", mode="max")) == 1


def test_best_epoch_single_epoch():
    assert training.best_epoch(fake_history(val_loss=[1.0]), recipes.Recipe()) == 1


def test_capped_recipe():
    assert recipes.FINAL_RECIPE.capped(None) is recipes.FINAL_RECIPE
    assert recipes.FINAL_RECIPE.capped(2).epochs == 2
    assert recipes.FINAL_RECIPE.capped(500).epochs == recipes.FINAL_RECIPE.epochs
    assert recipes.FINAL_RECIPE.capped(2).patience == recipes.FINAL_RECIPE.patience


def _images(n: int = 6, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 20, 16, 3)).astype(np.float32)


def _tiny_model(shape=(20, 16, 3)) -> keras.Model:
    inputs = keras.Input(shape)
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


@pytest.mark.slow
def test_training_with_online_augmentation_and_ema_runs_and_predicts_without_augmenting():
    training.set_seed(1)
    images, labels = _images(12), np.array([0, 1] * 6)
    recipe = recipes.Recipe(epochs=2, batch_size=4, patience=5, online_augmentation=True, ema_momentum=0.9)
    model = _tiny_model()
    history = training.fit(model, (images, labels), (images[:4], labels[:4]), recipe, log_epochs=False)
    assert len(history.history["loss"]) == 2
    # Prediction never augments: the same images give the same scores, twice.
    first, second = training.predict_scores(model, images), training.predict_scores(model, images)
    np.testing.assert_array_equal(first, second)


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
