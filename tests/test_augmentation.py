"""Seeded augmentation and balancing the classes with augmented minority photos."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import augmentation

H, W = 250, 200


def random_images(n: int, seed: int = 0) -> np.ndarray:
    """Smooth-ish random images (a blurred noise field) so that geometric transforms are visible."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((n, H // 25, W // 25, 3), dtype=np.float32)
    return np.repeat(np.repeat(coarse, 25, axis=1), 25, axis=2)


def synthetic_frame(n_male: int, n_female: int, seed: int = 0) -> pd.DataFrame:
    images = random_images(n_male + n_female, seed)
    names = [f"m-{i:03d}-01.jpg" for i in range(n_male)] + [f"f-{i:03d}-01.jpg" for i in range(n_female)]
    return pd.DataFrame({"filename": names, "sex": [0] * n_male + [1] * n_female, "image_array": list(images)})


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return random_images(6, seed=1)


@pytest.fixture(scope="module")
def augmented(images) -> np.ndarray:
    return augmentation.augment_images(images, seed=23)


def test_augment_keeps_shape_dtype_and_range(images, augmented):
    assert augmented.shape == images.shape
    assert augmented.dtype == images.dtype == np.float32
    assert augmented.min() >= 0.0
    assert augmented.max() <= 1.0
    # quantised to 8 bits, like a saved image file
    assert np.allclose(augmented * 255, np.rint(augmented * 255), atol=1e-3)
    assert len(np.unique(augmented)) <= 256


def test_augment_changes_every_image(images, augmented):
    for before, after in zip(images, augmented, strict=True):
        assert not np.array_equal(before, after)
        assert np.abs(before - after).mean() > 0.01


def test_augment_is_deterministic_for_a_seed(images, augmented):
    again = augmentation.augment_images(images, seed=23)
    assert np.array_equal(again, augmented)


def test_augment_differs_for_another_seed(images, augmented):
    other = augmentation.augment_images(images, seed=24)
    assert not np.array_equal(other, augmented)
    assert all(not np.array_equal(a, b) for a, b in zip(other, augmented, strict=True))


def test_augment_more_than_one_batch():
    many = random_images(33, seed=2)  # batches of 32: the last batch has one image
    out = augmentation.augment_images(many, seed=5)
    assert out.shape == many.shape
    first = augmentation.augment_images(many[:32], seed=5)
    assert np.array_equal(out[:32], first)


def test_augmenter_layers():
    layers = augmentation.augmenter(seed=3)
    names = [type(layer).__name__ for layer in layers.layers]
    assert names == ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation"]
    assert all(layer.fill_mode == "nearest" for layer in layers.layers[1:])


# ---- choose_sources -----------------------------------------------------------------------------


def test_choose_sources_spreads_evenly():
    candidates = np.array([3, 5, 8, 13])
    chosen = augmentation.choose_sources(candidates, 10, seed=0)
    assert len(chosen) == 10
    assert set(chosen) <= set(candidates)
    assert sorted(chosen[:4]) == sorted(candidates)  # each used once ...
    assert sorted(chosen[4:8]) == sorted(candidates)  # ... before any twice
    counts = np.unique(chosen, return_counts=True)[1]
    assert sorted(counts) == [2, 2, 3, 3]


@pytest.mark.parametrize("count", [1, 3, 4])
def test_choose_sources_fewer_than_candidates_are_distinct(count):
    chosen = augmentation.choose_sources(np.arange(10, 14), count, seed=1)
    assert len(chosen) == count
    assert len(set(chosen.tolist())) == count


def test_choose_sources_is_seeded():
    candidates = np.arange(54)
    first = augmentation.choose_sources(candidates, 80, seed=23)
    assert np.array_equal(first, augmentation.choose_sources(candidates, 80, seed=23))
    assert not np.array_equal(first, augmentation.choose_sources(candidates, 80, seed=24))


# ---- balance_by_augmentation --------------------------------------------------------------------


