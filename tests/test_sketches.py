"""Tests of ``helpers.sketches``: every sketch pairs with exactly one photo's person, and only the training
people's sketches can reach training."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from helpers import config, photos, protocols, sketches


@pytest.mark.parametrize(("name", "person"), [
    ("F2-005-01-sz1.jpg", "f-005"), ("f1-005-01-sz1.jpg", "f1-005"), ("f-039-01-sz1.JPG", "f-039"),
    ("M2-100-01-sz1.jpg", "m-100"), ("m1-012-01-sz1.png", "m1-012"),
    ("f-005-01.jpg", None), ("F2-005-01-sz1.txt", None), ("x-005-01-sz1.jpg", None)])
def test_a_sketch_name_gives_its_photos_person(name, person):
    assert sketches.person_of_sketch(name) == person
    if person:  # the photo loader never takes a sketch for a photo
        assert photos.parse_photo_name(name) is None


def test_the_real_sketches_pair_one_to_one_with_the_188_photos(real_photos_dir):
    files = photos.current_photos(real_photos_dir)
    pairs = sketches.pair_sketches(files)
    assert len(pairs) == 188 and pairs["sketch"].is_unique and pairs["person"].is_unique
    assert pairs["filename"].tolist() == [p.name for p in files.files]  # the photos' sorted order
    assert pairs["sex"].tolist() == [photos.parse_photo_name(p.name)[0] for p in files.files]
    assert all(sketches.person_of_sketch(s) == photos.parse_photo_name(f)[1]
               for s, f in zip(pairs["sketch"], pairs["filename"], strict=True))
    # the two naming conventions: 88 upper-case "2" sketches, 100 lower-case
    assert pairs["sketch"].str.match(r"[FM]2-").sum() == 88


def test_the_sketches_load_like_photos_and_no_held_out_persons_sketch_reaches_training(real_photos_dir, real_photos):
    pairs, loaded = sketches.load_paired(real_photos_dir)
    assert loaded[["photo", "filename"]].values.tolist() == pairs[["filename", "sketch"]].values.tolist()
    assert all(image.shape == (250, 200, 3) and image.dtype == np.float32 for image in loaded["image_array"])
    names = real_photos["filename"].to_numpy()
    for split in protocols.kfold_splits(real_photos["sex"].to_numpy(), folds=5, repeats=1, seed=config.SEED):
        held_out = set(names[split["validation"]]) | set(names[split["test"]])
        chosen = sketches.training_sketches(pairs, loaded, names[split["train"]], held_out)
        assert len(chosen) == len(split["train"]) and list(chosen.columns) == ["filename", "sex", "image_array"]
        assert {photos.parse_photo_name(n)[1] for n in names[split["train"]]} == {
            sketches.person_of_sketch(s) for s in chosen["filename"]}
    with pytest.raises(ValueError, match="both in training and held out"):
        sketches.training_sketches(pairs, loaded, names[:3], names[2:5])


def dataset(root: Path, make_image, photo_names, sketch_names) -> photos.PhotoFiles:
    for name in photo_names:
        make_image(root / "photos" / name)
    for i, name in enumerate(sketch_names):
        make_image(root / "sketches" / name, mode="L", seed=i)
    return photos.select_photos(root / "photos")


@pytest.mark.parametrize(("sketch_names", "message"), [
    (["F2-001-01-sz1.jpg", "m-001-01-sz1.jpg", "M2-001-01-sz1.jpg"], "two sketches of one person"),
    (["F2-001-01-sz1.jpg", "m-001-01-sz1.jpg", "m-002-01-sz1.jpg"], "sketches of no photo's person: m-002-01-sz1"),
    (["F2-001-01-sz1.jpg"], "photos without a sketch: m-001-01.jpg"),
])
def test_pairs_that_are_not_one_to_one_are_refused_naming_the_files(tmp_path, make_image, sketch_names, message):
    files = dataset(tmp_path, make_image, ["f-001-01.jpg", "m-001-01.jpg"], sketch_names)
    with pytest.raises(sketches.SketchError, match=message):
        sketches.pair_sketches(files)


def test_stray_files_are_skipped_with_a_warning_and_a_missing_folder_says_what_to_do(tmp_path, make_image, caplog):
    files = dataset(tmp_path, make_image, ["f-001-01.jpg", "m-001-01.jpg"],
                    ["F2-001-01-sz1.jpg", "m-001-01-sz1.jpg", "notes.jpg"])
    caplog.set_level(logging.WARNING, logger="helpers.sketches")
    assert len(sketches.pair_sketches(files)) == 2
    assert "notes.jpg" in caplog.text
    with pytest.raises(photos.DataNotFoundError, match="No sketches/ folder beside"):
        sketches.sketch_folder(tmp_path / "elsewhere" / "photos")
