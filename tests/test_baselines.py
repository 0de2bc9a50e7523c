"""Tests of ``helpers.baselines``."""

from __future__ import annotations

import numpy as np
import pytest
from support import synthetic_photos

from helpers import baselines, data, imaging, protocols
from helpers.studies import multisplit


@pytest.mark.parametrize("method", ["pixel_logreg", "eigenfaces_logreg"])
def test_classical_baselines_separate_bright_from_dark(method):
    toy = synthetic_photos(40, 20, size=(20, 16), seed=3, separable=True)
    images, labels = np.stack(toy["image_array"]), toy["sex"].to_numpy()
    features = imaging.grey_pixels(images, (10, 8))
    split = data.split_indices(labels, seed=0, stratify=True)
    train, val, test = ((features[split[r]], labels[split[r]]) for r in protocols.ROLES)
    val_scores, test_scores, info = baselines.run_classical(method, train, val, test)
    assert info["C"] in baselines.C_GRID
    assert val_scores.shape == val[1].shape and test_scores.shape == test[1].shape
    record = multisplit.evaluate_method(method, val[1], val_scores, test[1], test_scores)
    assert record["auc"] > 0.9
    assert record["balanced_accuracy"] > 0.8


def test_classical_pipeline_components_fit_small_training_sets():
    pipeline = baselines.classical_pipeline("eigenfaces_logreg", 1.0, n_train=12, n_features=80)
    assert pipeline.named_steps["pca"].n_components == 11
    assert baselines.classical_pipeline("eigenfaces_logreg", 1.0, 93, 2000).named_steps["pca"].n_components == 30
    with pytest.raises(ValueError):
        baselines.classical_pipeline("svm", 1.0, 10, 10)
