"""Notebook 04's saved model cannot go stale: it records what made it, and a mismatch or damage retrains it, saying
why."""

from __future__ import annotations

import logging
from pathlib import Path

import keras
import pytest

from helpers import experiments


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
    assert (warned(warnings_log, "final_model_seed23.keras", "cannot be reused", "another variant") if n == 1
            else warned(warnings_log, "final_model_seed23.keras", "cannot be reused", "no such file"))

    make_image(photos / "m-042-01.jpg", seed=77)  # other data: the saved models are not theirs
    _, _, trained_now = experiments.load_or_train_final_models(photos, root, seed=23, variant=variant)
    assert trained_now
    assert warned(warnings_log, "final_model_seed23", "cannot be reused", "other photo files")

    path = Path(experiments.final_model_paths(root, 23, n)[-1])
    path.write_bytes(b"damaged")
    _, _, trained_now = experiments.load_or_train_final_models(photos, root, seed=23, variant=variant)
    assert trained_now
    assert warned(warnings_log, path.name, "changed after it was recorded")

    path.with_suffix(".provenance.json").write_text("{")  # a crash while writing, or someone's edit
    _, _, trained_now = experiments.load_or_train_final_models(photos, root, seed=23, variant=variant)
    assert trained_now and warned(warnings_log, path.name, "provenance record", "missing or unreadable")
    _, _, trained_now = experiments.load_or_train_final_models(photos, root, seed=23, variant=variant, epochs_cap=2)
    assert trained_now and warned(warnings_log, path.name, "another recipe")
