"""One split's data: the report's protocol (augment all 188 photos to 268, then split: copies of one photo can
sit on both sides) or leak-free (split the photos, then balance the training part alone)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

from helpers import augmentation, config, data

Roles = dict[str, pd.DataFrame]

ROLES = ("train", "validation", "test")


def frames_by_role(frame: pd.DataFrame, splits: dict[str, np.ndarray]) -> Roles:
    """One frame per role from a frame and its split indices, with ``source``/``augmented`` (a photo is its own)."""
    if "source" not in frame:
        frame = frame.assign(source=frame["filename"], augmented=False)
    return {role: frame.iloc[splits[role]].reset_index(drop=True) for role in ROLES}

def leak_free_split(photos: pd.DataFrame, seed: int) -> Roles:
    """Split the real photos (seeded, stratified: 93 / 57 / 38), then balance the training part alone."""
    roles = frames_by_role(photos, data.split_indices(photos["sex"].to_numpy(), seed=seed, stratify=True))
    roles["train"] = augmentation.balance_by_augmentation(roles["train"][["filename", "sex", "image_array"]], seed)
    return roles

def report_protocol_split(photos: pd.DataFrame, seed: int) -> Roles:
    """The report's protocol: augment all photos to balance the classes (seed), then split (seed, stratified)."""
    balanced = augmentation.balance_by_augmentation(photos[["filename", "sex", "image_array"]], seed=seed)
    return frames_by_role(balanced, data.split_indices(balanced["sex"].to_numpy(), seed=seed, stratify=True))

def role_check(roles: Roles) -> pd.DataFrame:
    """Per role: images (male, female), augmented images, and images whose source photo is also in another role."""
    sources = {role: set(frame["source"]) for role, frame in roles.items()}
    rows = {}
    for role, frame in roles.items():
        elsewhere = set().union(*(s for other, s in sources.items() if other != role))
        rows[role] = {
            "images": len(frame),
            "male": int((frame["sex"] == 0).sum()) if "sex" in frame else 0,
            "female": int((frame["sex"] == 1).sum()) if "sex" in frame else 0,
            "augmented": int(frame["augmented"].sum()),
            "source shared with another role": int(frame["source"].isin(elsewhere).sum()),
        }
    return pd.DataFrame(rows).T

def leaked_images(roles: Roles) -> int:
    """Validation and test images whose source photo is also in another role: 0 for an honest protocol."""
    return int(role_check(roles).loc[["validation", "test"], "source shared with another role"].sum())

def assert_disjoint(roles: Roles) -> None:
    """Raise ``AssertionError`` unless no source photo is in two roles and only ``train`` is augmented."""
    table = role_check(roles)
    shared, augmented = table["source shared with another role"], table["augmented"].drop("train")
    if shared.any():
        raise AssertionError(f"source photos in two roles: {shared[shared > 0].to_dict()}")
    if augmented.any():
        raise AssertionError(f"augmented images outside train: {augmented[augmented > 0].to_dict()}")


def kfold_splits(labels: np.ndarray, folds: int = 5, repeats: int = 2, seed: int = config.SEED
                 ) -> list[dict[str, np.ndarray]]:
    """Repeated stratified K-fold; validation drawn from the other folds as the report's (93-94 / 56-57 / 37-38)."""
    labels = np.asarray(labels)
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    out = []
    for number, (rest, test) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        train, validation = train_test_split(rest, test_size=data.VALIDATION_FRACTION, random_state=seed + number,
                                             stratify=labels[rest])
        out.append({"train": np.sort(train), "validation": np.sort(validation), "test": np.sort(test)})
    return out


def kfold_leak_free_training(photos: pd.DataFrame, number: int, folds: int = 5, repeats: int = 2,
                             seed: int = config.SEED) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Split ``number`` of the photos' repeated K-fold and its training photos balanced (seeded per split)."""
    splits = kfold_splits(photos["sex"].to_numpy(), folds, repeats, seed)[number]
    train = photos.iloc[splits["train"]][["filename", "sex", "image_array"]].reset_index(drop=True)
    return splits, augmentation.balance_by_augmentation(train, seed + number)


def kfold_roles(photos: pd.DataFrame, number: int, folds: int, repeats: int, seed: int) -> dict[str, Any]:
    """Split ``number``'s leak-free roles and the report's (the repeat's 268 images, then their own K-fold: leaky)."""
    splits, balanced_train = kfold_leak_free_training(photos, number, folds, repeats, seed)
    repeat_seed = seed + number // folds
    balanced = augmentation.balance_by_augmentation(photos[["filename", "sex", "image_array"]], repeat_seed)
    report_splits = kfold_splits(balanced["sex"].to_numpy(), folds, 1, repeat_seed)[number % folds]
    return {"photo_splits": splits, "leak_free": {**frames_by_role(photos, splits), "train": balanced_train},
            "report": frames_by_role(balanced, report_splits)}


def refit_training_set(photos: pd.DataFrame, splits: dict[str, np.ndarray], seed: int) -> pd.DataFrame:
    """A split's training and validation photos, balanced (seeded); refused if a test photo were among them."""
    chosen = np.concatenate([splits["train"], splits["validation"]])
    if np.intersect1d(chosen, splits["test"]).size:
        raise AssertionError("a test photo is in the refit's training set")
    frame = photos.iloc[np.sort(chosen)][["filename", "sex", "image_array"]].reset_index(drop=True)
    return augmentation.balance_by_augmentation(frame, seed)


def inner_split(labels: np.ndarray, train: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Stratified inner training (2/3) and validation (1/3) indices from ``train``, never a held-out photo."""
    inner_train, inner_validation = train_test_split(np.asarray(train), test_size=1 / 3, random_state=seed,
                                                     stratify=np.asarray(labels)[train])
    return {"train": np.sort(inner_train), "validation": np.sort(inner_validation)}
