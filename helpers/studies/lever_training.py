"""The training half of the levers study (``helpers.studies.levers``): each lever's models on the leak-free
splits, scored on validation photos only, and the nested refit. ``levers`` defines the levers, summarises the rows
and chooses; this module only trains.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from helpers import augmentation, baselines, config, data, evaluation, imaging, protocols, training
from helpers import sketches as sketch_files
from helpers.studies.levers import REFERENCE, Lever

# ---- data -----------------------------------------------------------------------------------------------------


def training_sketches(pairs: pd.DataFrame, sketch_frame: pd.DataFrame, photos_frame: pd.DataFrame,
                      splits: dict[str, np.ndarray]) -> pd.DataFrame:
    """The sketches of this split's training people only (``sketches.for_training``), as a photo-like frame."""
    names = photos_frame["filename"].to_numpy()
    held_out = np.concatenate([names[splits["validation"]], names[splits["test"]]])
    return sketch_files.training_sketches(pairs, sketch_frame, names[splits["train"]], held_out)


def prepare(images: np.ndarray, lever: Lever, scale: float) -> np.ndarray:
    """The lever's input: resized, then grey and/or standardised."""
    images = imaging.downsize(images, lever.scale or scale)
    if lever.grey:
        images = imaging.grey_rgb(images)
    if lever.standardise:
        images = imaging.standardise_per_image(images)
    return images


# ---- one lever ------------------------------------------------------------------------------------------------


def train_lever(lever: Lever, train: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray],
                seed: int, sketch_set: tuple[np.ndarray, np.ndarray] | None, epochs: int | None) -> Any:
    """One model of the lever (seeded); ``sketch_set`` is the prepared, balanced sketches of the training people."""
    import keras

    from helpers import experiments

    keras.backend.clear_session()
    recipe = training.capped(replace(training.FINAL_RECIPE, **lever.recipe), epochs)
    if lever.sketches == "add":
        assert sketch_set is not None
        train = (np.concatenate([train[0], sketch_set[0]]), np.concatenate([train[1], sketch_set[1]]))
    if lever.sketches != "pretrain":
        model, history = experiments.train_final(train, validation, seed, recipe, log_epochs=False)
        return model, history, recipe
    assert sketch_set is not None
    model, _ = experiments.train_final(sketch_set, validation, seed, recipe, log_epochs=False)  # sketches first
    history = training.fit(model, train, validation, recipe, log_epochs=False)  # then the photos
    return model, history, recipe


def lever_rows(lever: Lever, photos_frame: pd.DataFrame, numbers: Sequence[int], seeds: int, scale: float,
               epochs: int | None, sketch_data: tuple[pd.DataFrame, pd.DataFrame] | None, log=print
               ) -> list[dict[str, Any]]:
    """One row per split and training seed: the model's validation scores (flip TTA) and its cost."""
    images = data.stack_images(photos_frame)[0]
    labels = photos_frame["sex"].to_numpy()
    rows = []
    for number in numbers:
        splits, balanced_train = protocols.kfold_leak_free_training(photos_frame, number)
        train_images, train_labels = data.stack_images(balanced_train)
        sketch_set = None
        if lever.sketches:
            assert sketch_data is not None
            frame = training_sketches(*sketch_data, photos_frame, splits)
            balanced = augmentation.balance_by_augmentation(frame, config.SEED + 500 + number)
            sketch_images, sketch_labels = data.stack_images(balanced)
            sketch_set = (prepare(sketch_images, lever, scale), sketch_labels)
        train = (prepare(train_images, lever, scale), train_labels)
        validation = (prepare(images[splits["validation"]], lever, scale), labels[splits["validation"]])
        for i in range(seeds):
            seed = config.SEED + number + 1000 * i  # notebook 07's seeds: split seed, then + 1000 per member
            started = time.perf_counter()
            model, history, recipe = train_lever(lever, train, validation, seed, sketch_set, epochs)
            seconds = time.perf_counter() - started
            scores = training.predict_scores(model, validation[0], tta=True)
            rows.append({"lever": lever.name, "split": number, "seed": seed, "member": i,
                         "validation_labels": [int(y) for y in validation[1]],
                         "validation_scores": [round(float(s), 5) for s in scores],
                         "epochs_run": len(history.history["loss"]), "best_epoch": training.best_epoch(history, recipe),
                         "train_images": len(train[1]) + (len(sketch_set[1]) if lever.sketches == "add" else 0),
                         "seconds": round(seconds, 1)})
            metrics = evaluation.binary_metrics(validation[1], scores)
            log(f"{lever.name:<16} split {number} seed {seed}: validation AUC {metrics['auc']:.3f} acc "
                f"{metrics['accuracy']:.3f} ({seconds:.0f} s, best epoch {rows[-1]['best_epoch']})")
    return rows


