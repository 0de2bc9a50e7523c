"""The end-to-end steps that several notebooks share: the report-protocol data and training each model."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from . import augmentation, config, data, models, provenance, training

log = logging.getLogger(__name__)

Arrays = tuple[np.ndarray, np.ndarray]


def report_protocol_data(
    data_dir: str | os.PathLike | None = None, root: str | os.PathLike | None = None, seed: int = config.SEED
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The report's protocol: 268 balanced images (augment first), then a stratified seeded split."""
    balanced = augmentation.balanced_report_protocol(data_dir, root, seed=seed)
    images, labels = data.stack_images(balanced)
    return balanced, images, labels, data.split_indices(labels, seed=seed, stratify=True)


def take(images: np.ndarray, labels: np.ndarray, index: np.ndarray) -> Arrays:
    """The images and labels at ``index``."""
    return images[index], labels[index]


def train_baseline(train: Arrays, validation: Arrays, seed: int = config.SEED,
                   recipe: training.Recipe = training.BASELINE_RECIPE, log_epochs: bool = True
                   ) -> tuple[keras.Model, keras.callbacks.History]:
    """Notebook 02's model and recipe: the baseline CNN with class weights from the training labels."""
    training.set_seed(seed)
    model = models.build_baseline_model(input_shape=train[0].shape[1:])
    history = training.fit(model, train, validation, recipe,
                           class_weight=training.balanced_class_weights(train[1]), log_epochs=log_epochs)
    return model, history


def train_final(train: Arrays, validation: Arrays, seed: int = config.SEED,
                recipe: training.Recipe | None = None, log_epochs: bool = True,
                l2: float = models.FINAL_L2, batchnorm_momentum: float | None = None,
                ) -> tuple[keras.Model, keras.callbacks.History]:
    """Notebook 04's model and recipe: the final GAP/L2 CNN (L2 and momentum overridable for recipe searches)."""
    training.set_seed(seed)
    momentum = training.FINAL_BATCHNORM_MOMENTUM if batchnorm_momentum is None else batchnorm_momentum
    model = models.build_final_model(input_shape=train[0].shape[1:], l2=l2, batchnorm_momentum=momentum)
    history = training.fit(model, train, validation, recipe or training.FINAL_RECIPE, log_epochs=log_epochs)
    return model, history


def final_model_path(root: str | os.PathLike | None = None, seed: int = config.SEED) -> str:
    """Where notebook 04 saves its model."""
    return str(config.models_dir(root) / f"final_model_seed{seed}.keras")


def final_model_fingerprint(data_dir: str | os.PathLike | None = None, seed: int = config.SEED,
                            recipe: training.Recipe | None = None) -> dict[str, Any]:
    """What notebook 04's model depends on: photos, seed, augmentation, recipe, architecture settings, code."""
    return {
        "step": "final model, report's protocol",
        "photos": data.current_photos(data_dir).fingerprint(),
        "seed": seed,
        "augmentation": asdict(augmentation.AugmentationStrength()),
        "recipe": (recipe or training.FINAL_RECIPE).as_dict(),
        "l2": models.FINAL_L2,
        "batchnorm_momentum": training.FINAL_BATCHNORM_MOMENTUM,
        "code": provenance.code_version(data, augmentation, models, training, sys.modules[__name__]),
    }


def save_final_model(model: keras.Model, data_dir: str | os.PathLike | None = None,
                     root: str | os.PathLike | None = None, seed: int = config.SEED,
                     recipe: training.Recipe | None = None) -> str:
    """Save notebook 04's model with its provenance record (written last, removed first)."""
    path = final_model_path(root, seed)
    fingerprint = final_model_fingerprint(data_dir, seed, recipe)
    provenance.forget(path)
    training.save_model(model, path)
    provenance.record([Path(path)], fingerprint)
    return path


def load_or_train_final_model(
    data_dir: str | os.PathLike | None = None, root: str | os.PathLike | None = None, seed: int = config.SEED
) -> tuple[keras.Model, bool]:
    """Notebook 04's saved model if it was made from these photos, seed, recipe and code; else trained now.

    Returns the model and whether it had to be trained; why a saved model was not reused is logged.
    """
    path = final_model_path(root, seed)
    reason = provenance.stale_reason([Path(path)], final_model_fingerprint(data_dir, seed))
    if reason is None:
        try:
            return keras.models.load_model(path), False
        except Exception as err:  # a damaged .keras file raises anything from zipfile, h5py or Keras itself
            log.warning("The saved final model %s cannot be loaded (%s: %s): training it again.",
                        path, type(err).__name__, err)
    elif os.path.exists(path):
        log.warning("The saved final model %s cannot be reused: %s. Training it again with notebook 04's recipe.",
                    path, reason)
    else:
        log.warning("No saved final model at %s: training it now with notebook 04's recipe.", path)
    _, images, labels, splits = report_protocol_data(data_dir, root, seed)
    model, _ = train_final(take(images, labels, splits["train"]), take(images, labels, splits["validation"]),
                           seed, log_epochs=False)
    save_final_model(model, data_dir, root, seed)
    return model, True
