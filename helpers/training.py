"""Seeding, class weights and the training loop every CNN notebook shares."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass

import keras
import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from . import config, models


@dataclass(frozen=True)
class Recipe:
    """How a model is trained: everything the report left unstated, made explicit."""

    learning_rate: float = 1e-3
    batch_size: int = 16
    epochs: int = 40
    monitor: str = "val_loss"
    mode: str = "min"
    patience: int = 8
    reduce_lr_patience: int | None = None  # halve the learning rate after this many flat epochs
    min_learning_rate: float = 1e-5

    def as_dict(self) -> dict:
        """Plain values, for the results file."""
        return asdict(self)


# Notebook 02 (and 06): the report's "EarlyStopping on validation", made explicit.
# 100 epochs: with the earlier cap of 40 the best epoch was the 39th, so early stopping never had its say.
BASELINE_RECIPE = Recipe(learning_rate=1e-3, batch_size=16, epochs=100, monitor="val_loss", mode="min", patience=8)


# Notebook 04 (and 06): chosen by the recipe comparison shown in notebook 04.
FINAL_RECIPE = Recipe(learning_rate=1e-3, batch_size=16, epochs=40, monitor="val_loss", mode="min", patience=15,
                      reduce_lr_patience=5)
FINAL_BATCHNORM_MOMENTUM = models.FINAL_BATCHNORM_MOMENTUM  # the recipe's setting, defined with the model


def set_seed(seed: int = config.SEED) -> None:
    """Seed Python, NumPy and the backend, and ask TensorFlow for deterministic kernels.

    Same machine + same seed = same numbers (different CPUs may still differ slightly).
    """
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def quiet_tensorflow() -> None:
    """Hide TensorFlow's C++ start-up chatter (must run before TensorFlow is imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class EpochLogger(keras.callbacks.Callback):
    """Prints exactly one line per epoch (Keras' ``verbose=2`` prints two: "Epoch n/N", then the metrics)."""

    def __init__(self, total_epochs: int) -> None:
        super().__init__()
        self.total_epochs = total_epochs
        self._started = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        values = " - ".join(f"{name} {value:.4f}" for name, value in (logs or {}).items() if name != "learning_rate")
        seconds = time.perf_counter() - self._started
        print(f"epoch {epoch + 1:>3}/{self.total_epochs} - {values} - {seconds:.1f} s", flush=True)


def balanced_class_weights(labels: np.ndarray) -> dict[int, float]:
    """Weights n / (2 * n_class): each class contributes equally to the loss."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    weights = compute_class_weight("balanced", classes=classes, y=labels)
    return {int(c): float(w) for c, w in zip(classes, weights, strict=True)}


def compile_binary(model: keras.Model, learning_rate: float) -> keras.Model:
    """Adam + binary cross-entropy, tracking accuracy and ROC AUC."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(name="auc")],
    )
    return model


def fit(
    model: keras.Model,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    recipe: Recipe,
    class_weight: dict[int, float] | None = None,
    log_epochs: bool = True,
) -> keras.callbacks.History:
    """Compile and train with early stopping (best weights restored); one log line per epoch."""
    compile_binary(model, recipe.learning_rate)
    callbacks: list[keras.callbacks.Callback] = [EpochLogger(recipe.epochs)] if log_epochs else []
    callbacks += [
        keras.callbacks.EarlyStopping(
            monitor=recipe.monitor, mode=recipe.mode, patience=recipe.patience, restore_best_weights=True
        )
    ]
    if recipe.reduce_lr_patience:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=recipe.monitor,
                mode=recipe.mode,
                factor=0.5,
                patience=recipe.reduce_lr_patience,
                min_lr=recipe.min_learning_rate,
            )
        )
    return model.fit(
        train[0],
        train[1],
        validation_data=validation,
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        class_weight=class_weight,
        callbacks=callbacks,
        shuffle=True,
        verbose=0,
    )


def best_epoch(history: keras.callbacks.History, recipe: Recipe) -> int:
    """The 1-based epoch whose weights early stopping restored."""
    values = np.asarray(history.history[recipe.monitor])
    index = np.argmin(values) if recipe.mode == "min" else np.argmax(values)
    return int(index) + 1


def predict_scores(model: keras.Model, images: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Predicted probability of 'female' for each image, as a flat float array."""
    return np.asarray(model.predict(images, batch_size=batch_size, verbose=0)).reshape(-1)


def save_model(model: keras.Model, path: str | os.PathLike) -> str:
    """Save a ``.keras`` model atomically (a crash never leaves a truncated file)."""
    from . import storage

    return str(storage.atomic_write(path, lambda tmp: model.save(tmp)))
