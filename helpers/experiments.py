"""The end-to-end steps that several notebooks share: the report-protocol data and training each model."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from helpers import augmentation, config, data, evaluation, imaging, models, photos, recipes, sketches, training
from helpers.infra import provenance, storage
from helpers.recipes import Recipe, Variant

log = logging.getLogger(__name__)

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


def final_model_paths(root: str | os.PathLike | None = None, seed: int = config.SEED, n_models: int = 1) -> list[str]:
    """Where notebook 04 saves its model(s): one file, or one per member of an ensemble."""
    stem = config.models_dir(root) / f"final_model_seed{seed}"
    return [f"{stem}.keras"] if n_models == 1 else [f"{stem}_member{i}.keras" for i in range(n_models)]


def final_model_fingerprint(data_dir: str | os.PathLike | None = None, seed: int = config.SEED,
                            variant: str = "D", epochs_cap: int | None = None,
                            image_scale: float = 1.0) -> dict[str, Any]:
    """What notebook 04's model depends on, epoch cap included: a quick run's model is never taken for the full."""
    return {
        "photos": photos.current_photos(data_dir).fingerprint(),
        "seed": seed,
        "variant": variant,
        "recipe": Variant.parse(variant).training(epochs_cap).as_dict(),  # ``code`` covers the constants
        "image_scale": image_scale,
        "code": provenance.code_version(data, augmentation, models, recipes, training, sketches, sys.modules[__name__]),
    }


def save_final_models(members: list[keras.Model], variant: str = "D", data_dir: str | os.PathLike | None = None,
                      root: str | os.PathLike | None = None, seed: int = config.SEED, epochs_cap: int | None = None,
                      image_scale: float = 1.0) -> list[str]:
    """Save notebook 04's model(s) atomically, each with a record of its fingerprint and SHA-256 beside it (written
    last, removed first: a model left without one by a crash is never reused)."""
    paths = final_model_paths(root, seed, len(members))
    fingerprint = final_model_fingerprint(data_dir, seed, variant, epochs_cap, image_scale)
    for member, path in zip(members, paths, strict=True):
        record = Path(path).with_suffix(".provenance.json")
        record.unlink(missing_ok=True)
        storage.atomic_write(path, member.save)
        storage.save_json(record, {"fingerprint": fingerprint, "sha256": provenance.file_sha256(path)})
    return paths


def _why_not_reused(path: str, fingerprint: dict[str, Any]) -> str | None:
    """Why the saved model at ``path`` is not the one ``fingerprint`` describes, in words (None: it is)."""
    record = Path(path).with_suffix(".provenance.json")
    if not os.path.exists(path):
        return "there is no such file"
    try:
        saved = storage.load_json(record)
        differ = [key for key, value in fingerprint.items() if saved["fingerprint"].get(key) != value]
        changed = saved["sha256"] != provenance.file_sha256(path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return f"its provenance record {record.name} is missing or unreadable ({type(err).__name__})"
    if differ:
        words = {"photos": "other photo files", "code": "another version of the code"}
        return "it was made from " + " and ".join(words.get(key, f"another {key}") for key in differ)
    return "it changed after it was recorded" if changed else None


def load_or_train_final_models(data_dir: str | os.PathLike | None = None, root: str | os.PathLike | None = None,
                               seed: int = config.SEED, variant: str = "D", epochs_cap: int | None = None,
                               image_scale: float = 1.0) -> tuple[list[keras.Model], bool, bool]:
    """Notebook 04's saved model(s) if their records match, else trained now and saved (warning why); returns the
    models, whether to predict with flip TTA, and whether they had to be trained."""
    chosen = Variant.parse(variant)
    paths = final_model_paths(root, seed, chosen.models)
    fingerprint = final_model_fingerprint(data_dir, seed, variant, epochs_cap, image_scale)
    reasons = {path: _why_not_reused(path, fingerprint) for path in paths}
    if not any(reasons.values()):
        try:
            return [keras.models.load_model(path) for path in paths], chosen.flip_tta, False
        except Exception as err:  # a damaged .keras file raises anything from zipfile, h5py or Keras itself
            log.warning("A saved final model in %s cannot be loaded (%s: %s): training again.",
                        config.models_dir(root), type(err).__name__, err)
    for path, reason in reasons.items():
        if reason:
            log.warning("The saved final model %s cannot be reused: %s. Training it with notebook 04's recipe.",
                        path, reason)
    balanced, images, labels, splits = report_protocol_data(data_dir, seed)
    images = imaging.downsize(images, image_scale)
    sketch_set = (report_protocol_sketches(balanced, splits, data_dir, seed, image_scale)
                  if chosen.sketches else None)
    train, validation = ((images[splits[role]], labels[splits[role]]) for role in ("train", "validation"))
    members, _, _ = train_variant(train, validation, variant, seed, epochs_cap, sketches=sketch_set)
    save_final_models(members, variant, data_dir, root, seed, epochs_cap, image_scale)
    return members, chosen.flip_tta, True
