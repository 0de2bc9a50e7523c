"""Seeding, class weights and the training loop every CNN notebook shares (what it follows: ``helpers.recipes``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import keras
import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from helpers import config
from helpers.recipes import Recipe


def set_seed(seed: int = config.SEED) -> None:
    """Seed Python, NumPy and the backend, with deterministic TensorFlow kernels: same machine, same numbers."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


class EpochLogger(keras.callbacks.Callback):
    """One log line per epoch (``verbose=2`` prints two), without timings so that a re-run's diff shows changes."""

    def __init__(self, total_epochs: int) -> None:
        super().__init__()
        self.total_epochs = total_epochs

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        values = " - ".join(f"{name} {value:.4f}" for name, value in (logs or {}).items() if name != "learning_rate")
        print(f"epoch {epoch + 1:>3}/{self.total_epochs} - {values}", flush=True)


def balanced_class_weights(labels: np.ndarray) -> dict[int, float]:
    """Weights n / (2 * n_class): each class contributes equally to the loss."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    weights = compute_class_weight("balanced", classes=classes, y=labels)
    return {int(c): float(w) for c, w in zip(classes, weights, strict=True)}


def learning_rate_of(recipe: Recipe, steps_per_epoch: int) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The recipe's learning rate: a number, or (``cosine``) a per-step schedule with an optional linear warm-up."""
    if not recipe.cosine:
        return recipe.learning_rate
    decay = max(1, (recipe.epochs - recipe.warmup_epochs) * steps_per_epoch)
    return keras.optimizers.schedules.CosineDecay(recipe.learning_rate / 10, decay, alpha=0.01,
                                                  warmup_target=recipe.learning_rate,
                                                  warmup_steps=recipe.warmup_epochs * steps_per_epoch)


def compile_binary(model: keras.Model, recipe: Recipe, steps_per_epoch: int = 1) -> keras.Model:
    """Adam (AdamW with ``weight_decay``) + binary cross-entropy with the recipe's rate, smoothing and EMA (written
    into the model once per epoch, so validation and early stopping see the averaged weights)."""
    ema = {} if recipe.ema_momentum is None else {"use_ema": True, "ema_momentum": recipe.ema_momentum,
                                                  "ema_overwrite_frequency": steps_per_epoch}
    rate = learning_rate_of(recipe, steps_per_epoch)
    if recipe.weight_decay:
        optimizer = keras.optimizers.AdamW(rate, weight_decay=recipe.weight_decay, **ema)
        # Decay the kernels only: shrinking biases and batch-norm scales towards 0 is not regularisation.
        optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    else:
        optimizer = keras.optimizers.Adam(rate, **ema)
    smoothing = recipe.label_smoothing
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.BinaryCrossentropy(label_smoothing=smoothing) if smoothing else "binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(name="auc")],
    )
    return model


def reestimate_batchnorm(model: keras.Model, images: np.ndarray) -> keras.Model:
    """Replace the batch-norm moving statistics, which lag behind the weights, by their exact values on ``images``
    (one training-mode pass with momentum 0: no weight changes, and dropout comes after the last batch norm)."""
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in layers]
    try:
        for layer in layers:
            layer.momentum = 0.0
        model(np.asarray(images, np.float32), training=True)
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum
    return model


def fit(model: keras.Model, train: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray],
        recipe: Recipe, class_weight: dict[int, float] | None = None,
        log_epochs: bool = True) -> keras.callbacks.History:
    """Compile and train with early stopping (best weights restored), on ``AugmentedBatches`` if the recipe asks."""
    steps_per_epoch = int(np.ceil(len(train[0]) / recipe.batch_size))
    compile_binary(model, recipe, steps_per_epoch)
    callbacks: list[keras.callbacks.Callback] = [EpochLogger(recipe.epochs)] if log_epochs else []
    callbacks += [keras.callbacks.EarlyStopping(monitor=recipe.monitor, mode=recipe.mode, patience=recipe.patience,
                                                restore_best_weights=True)]
    if recipe.reduce_lr_patience:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor=recipe.monitor, mode=recipe.mode, factor=0.5,
                                                           patience=recipe.reduce_lr_patience,
                                                           min_lr=recipe.min_learning_rate))
    if recipe.online_augmentation:
        from helpers.augmentation import AugmentedBatches

        seed = int(np.random.randint(0, 2**31 - 1))  # drawn from the generator that set_seed seeded
        inputs = {"x": AugmentedBatches(train[0], train[1], recipe.batch_size, seed=seed)}
    else:
        inputs = {"x": train[0], "y": train[1], "batch_size": recipe.batch_size, "shuffle": True}
    history = model.fit(**inputs, validation_data=validation, epochs=recipe.epochs, class_weight=class_weight,
                        callbacks=callbacks, verbose=0)
    if recipe.reestimate_batchnorm:
        reestimate_batchnorm(model, train[0])
    return history


def fit_fixed(model: keras.Model, train: tuple[np.ndarray, np.ndarray], recipe: Recipe,
              learning_rates: Sequence[float]) -> keras.Model:
    """Refit without validation data: one epoch per entry of ``learning_rates`` (``refit_schedule``), at that rate."""
    if not learning_rates:
        raise ValueError("a refit needs at least one epoch")
    if recipe.online_augmentation:
        raise ValueError("fit_fixed refits on fixed images; on-the-fly augmentation is not supported there")
    rates = [float(r) for r in learning_rates]
    # The scheduler below sets each epoch's rate, so the recipe compiled here has a plain one.
    plain = replace(recipe, learning_rate=rates[0], cosine=False, warmup_epochs=0, reduce_lr_patience=None)
    compile_binary(model, plain, int(np.ceil(len(train[0]) / recipe.batch_size)))
    model.fit(train[0], train[1], batch_size=recipe.batch_size, shuffle=True, epochs=len(rates), verbose=0,
              callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, _: rates[epoch])])
    if recipe.reestimate_batchnorm:
        reestimate_batchnorm(model, train[0])
    return model


def refit_schedule(history: keras.callbacks.History, recipe: Recipe) -> list[float]:
    """The learning rate Keras logged at each epoch of ``history`` up to its best one: what ``fit_fixed`` repeats."""
    best = best_epoch(history, recipe)
    return [float(r) for r in history.history.get("learning_rate", [recipe.learning_rate] * best)[:best]]


def best_epoch(history: keras.callbacks.History, recipe: Recipe) -> int:
    """The 1-based epoch whose weights early stopping restored."""
    values = np.asarray(history.history[recipe.monitor])
    index = np.argmin(values) if recipe.mode == "min" else np.argmax(values)
    return int(index) + 1


def predict_scores(model: keras.Model | Sequence[keras.Model], images: np.ndarray, batch_size: int = 32,
                   tta: bool = False) -> np.ndarray:
    """P(female) per image, averaged over an ensemble's models and, with ``tta``, over each image and its mirror."""
    members = list(model) if isinstance(model, Sequence) else [model]
    if not members:
        raise ValueError("an ensemble with no model cannot predict")
    views = [images, images[:, :, ::-1]] if tta else [images]
    scores = [np.asarray(m.predict(v, batch_size=batch_size, verbose=0)).reshape(-1) for m in members for v in views]
    return np.mean(scores, axis=0)