# ---- the refit lever (nested) ---------------------------------------------------------------------------------


def refit_rows(photos_frame: pd.DataFrame, numbers: Sequence[int], seeds: int, scale: float, epochs: int | None,
               log=print) -> list[dict[str, Any]]:
    """Per split: the CNN (``seeds`` members, TTA) and pixel logistic regression, each trained on the inner 2/3
    of the training photos, then refitted on all of them; both scored on the split's validation photos at the
    threshold their pre-refit version chose on the inner validation photos."""
    import keras

    from helpers import experiments

    images = data.stack_images(photos_frame)[0]
    labels = photos_frame["sex"].to_numpy()
    features = imaging.grey_pixels(images)
    rows = []
    variant = f"{REFERENCE}+ens{seeds}+tta"
    for number in numbers:
        splits = protocols.kfold_splits(labels, 5, 2, config.SEED)[number]
        inner = protocols.inner_split(labels, splits["train"], config.SEED + number)
        # The refit learns from the inner training + inner validation photos (all the split's training photos);
        # the split's validation photos score it and its test photos are never used: both are held out here.
        held_out = np.concatenate([splits["validation"], splits["test"]])
        all_train = protocols.refit_training_set(photos_frame, {**inner, "test": held_out}, config.SEED + number)
        frame = photos_frame[["filename", "sex", "image_array"]]
        inner_train = augmentation.balance_by_augmentation(frame.iloc[inner["train"]].reset_index(drop=True),
                                                           config.SEED + number)
        x_inner, y_inner = data.stack_images(inner_train)
        x_all, y_all = data.stack_images(all_train)
        down = lambda x: imaging.downsize(x, scale)  # noqa: E731
        inner_validation = (down(images[inner["validation"]]), labels[inner["validation"]])
        validation = (down(images[splits["validation"]]), labels[splits["validation"]])
        keras.backend.clear_session()
        started = time.perf_counter()
        refit = experiments.refit_variant((down(x_inner), y_inner), inner_validation, (down(x_all), y_all),
                                          variant, config.SEED + number, epochs)
        seconds = time.perf_counter() - started
        cnn = {"pre-refit": training.predict_scores(refit.pre_refit_models, validation[0], tta=True),
               "refit": training.predict_scores(refit.models, validation[0], tta=True)}
        for kind, scores in cnn.items():
            rows.append(_refit_row("final CNN", kind, number, validation[1], scores, refit.threshold,
                                   seconds=round(seconds, 1), epochs=refit.epochs))
        # Pixel logistic regression: C and the threshold chosen on the inner validation photos, then refitted.
        inner_set = (features[inner["train"]], labels[inner["train"]])
        inner_val = (features[inner["validation"]], labels[inner["validation"]])
        val_inner_scores, _, info = baselines.run_classical("pixel_logreg", inner_set, inner_val, inner_val)
        threshold = evaluation.youden_threshold(inner_val[1], val_inner_scores)
        for kind, fit_on in (("pre-refit", inner["train"]), ("refit", splits["train"])):
            pipeline = baselines.classical_pipeline("pixel_logreg", info["C"], len(fit_on), features.shape[1])
            pipeline.fit(features[fit_on], labels[fit_on])
            scores = pipeline.predict_proba(features[splits["validation"]])[:, 1]
            rows.append(_refit_row("pixel logreg", kind, number, labels[splits["validation"]], scores, threshold,
                                   C=info["C"]))
        shown = [r for r in rows if r["split"] == number]
        log("refit split " + str(number) + ": " + ", ".join(
            f"{r['method']} {r['kind']} AUC {r['validation_auc']:.3f} acc {r['validation_accuracy']:.3f}"
            for r in shown))
    return rows


def _refit_row(method: str, kind: str, number: int, y: np.ndarray, scores: np.ndarray, threshold: float,
               **extra: Any) -> dict[str, Any]:
    metrics = evaluation.binary_metrics(y, scores, threshold)
    return {"method": method, "kind": kind, "split": number, "threshold": float(threshold),
            "validation_auc": metrics["auc"], "validation_accuracy": metrics["accuracy"], **extra}