def check_balanced(frame: pd.DataFrame, balanced: pd.DataFrame) -> pd.DataFrame:
    """The checks every balanced frame must pass; returns its augmented rows."""
    counts = frame["sex"].value_counts()
    majority = int(counts.max())
    minority = int(counts.idxmin())
    assert balanced["sex"].value_counts().to_dict() == {0: majority, 1: majority}
    assert len(balanced) == 2 * majority
    assert list(balanced.columns) == ["filename", "sex", "image_array", "source", "augmented"]
    assert balanced["filename"].is_unique
    assert balanced.index.tolist() == list(range(len(balanced)))

    originals = balanced.iloc[: len(frame)]
    assert originals["filename"].tolist() == frame["filename"].tolist()
    assert originals["sex"].tolist() == frame["sex"].tolist()
    assert (originals["source"] == originals["filename"]).all()
    assert not originals["augmented"].any()
    for got, want in zip(originals["image_array"], frame["image_array"], strict=True):
        assert np.array_equal(got, want)

    new = balanced.iloc[len(frame) :]
    assert new["augmented"].all()
    assert (new["sex"] == minority).all()
    minority_names = set(frame.loc[frame["sex"] == minority, "filename"])
    assert set(new["source"]) <= minority_names
    uses = new["source"].value_counts()
    assert uses.max() - uses.min() <= 1  # spread evenly
    if len(new) >= len(minority_names):
        assert set(new["source"]) == minority_names
    by_name = dict(zip(frame["filename"], frame["image_array"], strict=True))
    for _, row in new.iterrows():
        assert row["filename"].startswith(f"{augmentation.AUGMENTED_PREFIX}-")
        assert row["filename"].endswith(row["source"])
        assert row["image_array"].shape == (H, W, 3)
        assert row["image_array"].dtype == np.float32
        assert not np.array_equal(row["image_array"], by_name[row["source"]])
    return new


def test_balance_synthetic_frame():
    frame = synthetic_frame(10, 4)
    balanced = augmentation.balance_by_augmentation(frame, seed=23)
    new = check_balanced(frame, balanced)
    assert len(new) == 6
    assert sorted(new["source"].value_counts().tolist()) == [1, 1, 2, 2]
    # The input frame is left as it was.
    assert list(frame.columns) == ["filename", "sex", "image_array"]
    assert len(frame) == 14


def test_balance_is_seeded():
    frame = synthetic_frame(6, 3, seed=4)
    first = augmentation.balance_by_augmentation(frame, seed=7)
    second = augmentation.balance_by_augmentation(frame, seed=7)
    assert first["filename"].tolist() == second["filename"].tolist()
    for a, b in zip(first["image_array"], second["image_array"], strict=True):
        assert np.array_equal(a, b)


def test_balance_when_males_are_the_minority():
    frame = synthetic_frame(3, 5, seed=2)
    balanced = augmentation.balance_by_augmentation(frame)
    new = check_balanced(frame, balanced)
    assert len(new) == 2
    assert (new["sex"] == 0).all()
    assert all(name.startswith("m-") for name in new["source"])


def test_balance_already_balanced_frame():
    frame = synthetic_frame(3, 3)
    balanced = augmentation.balance_by_augmentation(frame)
    assert len(balanced) == 6
    assert (balanced["source"] == balanced["filename"]).all()
    assert not balanced["augmented"].any()


def test_balance_ignores_the_frame_index():
    frame = synthetic_frame(5, 2, seed=3)
    shuffled = frame.sample(frac=1.0, random_state=0)  # index no longer 0..n-1
    balanced = augmentation.balance_by_augmentation(shuffled, seed=1)
    check_balanced(shuffled.reset_index(drop=True), balanced)


def test_balance_real_photos(real_photos):
    balanced = augmentation.balance_by_augmentation(real_photos)
    new = check_balanced(real_photos, balanced)
    assert len(balanced) == 268
    assert len(new) == 80
    assert sorted(set(new["source"].value_counts().tolist())) == [1, 2]  # 80 = 54 + 26
    assert all(name.startswith("f") for name in new["source"])


def _images(n: int = 6, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 20, 16, 3)).astype(np.float32)


def test_online_batches_differ_between_epochs_and_keep_their_labels():
    images, labels = _images(8), np.array([0, 1, 0, 1, 1, 0, 0, 1])
    batches = augmentation.AugmentedBatches(images, labels, batch_size=8, seed=3)
    assert len(batches) == 1
    first_x, first_y = batches[0]
    batches.on_epoch_end()
    second_x, second_y = batches[0]
    assert first_x.shape == second_x.shape == images.shape
    assert not np.allclose(first_x, second_x), "each epoch draws new transformations"
    assert not any(np.allclose(first_x[i], images[j]) for i in range(8) for j in range(8)), "every image augmented"
    # Labels follow their images through the shuffle: the sorted label multiset is unchanged each epoch.
    assert sorted(first_y.tolist()) == sorted(second_y.tolist()) == sorted(labels.tolist())
    assert np.array_equal(second_y, labels[batches._order])


def test_online_batches_are_reproducible_from_the_seed():
    images, labels = _images(5), np.arange(5) % 2
    a = augmentation.AugmentedBatches(images, labels, batch_size=2, seed=7)
    b = augmentation.AugmentedBatches(images, labels, batch_size=2, seed=7)
    assert len(a) == 3
    for i in range(len(a)):
        np.testing.assert_allclose(a[i][0], b[i][0])
        np.testing.assert_array_equal(a[i][1], b[i][1])
