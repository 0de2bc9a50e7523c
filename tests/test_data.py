"""Labels, loading the real photos, stacking, the seeded split and finding the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import assert_same_photos

from helpers import config, data, photos

N_PHOTOS, N_MALE, N_FEMALE = 188, 134, 54


# The report's test set: seed 23, unstratified. Pinned so that no change to the loading
# order, the file filter or the split can move a photo between train and test unnoticed.
UNSTRATIFIED_TEST_NAMES = [
    "f-013-01.jpg", "f-015-01.jpg", "f-019-01.jpg", "f-023-01.jpg", "f-024-01.jpg", "f-033-01.jpg",
    "f-035-01.jpg", "f1-006-01.jpg", "f1-008-01.jpg", "f1-009-01.jpg", "m-012-01.jpg", "m-013-01.jpg",
    "m-018-01.jpg", "m-022-01.jpg", "m-027-01.jpg", "m-028-01.jpg", "m-030-01.jpg", "m-041-01.jpg",
    "m-042-01.jpg", "m-052-01.jpg", "m-057-01.jpg", "m-060-01.jpg", "m-062-01.jpg", "m-066-01.jpg",
    "m-076-01.jpg", "m-077-01.jpg", "m-085-01.jpg", "m-088-01.jpg", "m1-005-01.jpg", "m1-009-01.jpg",
    "m1-010-01.jpg", "m1-011-01.jpg", "m1-016-01.jpg", "m1-021-01.jpg", "m1-022-01.jpg", "m1-028-01.jpg",
    "m1-030-01.jpg", "m1-040-01.jpg",
]  # fmt: skip
STRATIFIED_TEST_NAMES = [
    "f-006-01.jpg", "f-007-01.jpg", "f-011-01.jpg", "f-019-01.jpg", "f-021-01.jpg", "f-025-01.jpg",
    "f-028-01.jpg", "f-030-01.jpg", "f-043-01.jpg", "f1-002-01.jpg", "f1-008-01.jpg", "m-014-01.jpg",
    "m-021-01.jpg", "m-028-01.jpg", "m-030-01.jpg", "m-034-01.jpg", "m-040-01.jpg", "m-048-01.jpg",
    "m-049-01.jpg", "m-050-01.jpg", "m-054-01.jpg", "m-057-01.jpg", "m-058-01.jpg", "m-060-01.jpg",
    "m-066-01.jpg", "m-071-01.jpg", "m-073-01.jpg", "m-075-01.jpg", "m-078-01.jpg", "m-084-01.jpg",
    "m-088-01.jpg", "m-092-01.jpg", "m-094-01.jpg", "m-099-01.jpg", "m-100-01.jpg", "m1-030-01.jpg",
    "m1-031-01.jpg", "m1-036-01.jpg",
]  # fmt: skip


def assert_partition(splits: dict[str, np.ndarray], n: int) -> None:
    """train/validation/test are pairwise disjoint, sorted and together cover 0..n-1 exactly once."""
    assert set(splits) == {"train", "validation", "test"}
    joined = np.concatenate([splits["train"], splits["validation"], splits["test"]])
    assert len(joined) == n
    assert np.array_equal(np.sort(joined), np.arange(n))
    for idx in splits.values():
        assert np.all(np.diff(idx) > 0)


# ---- the real photos ----------------------------------------------------------------------------


def test_stack_images_real(real_photos):
    images, labels = data.stack_images(real_photos)
    assert images.shape == (N_PHOTOS, 250, 200, 3)
    assert images.dtype == np.float32
    assert labels.shape == (N_PHOTOS,)
    assert labels.dtype == np.int64
    assert np.array_equal(labels, real_photos["sex"].to_numpy())
    assert np.array_equal(images[7], real_photos["image_array"].iloc[7])


def test_stack_images_small_frame():
    frame = pd.DataFrame(
        {"filename": ["m-1.jpg", "f-1.jpg"], "sex": [0, 1], "image_array": [np.zeros((4, 3, 3)), np.ones((4, 3, 3))]}
    )
    images, labels = data.stack_images(frame)
    assert images.shape == (2, 4, 3, 3)
    assert images.dtype == np.float32
    assert labels.tolist() == [0, 1]
    assert images[1].sum() == 36


# ---- the split ----------------------------------------------------------------------------------


def test_split_188_unstratified(real_photos):
    labels = real_photos["sex"].to_numpy()
    splits = data.split_indices(labels, seed=23, stratify=False)
    assert {k: len(v) for k, v in splits.items()} == {"train": 93, "validation": 57, "test": 38}
    assert_partition(splits, N_PHOTOS)
    test_names = sorted(real_photos["filename"].to_numpy()[splits["test"]].tolist())
    assert test_names == UNSTRATIFIED_TEST_NAMES


def test_split_188_stratified(real_photos):
    labels = real_photos["sex"].to_numpy()
    splits = data.split_indices(labels, seed=23, stratify=True)
    assert {k: len(v) for k, v in splits.items()} == {"train": 93, "validation": 57, "test": 38}
    assert_partition(splits, N_PHOTOS)
    test_names = sorted(real_photos["filename"].to_numpy()[splits["test"]].tolist())
    assert test_names == STRATIFIED_TEST_NAMES
    assert int(labels[splits["test"]].sum()) == 11  # 54 * 0.2 = 10.8 females, rounded by stratification


def test_split_defaults_are_the_report_split(real_photos):
    labels = real_photos["sex"].to_numpy()
    default = data.split_indices(labels)
    explicit = data.split_indices(labels, seed=23, stratify=False)
    for name in ("train", "validation", "test"):
        assert np.array_equal(default[name], explicit[name])


def test_split_268_balanced_stratified():
    labels = np.array([0] * 134 + [1] * 134)
    splits = data.split_indices(labels, seed=23, stratify=True)
    assert {k: len(v) for k, v in splits.items()} == {"train": 133, "validation": 81, "test": 54}
    assert_partition(splits, 268)
    per_class = {k: sorted(np.bincount(labels[v], minlength=2).tolist()) for k, v in splits.items()}
    assert per_class == {"train": [66, 67], "validation": [40, 41], "test": [27, 27]}


def test_split_depends_on_seed():
    labels = np.array([0] * 134 + [1] * 54)
    first = data.split_indices(labels, seed=23)
    again = data.split_indices(labels, seed=23)
    other = data.split_indices(labels, seed=24)
    assert np.array_equal(first["test"], again["test"])
    assert not np.array_equal(first["test"], other["test"])
    assert_partition(other, 188)


def test_split_table(real_photos):
    labels = real_photos["sex"].to_numpy()
    table = data.split_table(labels, data.split_indices(labels))
    assert list(table.index) == ["train", "validation", "test", "all"]
    assert list(table.columns) == ["male", "female", "total"]
    assert table.loc["all"].tolist() == [N_MALE, N_FEMALE, N_PHOTOS]
    assert table["total"].tolist() == [93, 57, 38, 188]
    assert (table["male"] + table["female"]).tolist() == table["total"].tolist()


# ---- the photos every notebook starts from ------------------------------------------------------------


def test_prepared_photos_are_read_afresh_and_leave_nothing_behind(tmp_path, monkeypatch, make_image):
    folder = tmp_path / "photos"
    for i, name in enumerate(["m-002-01.jpg", "f-001-01.jpg", "m-001-01.jpg"]):
        make_image(folder / name, seed=i)
    out = tmp_path / "out"
    monkeypatch.setenv(config.OUTPUT_ENV_VAR, str(out))
    frame = data.prepared_photos(folder)
    assert frame.columns.tolist() == ["filename", "sex", "image_array"]
    assert frame["filename"].tolist() == ["f-001-01.jpg", "m-001-01.jpg", "m-002-01.jpg"]  # sorted
    assert frame["sex"].tolist() == [1, 0, 0]
    assert_same_photos(data.prepared_photos(folder), frame)
    assert not out.exists(), "reading the photos writes no cache"
    with pytest.raises(photos.DataNotFoundError, match="no-such-folder"):
        data.prepared_photos(tmp_path / "no-such-folder")
