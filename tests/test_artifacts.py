"""Artifacts cannot go stale: each records what made it, and a mismatch or damage rebuilds it, saying why."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from support import assert_same_photos

from helpers import augmentation, data, experiments
from helpers.infra import artifacts, provenance


@pytest.fixture
def warnings_log(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


def warned(caplog, *fragments: str) -> bool:
    return any(all(f in r.getMessage() for f in fragments) for r in caplog.records if r.levelno >= logging.WARNING)


def small_photo_folder(folder: Path, make_image, n_male: int = 6, n_female: int = 4) -> Path:
    for i in range(n_male):
        make_image(folder / f"m-{i + 1:03d}-01.jpg", seed=i)
    for i in range(n_female):
        make_image(folder / f"f-{i + 1:03d}-01.jpg", seed=100 + i)
    return folder


# ---- prepared photos -----------------------------------------------------------------------------------


def test_three_photos_then_the_real_188_rebuilds(tmp_path, make_image, real_photos_dir, warnings_log):
    three = tmp_path / "three"
    make_image(three / "f-001-01.jpg")
    make_image(three / "m-001-01.jpg", seed=1)
    make_image(three / "m-002-01.jpg", seed=2)
    root = tmp_path / "out"
    assert len(data.prepared_photos(three, root)) == 3
    frame = data.prepared_photos(real_photos_dir, root)
    assert len(frame) == 188
    assert frame["sex"].value_counts().to_dict() == {0: 134, 1: 54}
    assert warned(warnings_log, "Rebuilding", "photos.npz", "other photo files")
    assert len(artifacts.load_image_frame(root / "data" / "processed", data.PHOTOS_STEM)) == 188


def test_truncated_artifact_is_rebuilt_with_a_warning_naming_it(tmp_path, make_image, warnings_log):
    photos = small_photo_folder(tmp_path / "photos", make_image, 2, 1)
    root = tmp_path / "out"
    built = data.prepared_photos(photos, root)
    npz = root / "data" / "processed" / "photos.npz"
    content = npz.read_bytes()
    npz.write_bytes(content[: len(content) // 2])
    again = data.prepared_photos(photos, root)
    assert again["filename"].tolist() == built["filename"].tolist()
    assert warned(warnings_log, "Rebuilding", str(npz))
    reread = artifacts.load_image_frame(root / "data" / "processed", data.PHOTOS_STEM)
    assert reread["filename"].tolist() == built["filename"].tolist()


def test_unreadable_artifact_read_directly_names_the_file_and_the_fix(tmp_path):
    npz = tmp_path / "photos.npz"
    npz.write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "photos.csv").write_text("filename,sex\n")
    with pytest.raises(artifacts.ArtifactError) as info:
        artifacts.load_image_frame(tmp_path, data.PHOTOS_STEM)
    assert str(npz) in str(info.value) and "delete it and re-run" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_an_artifact_holding_pickled_objects_is_refused(tmp_path):
    np.savez(tmp_path / "photos.npz", pixels=np.array([np.zeros(2), np.zeros(3)], dtype=object),
             filenames=np.array(["f-001-01.jpg", "m-001-01.jpg"]))
    (tmp_path / "photos.csv").write_text("filename,sex\nf-001-01.jpg,1\nm-001-01.jpg,0\n")
    with pytest.raises(artifacts.ArtifactError, match="allow_pickle"):
        artifacts.load_image_frame(tmp_path, data.PHOTOS_STEM)


def test_a_manifest_that_disagrees_with_the_arrays_is_refused(real_photos, tmp_path):
    artifacts.save_image_frame(real_photos, tmp_path, data.PHOTOS_STEM)
    manifest = pd.read_csv(tmp_path / "photos.csv")
    manifest.iloc[::-1].to_csv(tmp_path / "photos.csv", index=False)
    with pytest.raises(artifacts.ArtifactError, match="disagree on the file names"):
        artifacts.load_image_frame(tmp_path, data.PHOTOS_STEM)


def test_artifact_without_a_record_is_rebuilt(tmp_path, make_image, warnings_log):
    photos = small_photo_folder(tmp_path / "photos", make_image, 2, 1)
    root = tmp_path / "out"
    data.prepared_photos(photos, root)
    provenance.sidecar_path(root / "data" / "processed" / "photos.npz").unlink()
    data.prepared_photos(photos, root)
    assert warned(warnings_log, "Rebuilding", "no provenance record")


# ---- the balanced set ------------------------------------------------------------------------------------


def test_balanced_set_is_keyed_by_photos_seed_and_code(tmp_path, make_image, warnings_log, monkeypatch):
    photos = small_photo_folder(tmp_path / "photos", make_image)
    root = tmp_path / "out"
    calls = []
    real_balance = augmentation.balance_by_augmentation

    def counting(frame, seed, *args, **kwargs):
        calls.append(seed)
        return real_balance(frame, seed, *args, **kwargs)

    monkeypatch.setattr(augmentation, "balance_by_augmentation", counting)
    first = augmentation.balanced_report_protocol(photos, root, seed=23)
    assert len(first) == 12 and calls == [23]
    augmentation.balanced_report_protocol(photos, root, seed=23)
    assert calls == [23], "same photos, seed and code: reused"
    augmentation.balanced_report_protocol(photos, root, seed=5)
    assert calls == [23, 5]
    make_image(photos / "f-009-01.jpg", seed=42)  # the data changed
    again = augmentation.balanced_report_protocol(photos, root, seed=23)
    assert calls == [23, 5, 23] and "f-009-01.jpg" in again["filename"].tolist()
    assert warned(warnings_log, "balanced_report_protocol_seed23.npz", "other photo files")


def test_notebook_03_save_records_provenance(tmp_path, make_image, monkeypatch):
    photos = small_photo_folder(tmp_path / "photos", make_image)
    root = tmp_path / "out"
    balanced = augmentation.balance_by_augmentation(data.prepared_photos(photos, root), seed=23)
    path = augmentation.save_balanced_report_protocol(balanced, photos, root, seed=23)

    def must_not_build(*args, **kwargs):
        raise AssertionError("the saved balanced set should have been reused")

    monkeypatch.setattr(augmentation, "balance_by_augmentation", must_not_build)
    reused = augmentation.balanced_report_protocol(photos, root, seed=23)
    assert reused["filename"].tolist() == balanced["filename"].tolist()
    record = json.loads(provenance.sidecar_path(path).read_text())
    assert record["fingerprint"]["seed"] == 23 and record["fingerprint"]["photos"]["count"] == 10


# ---- the trained model -----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["D", "D+ens2+tta"])
def test_saved_models_are_reused_only_for_their_own_inputs(tmp_path, make_image, warnings_log, monkeypatch, variant):
    photos = small_photo_folder(tmp_path / "photos", make_image)
    root = tmp_path / "out"
    trained = []

    def tiny_training(train, validation, seed=23, *args, **kwargs):
        trained.append(seed)
        inputs = keras.Input(train[0].shape[1:])
        outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling2D()(inputs))
        return keras.Model(inputs, outputs), None

    n = 2 if "ens2" in variant else 1
    monkeypatch.setattr(experiments, "train_final", tiny_training)
    members, tta, trained_now = experiments.load_or_train_final_models(photos, root, seed=23, variant=variant)
    assert trained_now and trained == [23, 1023][:n] and len(members) == n and tta == (n == 2)
    members, _, trained_now = experiments.load_or_train_final_models(photos, root, seed=23, variant=variant)
    assert not trained_now and len(trained) == n and all(isinstance(m, keras.Model) for m in members)

    _, _, trained_now = experiments.load_or_train_final_models(photos, root, seed=23, variant="D+ema")
    assert trained_now, "another variant is another model"
    assert (warned(warnings_log, "final_model_seed23.keras", "cannot be reused", "variant") if n == 1
            else warned(warnings_log, "No saved final model", "final_model_seed23.keras"))

    make_image(photos / "m-042-01.jpg", seed=77)  # other data: the saved models are not theirs
    _, _, trained_now = experiments.load_or_train_final_models(photos, root, seed=23, variant=variant)
    assert trained_now
    assert warned(warnings_log, "final_model_seed23", "cannot be reused", "other photo files")

    path = Path(experiments.final_model_paths(root, 23, n)[-1])
    path.write_bytes(b"damaged")
    _, _, trained_now = experiments.load_or_train_final_models(photos, root, seed=23, variant=variant)
    assert trained_now
    assert warned(warnings_log, path.name, "changed after it was recorded")


def test_photos_artifact_round_trip(real_photos, tmp_path):
    path = artifacts.save_image_frame(real_photos, tmp_path, data.PHOTOS_STEM)
    assert path == tmp_path / "photos.npz"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos.csv", "photos.npz"]  # no provenance asked for
    manifest = pd.read_csv(tmp_path / "photos.csv")
    assert manifest.columns.tolist() == ["filename", "sex"]
    assert manifest["filename"].tolist() == real_photos["filename"].tolist()
    assert_same_photos(artifacts.load_image_frame(tmp_path, data.PHOTOS_STEM), real_photos)
