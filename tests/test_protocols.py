"""Tests of ``helpers.protocols``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import synthetic_photos

from helpers import data, protocols


@pytest.fixture(scope="module")
def photos() -> pd.DataFrame:
    return synthetic_photos()


@pytest.mark.parametrize("seed", [0, 1, 23, 24, 99])
def test_leak_free_split_has_no_photo_in_two_roles(photos, seed):
    roles = protocols.leak_free_split(photos, seed)
    protocols.assert_disjoint(roles)  # raises on any shared source or augmented image outside training
    table = protocols.role_check(roles)
    assert (table["source shared with another role"] == 0).all()
    assert protocols.leaked_images(roles) == 0
    sources = [set(frame["source"]) for frame in roles.values()]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
    # every real photo is used exactly once as itself
    real = pd.concat([frame.loc[~frame["augmented"], "filename"] for frame in roles.values()])
    assert sorted(real) == sorted(photos["filename"])


@pytest.mark.parametrize("seed", [0, 23])
def test_leak_free_split_sizes_balance_and_real_evaluation_sets(photos, seed):
    roles = protocols.leak_free_split(photos, seed)
    train, val, test = roles["train"], roles["validation"], roles["test"]
    real_train = train[~train["augmented"]]
    assert (len(real_train), len(val), len(test)) == (93, 57, 38)
    # the training part alone is balanced by augmentation
    counts = np.bincount(train["sex"], minlength=2)
    assert counts[0] == counts[1] == np.bincount(real_train["sex"], minlength=2).max()
    assert train.loc[train["augmented"], "sex"].eq(1).all()
    # augmented copies come from training photos only; validation and test are real photos only
    assert set(train.loc[train["augmented"], "source"]) <= set(real_train["filename"])
    for frame in (val, test):
        assert not frame["augmented"].any()
        assert (frame["source"] == frame["filename"]).all()
        assert set(frame["filename"]) <= set(photos["filename"])
    # stratified, and the same photos as the split every 188-photo method uses
    split = data.split_indices(photos["sex"].to_numpy(), seed=seed, stratify=True)
    assert sorted(test["filename"]) == sorted(photos["filename"].to_numpy()[split["test"]])
    assert sorted(real_train["filename"]) == sorted(photos["filename"].to_numpy()[split["train"]])
    assert abs(test["sex"].mean() - photos["sex"].mean()) < 0.05


def test_leak_free_split_is_deterministic(photos):
    a = protocols.leak_free_split(photos, 5)["train"]
    b = protocols.leak_free_split(photos, 5)["train"]
    assert a["filename"].tolist() == b["filename"].tolist()
    assert np.array_equal(np.stack(a["image_array"]), np.stack(b["image_array"]))


def test_report_protocol_leaks_and_is_caught(photos):
    roles = protocols.report_protocol_split(photos, 23)
    assert [len(roles[r]) for r in protocols.ROLES] == [133, 81, 54]
    assert protocols.leaked_images(roles) > 0
    assert roles["test"]["augmented"].any()
    with pytest.raises(AssertionError):
        protocols.assert_disjoint(roles)


def test_assert_disjoint_on_hand_made_roles():
    def frame(names, sources, augmented):
        return pd.DataFrame({"filename": names, "source": sources, "augmented": augmented})

    clean = {"train": frame(["a", "aug-a"], ["a", "a"], [False, True]),
             "validation": frame(["b"], ["b"], [False]), "test": frame(["c"], ["c"], [False])}
    protocols.assert_disjoint(clean)
    shared = {**clean, "test": frame(["aug-b"], ["b"], [True])}
    with pytest.raises(AssertionError, match="two roles"):
        protocols.assert_disjoint(shared)
    assert protocols.leaked_images(shared) == 2  # the validation photo and its copy in test
    augmented_val = {**clean, "validation": frame(["aug-b"], ["b"], [True])}
    with pytest.raises(AssertionError, match="augmented images outside train"):
        protocols.assert_disjoint(augmented_val)


def test_kfold_tests_every_photo_equally_often_and_keeps_roles_apart():
    labels = np.array([0] * 134 + [1] * 54)
    splits = protocols.kfold_splits(labels, folds=5, repeats=2, seed=23)
    assert len(splits) == 10
    tested = np.concatenate([s["test"] for s in splits])
    assert np.array_equal(np.bincount(tested, minlength=188), np.full(188, 2))
    for s in splits:
        joined = np.concatenate([s["train"], s["validation"], s["test"]])
        assert np.array_equal(np.sort(joined), np.arange(188))
        assert len(s["test"]) in (37, 38) and len(s["validation"]) in (56, 57)
        assert abs(labels[s["test"]].mean() - 54 / 188) < 0.02  # stratified
    assert protocols.kfold_splits(labels, 5, 2, 23)[4]["test"].tolist() == splits[4]["test"].tolist()


def test_kfold_roles_leak_free_and_report(photos):
    plan = protocols.kfold_roles(photos, 0, folds=5, repeats=2, seed=23)
    protocols.assert_disjoint(plan["leak_free"])
    assert protocols.leaked_images(plan["report"]) > 0
    assert len(plan["report"]["test"]) in (53, 54)
    assert set(plan["leak_free"]["test"]["filename"]) == set(photos["filename"].iloc[plan["photo_splits"]["test"]])
