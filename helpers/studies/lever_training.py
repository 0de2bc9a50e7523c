"""The training half of the levers study (``helpers.studies.levers``): each lever's models on the leak-free splits,
scored on validation photos only, and the nested refit."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import keras
import numpy as np
import pandas as pd

from helpers import augmentation, baselines, config, data, evaluation, experiments, imaging, protocols, training
from helpers import sketches as sketch_files
from helpers.recipes import FINAL_RECIPE, Recipe
from helpers.studies.levers import REFERENCE, Lever

Arrays = tuple[np.ndarray, np.ndarray]


def prepare(images: np.ndarray, lever: Lever, scale: float) -> np.ndarray:
    """The lever's input: resized, then grey and/or standardised."""
    images = imaging.downsize(images, lever.scale or scale)
    if lever.grey:
        images = imaging.grey_rgb(images)
    return imaging.standardise_per_image(images) if lever.standardise else images


def train_lever(lever: Lever, train: Arrays, validation: Arrays, seed: int, sketch_set: Arrays | None,
                epochs: int | None) -> tuple[keras.Model, Any, Recipe]:
    """One model of the lever (seeded); ``sketch_set``: the prepared, balanced sketches of the training people."""
    keras.backend.clear_session()
    recipe = replace(FINAL_RECIPE, **lever.recipe).capped(epochs)
    if lever.sketches == "add":
        train = (np.concatenate([train[0], sketch_set[0]]), np.concatenate([train[1], sketch_set[1]]))
    if lever.sketches != "pretrain":
        model, history = experiments.train_final(train, validation, seed, recipe, log_epochs=False)
        return model, history, recipe
    model, _ = experiments.train_final(sketch_set, validation, seed, recipe, log_epochs=False)  # sketches first
    return model, training.fit(model, train, validation, recipe, log_epochs=False), recipe  # then the photos


def lever_rows(lever: Lever, photos_frame: pd.DataFrame, numbers: Sequence[int], seeds: int, scale: float,
               epochs: int | None, sketch_data: tuple[pd.DataFrame, pd.DataFrame] | None) -> list[dict[str, Any]]:
    """One row per split and training seed: the model's validation scores (flip TTA) and its cost."""
    images, labels = data.stack_images(photos_frame)
    rows = []
    for number in numbers:
        splits, balanced_train = protocols.kfold_leak_free_training(photos_frame, number)
        train_images, train_labels = data.stack_images(balanced_train)
        sketch_set = None
        if lever.sketches:  # the sketches of the split's training people only, balanced
            roles = {role: photos_frame.iloc[index] for role, index in splits.items()}
            sketch_images, sketch_labels = data.stack_images(
                sketch_files.training_sketch_set(roles, sketch_data, config.SEED + 500 + number))
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
            print(f"{lever.name:<16} split {number} seed {seed}: validation AUC {metrics['auc']:.3f} acc "
                  f"{metrics['accuracy']:.3f} ({seconds:.0f} s, best epoch {rows[-1]['best_epoch']})")
    return rows


def refit_rows(photos_frame: pd.DataFrame, numbers: Sequence[int], seeds: int, scale: float,
               epochs: int | None) -> list[dict[str, Any]]:
    """Per split: the CNN and pixel logistic regression trained on the inner 2/3 of the training photos, then
    refitted on all; scored on validation at the threshold chosen on the inner validation photos."""
    images, labels = data.stack_images(photos_frame)
    features = imaging.grey_pixels(images)
    rows = []

    def add(method: str, kind: str, number: int, y: np.ndarray, scores: np.ndarray, threshold: float,
            **extra: Any) -> None:
        metrics = evaluation.binary_metrics(y, scores, threshold)
        rows.append({"method": method, "kind": kind, "split": number, "threshold": float(threshold),
                     "validation_auc": metrics["auc"], "validation_accuracy": metrics["accuracy"], **extra})

    for number in numbers:
        splits = protocols.kfold_splits(labels, 5, 2, config.SEED)[number]
        inner = protocols.inner_split(labels, splits["train"], config.SEED + number)
        # The refit learns from all the split's training photos; its validation and test photos are held out.
        held_out = np.concatenate([splits["validation"], splits["test"]])
        all_train = protocols.refit_training_set(photos_frame, {**inner, "test": held_out}, config.SEED + number)
        frame = photos_frame[["filename", "sex", "image_array"]]
        inner_train = augmentation.balance_by_augmentation(frame.iloc[inner["train"]].reset_index(drop=True),
                                                           config.SEED + number)
        down = {name: (imaging.downsize(x, scale), y) for name, (x, y) in (
            ("inner", data.stack_images(inner_train)), ("all", data.stack_images(all_train)),
            ("inner validation", (images[inner["validation"]], labels[inner["validation"]])),
            ("validation", (images[splits["validation"]], labels[splits["validation"]])))}
        keras.backend.clear_session()
        started = time.perf_counter()
        refit = experiments.refit_variant(down["inner"], down["inner validation"], down["all"],
                                          f"{REFERENCE}+ens{seeds}+tta", config.SEED + number, epochs)
        seconds = round(time.perf_counter() - started, 1)
        x_val, y_val = down["validation"]
        for kind, members in (("pre-refit", refit.pre_refit_models), ("refit", refit.models)):
            add("final CNN", kind, number, y_val, training.predict_scores(members, x_val, tta=True), refit.threshold,
                seconds=seconds, epochs=refit.epochs)
        # Pixel logistic regression: C and the threshold chosen on the inner validation photos, then refitted.
        inner_val = (features[inner["validation"]], labels[inner["validation"]])
        val_inner_scores, _, info = baselines.run_classical(
            "pixel_logreg", (features[inner["train"]], labels[inner["train"]]), inner_val, inner_val)
        threshold = evaluation.youden_threshold(inner_val[1], val_inner_scores)
        for kind, fit_on in (("pre-refit", inner["train"]), ("refit", splits["train"])):
            pipeline = baselines.classical_pipeline("pixel_logreg", info["C"], len(fit_on), features.shape[1])
            pipeline.fit(features[fit_on], labels[fit_on])
            add("pixel logreg", kind, number, y_val, pipeline.predict_proba(features[splits["validation"]])[:, 1],
                threshold, C=info["C"])
        print(f"refit split {number}: " + ", ".join(
            f"{r['method']} {r['kind']} AUC {r['validation_auc']:.3f} acc {r['validation_accuracy']:.3f}"
            for r in rows if r["split"] == number))
    return rows
