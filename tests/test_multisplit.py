"""Tests of ``helpers.multisplit``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import synthetic_photos

from helpers import baselines, evaluation, methods, training
from helpers.studies import multisplit


def test_majority_class_metrics_exactly():
    y_train = np.array([0] * 66 + [1] * 27)
    y_val = np.array([0] * 41 + [1] * 16)
    y_test = np.array([0] * 27 + [1] * 11)
    dummy = (np.zeros((len(y_train), 4)), y_train)
    val_scores, test_scores, info = baselines.run_classical(
        "majority", dummy, (np.zeros((57, 4)), y_val), (np.zeros((38, 4)), y_test))
    assert info == {"majority_class": 0}
    assert np.all(test_scores == 0) and np.all(val_scores == 0)
    record = multisplit.evaluate_method("majority", y_val, val_scores, y_test, test_scores, threshold=0.5)
    assert record["accuracy"] == pytest.approx(27 / 38)
    assert record["recall"] == 0.0
    assert record["precision"] == 0.0
    assert record["f1"] == 0.0
    assert record["auc"] == 0.5
    assert record["balanced_accuracy"] == 0.5
    assert record["threshold"] == 0.5


def test_evaluate_method_uses_the_validation_threshold():
    y_val = np.array([0, 0, 1, 1])
    val_scores = np.array([0.1, 0.2, 0.3, 0.4])
    y_test = np.array([0, 1, 1])
    test_scores = np.array([0.25, 0.35, 0.9])
    record = multisplit.evaluate_method("m", y_val, val_scores, y_test, test_scores, seed=7)
    assert record["threshold"] == pytest.approx(evaluation.youden_threshold(y_val, val_scores)) == 0.3
    assert record["accuracy"] == 1.0  # at 0.5 it would be 2/3
    assert record["validation_auc"] == 1.0
    assert (record["seed"], record["n_validation"], record["n_test"]) == (7, 4, 3)


@pytest.mark.slow
def test_run_split_on_tiny_images():
    tiny = synthetic_photos(size=(64, 48), seed=1)
    lines: list[str] = []
    methods = ("final_cnn_leak_free", "pixel_logreg", "eigenfaces_logreg", "majority")
    records, leakage = multisplit.run_split(tiny, 3, folds=5, repeats=2, seed=23, image_scale=1.0, epochs_cap=1,
                                          final_variant="D+ens2+tta", methods=methods, log=lines.append)
    assert [r["method"] for r in records] == list(methods)
    assert len(lines) == len(methods) and lines[0].startswith("split 3 | final_cnn_leak_free")
    assert leakage["leak_free"] == 0 and leakage["report_protocol"] > 0
    by_method = {r["method"]: r for r in records}
    assert all(r["split"] == 3 and r["seed"] == 26 for r in records)
    assert all(r["n_test"] in (37, 38) and r["n_validation"] in (56, 57) for r in records)
    assert by_method["final_cnn_leak_free"]["epochs_run"] == 1
    assert by_method["pixel_logreg"]["n_train"] + by_method["pixel_logreg"]["n_validation"] + \
        by_method["pixel_logreg"]["n_test"] == 188
    assert by_method["majority"]["auc"] == 0.5
    assert by_method["majority"]["specificity"] == 1.0 and by_method["majority"]["recall"] == 0.0
    # the correction's n_train counts the photos not tested on, not the augmented training images
    assert all(r["n_not_tested"] == 188 - r["n_test"] for r in records)
    assert by_method["final_cnn_leak_free"]["n_train"] > by_method["pixel_logreg"]["n_train"]
    for record in records:
        assert 0.0 <= record["auc"] <= 1.0 and record["seconds"] >= 0


def test_predict_padded_matches_plain_prediction():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(1, "sigmoid")])
    images = np.random.default_rng(0).random((37, 4, 4, 1), dtype=np.float32)
    padded = multisplit.predict_padded(model, images, batch_size=16)
    assert padded.shape == (37,)
    assert np.allclose(padded, training.predict_scores(model, images), atol=1e-6)


def test_specificity_by_hand_and_in_every_record():
    y_test = np.array([0, 0, 0, 0, 1, 1])
    scores = np.array([0.1, 0.2, 0.6, 0.7, 0.8, 0.3])
    record = multisplit.evaluate_method("m", np.array([0, 1]), np.array([0.2, 0.8]), y_test, scores, threshold=0.5)
    assert record["specificity"] == 0.5  # two of the four male photos under the threshold
    no_male = multisplit.evaluate_method("m", np.array([0, 1]), np.array([0.2, 0.8]), np.array([1, 1]),
                                         np.array([0.2, 0.9]), threshold=0.5)
    assert math.isnan(no_male["specificity"])
    assert record["balanced_accuracy"] == pytest.approx((record["recall"] + record["specificity"]) / 2)
    assert "specificity" in methods.SUMMARY_METRICS and set(methods.PREVALENCE_FREE) <= set(methods.SUMMARY_METRICS)
