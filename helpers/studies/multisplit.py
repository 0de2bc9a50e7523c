"""Notebooks 06 and 07's runner: every method of ``helpers.methods.METHODS`` on one split of the repeated K-fold.

Each method chooses its threshold on validation (Youden's J; 0.5 for the majority class); a refit (``REFIT_OF``)
keeps its base's threshold, epochs or C and trains again on training + validation photos.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import recall_score

from helpers import baselines, config, data, evaluation
from helpers.methods import CNN_METHODS, LEAK_FREE, LEAKY, MAJORITY, METHODS, REFIT_OF

if TYPE_CHECKING:  # TensorFlow loads only when a split runs: the summaries and the model card need the constants
    import keras

    from helpers.protocols import Roles

Arrays = tuple[np.ndarray, np.ndarray]


def train_cnn(method: str, train: Arrays, validation: Arrays | None, test: Arrays, seed: int,
              epochs_cap: int | None = None, final_variant: str = "D", sketches: Arrays | None = None,
              refit_of: list[keras.callbacks.History] | None = None
              ) -> tuple[np.ndarray, np.ndarray, dict[str, Any], list[keras.callbacks.History]]:
    """One CNN trained (or, given its members' histories ``refit_of``, refit on ``train``): its validation and test
    scores, what it ran and the members' histories."""
    import keras

    from helpers import experiments, training
    from helpers.recipes import BASELINE_RECIPE, Variant

    keras.backend.clear_session()  # dozens of models in one kernel: free the previous graphs
    if refit_of is not None:  # each member again, for its best epoch count (experiments.refit_members)
        members, ran = experiments.refit_members(refit_of, train, final_variant, seed, epochs_cap, sketches=sketches)
        histories, best, tta = [], ran, Variant.parse(final_variant).flip_tta
    else:
        if method == "baseline_cnn":
            recipe = BASELINE_RECIPE.capped(epochs_cap)
            model, history = experiments.train_baseline(train, validation, seed, recipe, log_epochs=False)
            members, tta, histories = [model], False, [history]
        else:  # LEAKY or LEAK_FREE
            members, histories, tta = experiments.train_variant(train, validation, final_variant, seed, epochs_cap,
                                                                sketches=sketches)
            recipe = Variant.parse(final_variant).training(epochs_cap)
        ran, best = [len(h.history["loss"]) for h in histories], [training.best_epoch(h, recipe) for h in histories]
    info = {"epochs_run": float(np.mean(ran)), "best_epoch": float(np.mean(best)),
            "n_sketches": 0 if sketches is None else len(sketches[1])}
    images = test[0] if validation is None else np.concatenate([validation[0], test[0]])
    scores = predict_padded(members, images, tta=tta)
    return scores[:len(images) - len(test[0])], scores[len(images) - len(test[0]):], info, histories


def predict_padded(model: keras.Model | list[keras.Model], images: np.ndarray, batch_size: int = 32,
                   tta: bool = False) -> np.ndarray:
    """``training.predict_scores`` on images zero-padded to whole batches (one graph per model), then trimmed."""
    from helpers import training

    missing = -len(images) % batch_size
    padded = np.concatenate([images, np.zeros((missing, *images.shape[1:]), images.dtype)]) if missing else images
    return training.predict_scores(model, padded, batch_size, tta=tta)[:len(images)]


def evaluate_method(method: str, y_val: np.ndarray, val_scores: np.ndarray, y_test: np.ndarray,
                    test_scores: np.ndarray, threshold: float | None = None, **extra: Any) -> dict[str, Any]:
    """One record: test metrics at the threshold chosen on validation (Youden's J unless ``threshold`` is given)."""
    if threshold is None:
        threshold = evaluation.youden_threshold(y_val, val_scores)
    validation_auc = evaluation.binary_metrics(y_val, val_scores)["auc"]
    metrics = evaluation.binary_metrics(y_test, test_scores, threshold)
    # Specificity: the share of male photos (label 0) predicted male; NaN on a test set without one.
    metrics["specificity"] = float(recall_score(y_test, np.asarray(test_scores) >= threshold, pos_label=0,
                                                zero_division=np.nan))
    # The test scores travel with the record: notebook 06 draws the reliability curve of every split from them.
    return {"method": method, "validation_auc": validation_auc, **metrics,
            "n_validation": len(y_val), "n_test": len(y_test),
            "test_labels": [int(y) for y in y_test], "test_scores": [round(float(p), 5) for p in test_scores], **extra}


def record_line(record: dict[str, Any]) -> str:
    """A record in one line, as a split prints it (``n_sketches`` may be missing or NaN)."""
    sketches = record.get("n_sketches")
    added = f" + {int(sketches)} sketches" if sketches and sketches > 0 else ""
    return (f"split {record['split']} | {record['method']:<25} | test AUC {record['auc']:.3f} | acc "
            f"{record['accuracy']:.3f} | bal. acc {record['balanced_accuracy']:.3f} | {record['n_train']:>3} "
            f"train{added} / {record['n_test']} test | {record['seconds']:6.1f} s")


def run_split(photos: pd.DataFrame, number: int, folds: int = 5, repeats: int = 2, seed: int = config.SEED,
              image_scale: float = 0.5, epochs_cap: int | None = None, final_variant: str = "D",
              methods: tuple[str, ...] = tuple(METHODS), log: Callable[[str], None] | None = print,
              sketch_data: tuple[pd.DataFrame, pd.DataFrame] | None = None
              ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Every method on split ``number`` of a repeated stratified K-fold: the records and the leakage.

    ``n_not_tested`` (the pool's photos not tested on) is the Nadeau-Bengio n_train, not inflated by augmented copies.
    """
    from helpers import sketches
    from helpers.imaging import downsize, grey_pixels  # these import TensorFlow: only here, when a split runs
    from helpers.protocols import ROLES, assert_disjoint, kfold_roles, leaked_images, refit_training_set
    from helpers.recipes import Variant

    if Variant.parse(final_variant).sketches != (sketch_data is not None):
        raise ValueError(f"final variant {final_variant!r} " + ("needs sketch_data=sketches.load_paired(...)"
                         if sketch_data is None else "takes no sketches: leave sketch_data out"))
    for position, method in enumerate(methods):
        if method in REFIT_OF and REFIT_OF[method] not in methods[:position]:
            raise ValueError(f"{method!r} refits {REFIT_OF[method]!r}: list that method before it")

    split_seed = seed + number  # the training seed of this split's models
    images, labels = data.stack_images(photos)
    plan = kfold_roles(photos, number, folds, repeats, seed)
    splits, leak_free, report = plan["photo_splits"], plan["leak_free"], plan["report"]
    assert_disjoint(leak_free)
    leakage = {"report_protocol": leaked_images(report), "leak_free": leaked_images(leak_free)}

    def cnn_arrays(roles: Roles) -> tuple[Arrays, ...]:
        return tuple((downsize(x, image_scale), y) for x, y in (data.stack_images(roles[r]) for r in ROLES))

    def sketch_arrays(roles: Roles) -> Arrays | None:
        if sketch_data is None:
            return None
        x, y = data.stack_images(sketches.training_sketch_set(roles, sketch_data, split_seed + 500))
        return downsize(x, image_scale), y

    photo_cnn = tuple((downsize(images[splits[r]], image_scale), labels[splits[r]]) for r in ROLES)
    features = grey_pixels(images)
    photo_features = tuple((features[splits[r]], labels[splits[r]]) for r in ROLES)
    seen = np.concatenate([splits["train"], splits["validation"]])
    cnn_data = {"baseline_cnn": lambda: (*photo_cnn, None), LEAKY: lambda: (*cnn_arrays(report), sketch_arrays(report)),
                LEAK_FREE: lambda: (*cnn_arrays(leak_free), sketch_arrays(leak_free))}

    records, fitted = [], {}  # fitted: what each base method's refit reuses (scores, threshold, histories, C)
    for method in methods:
        started, histories = time.perf_counter(), None
        if method in REFIT_OF:
            val, test, val_scores, base_info, base_histories = fitted[REFIT_OF[method]]
            if REFIT_OF[method] == LEAK_FREE:
                # The training and validation photos balanced by augmentation, and the sketches of everyone not
                # tested on; the test photos stay out (refit_training_set refuses them).
                frame = refit_training_set(photos, splits, split_seed)
                x, y = data.stack_images(frame)
                train = (downsize(x, image_scale), y)
                refit_sketches = sketch_arrays({"train": frame, "validation": leak_free["validation"].iloc[:0],
                                                "test": leak_free["test"]})
                _, test_scores, info, _ = train_cnn(method, train, None, test, split_seed, epochs_cap, final_variant,
                                                    refit_sketches, base_histories)
            else:
                train = (features[seen], labels[seen])
                test_scores, info = baselines.refit_classical(REFIT_OF[method], base_info["C"], train, test)
            info["refit_of"] = REFIT_OF[method]
        elif method in CNN_METHODS:
            train, val, test, sketch_set = cnn_data[method]()
            val_scores, test_scores, info, histories = train_cnn(method, train, val, test, split_seed, epochs_cap,
                                                                 final_variant, sketch_set)
        else:
            train, val, test = photo_features
            val_scores, test_scores, info = baselines.run_classical(method, train, val, test)
        fitted[method] = (val, test, val_scores, info, histories)
        # A refit keeps its base's threshold: Youden's J on the base's validation scores, computed again here.
        threshold = 0.5 if method == MAJORITY else None
        pool = sum(len(report[r]) for r in ROLES) if method == LEAKY else len(photos)
        record = evaluate_method(method, val[1], val_scores, test[1], test_scores, threshold,
                                 split=number, seed=split_seed, n_train=len(train[1]),
                                 n_not_tested=pool - len(test[1]), **info)
        record["seconds"] = round(time.perf_counter() - started, 1)
        records.append(record)
        if log:
            log(record_line(record))
    return records, leakage
