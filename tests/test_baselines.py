"""Tests of ``helpers.baselines``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import baselines, imaging, protocols
from helpers.studies import multisplit


def synthetic_photos(n_male: int = 134, n_female: int = 54, size: tuple[int, int] = (20, 16),
                     seed: int = 0, separable: bool = False) -> pd.DataFrame:
    """A stand-in for the 188 photos: random small images; ``separable``: dark men, bright women."""
    rng = np.random.default_rng(seed)
    labels = np.array([0] * n_male + [1] * n_female)
    base = np.where(labels == 1, 0.7, 0.3) if separable else np.full(len(labels), 0.5)
    noise = rng.normal(0, 0.1 if separable else 0.25, (len(labels), *size, 3))
    images = np.clip(base[:, None, None, None] + noise, 0, 1).astype(np.float32)
    names = [f"m-{i:03d}-01.jpg" for i in range(n_male)] + [f"f-{i:03d}-01.jpg" for i in range(n_female)]
    return pd.DataFrame({"filename": names, "sex": labels, "image_array": list(images)})


@pytest.mark.parametrize("method", ["pixel_logreg", "eigenfaces_logreg"])
def test_classical_baselines_separate_bright_from_dark(method):
    toy = synthetic_photos(40, 20, size=(20, 16), seed=3, separable=True)
    images, labels = np.stack(toy["image_array"]), toy["sex"].to_numpy()
    features = imaging.grey_pixels(images, (10, 8))
    split = protocols.photo_split(toy, 0)
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
