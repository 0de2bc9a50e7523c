"""The end-to-end steps that several notebooks and studies share: the report-protocol data and training each model."""

from __future__ import annotations

import os
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd

from helpers import augmentation, config, data, evaluation, imaging, models, recipes, sketches, training
from helpers.recipes import Recipe, Variant

Arrays = tuple[np.ndarray, np.ndarray]


def report_protocol_data(data_dir: str | os.PathLike | None = None, seed: int = config.SEED
                         ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The report's protocol: 268 balanced images (augment first), then a stratified seeded split."""
    balanced = augmentation.balance_by_augmentation(data.prepared_photos(data_dir), seed=seed)
    images, labels = data.stack_images(balanced)
    return balanced, images, labels, data.split_indices(labels, seed=seed, stratify=True)


def report_protocol_sketches(balanced: pd.DataFrame, splits: dict[str, np.ndarray],
                             data_dir: str | os.PathLike | None = None, seed: int = config.SEED,
                             image_scale: float = 1.0) -> Arrays:
    """The sketches a ``sketch`` variant trains on under the report's split (balanced with seed ``seed + 500``)."""
    roles = {role: balanced.iloc[index] for role, index in splits.items()}
    frame = sketches.training_sketch_set(roles, sketches.load_paired(data_dir), seed + 500)
    x, y = data.stack_images(frame)
    return imaging.downsize(x, image_scale), y


def train_baseline(train: Arrays, validation: Arrays, seed: int = config.SEED,
                   recipe: Recipe = recipes.BASELINE_RECIPE, log_epochs: bool = True
                   ) -> tuple[keras.Model, keras.callbacks.History]:
    """Notebook 02's model and recipe: the baseline CNN with class weights from the training labels."""
    training.set_seed(seed)
    model = models.build_baseline_model(input_shape=train[0].shape[1:])
    history = training.fit(model, train, validation, recipe,
                           class_weight=training.balanced_class_weights(train[1]), log_epochs=log_epochs)
    return model, history


def train_final(train: Arrays, validation: Arrays, seed: int = config.SEED, recipe: Recipe = recipes.FINAL_RECIPE,
                log_epochs: bool = True, standardise: bool = False) -> tuple[keras.Model, keras.callbacks.History]:
    """Notebook 04's model and recipe: the final GAP/L2 CNN (``standardise``: per-image standardisation first)."""
    training.set_seed(seed)
    model = models.build_final_model(input_shape=train[0].shape[1:], standardise=standardise)
    history = training.fit(model, train, validation, recipe, log_epochs=log_epochs)
    return model, history


def train_variant(train: Arrays, validation: Arrays, variant: str, seed: int = config.SEED,
                  epochs_cap: int | None = None, sketches: Arrays | None = None
                  ) -> tuple[list[keras.Model], list[keras.callbacks.History], bool]:
    """A final-CNN variant's models (seeds ``seed, seed + 1000, ...``), their histories and whether to use flip TTA."""
    chosen = Variant.parse(variant)
    train = _with_sketches(train, sketches, chosen)
    trained = [train_final(train, validation, seed + 1000 * i, chosen.training(epochs_cap), log_epochs=False,
                           standardise=chosen.standardise) for i in range(chosen.models)]
    return [m for m, _ in trained], [h for _, h in trained], chosen.flip_tta


def _with_sketches(train: Arrays, sketches: Arrays | None, variant: Variant) -> Arrays:
    """``train`` with ``sketches`` joined, which a ``sketch`` variant needs and any other refuses: none is dropped."""
    if variant.sketches != (sketches is not None):
        raise ValueError(f"variant {variant.name!r} " + ("needs sketches" if variant.sketches else "takes no sketches"))
    return train if sketches is None else tuple(np.concatenate(pair) for pair in zip(train, sketches, strict=True))


@dataclass(frozen=True)
class Refit:
    """A variant refitted on more photos, with the threshold its pre-refit models chose on validation."""

    models: list[keras.Model]
    pre_refit_models: list[keras.Model]  # trained on the training photos, early-stopped on validation
    threshold: float  # Youden's J on the pre-refit models' validation scores
    validation_scores: np.ndarray  # the pre-refit models' (the refit models never score validation)
    epochs: list[int]  # per member: the pre-refit best epoch, the length of its refit
    tta: bool


def refit_variant(train: Arrays, validation: Arrays, refit_train: Arrays, variant: str, seed: int = config.SEED,
                  epochs_cap: int | None = None) -> Refit:
    """Train ``variant``, choose its threshold on validation, then refit its members on ``refit_train``."""
    members, histories, tta = train_variant(train, validation, variant, seed, epochs_cap)
    scores = training.predict_scores(members, validation[0], tta=tta)
    threshold = evaluation.youden_threshold(validation[1], scores)
    refitted, epochs = refit_members(histories, refit_train, variant, seed, epochs_cap)
    return Refit(refitted, members, threshold, scores, epochs, tta)


def refit_members(histories: list[keras.callbacks.History], refit_train: Arrays, variant: str,
                  seed: int = config.SEED, epochs_cap: int | None = None, sketches: Arrays | None = None
                  ) -> tuple[list[keras.Model], list[int]]:
    """Each pre-refit member (``train_variant``'s seeds) trained afresh on ``refit_train`` with its learning rates up
    to its best epoch; returns the models and their epoch counts."""
    chosen = Variant.parse(variant)
    refit_train = _with_sketches(refit_train, sketches, chosen)
    if len(histories) != chosen.models:
        raise ValueError(f"variant {variant!r} has {chosen.models} member(s), not {len(histories)} histories")
    recipe = chosen.training(epochs_cap)
    refitted, epochs = [], []
    for i, history in enumerate(histories):
        rates = training.refit_schedule(history, recipe)
        training.set_seed(seed + 1000 * i)
        model = models.build_final_model(input_shape=refit_train[0].shape[1:], standardise=chosen.standardise)
        refitted.append(training.fit_fixed(model, refit_train, recipe, rates))
        epochs.append(len(rates))
    return refitted, epochs
