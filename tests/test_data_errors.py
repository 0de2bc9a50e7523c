"""The bad-input policy of helpers/data.py, one test per case, each on its own small files."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image

from helpers import config, data

SLUG = "arbazkhan971/cuhk-face-sketch-database-cufs"


def assert_explains_download(message: str) -> None:
    assert "CUFS_DIR" in message
    assert SLUG in message
    assert "kagglehub.dataset_download" in message
    assert "data/raw" in message


@pytest.fixture
def warnings_log(caplog):
    caplog.set_level(logging.WARNING, logger="helpers.data")
    return caplog


def warned_about(caplog, name: str) -> bool:
    return any(r.levelno == logging.WARNING and name in r.getMessage() for r in caplog.records)


# ---- no usable folder ---------------------------------------------------------------------------


def test_missing_folder(tmp_path):
    missing = tmp_path / "does-not-exist"
    with pytest.raises(data.DataNotFoundError) as info:
        data.load_dataset(missing, progress=False)
    message = str(info.value)
    assert str(missing) in message
    assert "does not exist" in message
    assert_explains_download(message)


def test_missing_folder_from_env(tmp_path, monkeypatch):
    missing = tmp_path / "typo"
    monkeypatch.setenv(config.DATA_ENV_VAR, str(missing))
    with pytest.raises(data.DataNotFoundError) as info:
        data.load_dataset(progress=False)
    assert "$CUFS_DIR" in str(info.value)
    assert str(missing) in str(info.value)
    assert_explains_download(str(info.value))


def test_path_is_a_file(tmp_path):
    not_a_folder = tmp_path / "photos.zip"
    not_a_folder.write_bytes(b"PK\x03\x04")
    with pytest.raises(data.DataNotFoundError, match="not a folder") as info:
        data.load_dataset(not_a_folder, progress=False)
    assert_explains_download(str(info.value))


def test_empty_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(data.DataNotFoundError, match="empty") as info:
        data.load_dataset(empty, progress=False)
    assert_explains_download(str(info.value))


def test_folder_without_any_photo(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("the photos are elsewhere\n")
    with pytest.raises(data.DataNotFoundError, match="no file named like a CUFS photo") as info:
        data.load_dataset(folder, progress=False)
    assert_explains_download(str(info.value))


def test_folder_with_only_sketches(tmp_path, make_image, warnings_log):
    make_image(tmp_path / "F2-001-01-sz1.jpg", mode="L")
    make_image(tmp_path / "M2-001-01-sz1.jpg", mode="L")
    make_image(tmp_path / "f-039-01-sz1.jpg", mode="L")  # lower-case sketch names exist too
    with pytest.raises(data.DataNotFoundError, match="no file named like a CUFS photo") as info:
        data.load_dataset(tmp_path, progress=False)
    assert "3 CUFS sketches" in str(info.value) and "photos/" in str(info.value)
    assert_explains_download(str(info.value))


def test_data_not_found_is_a_file_not_found_error():
    assert issubclass(data.DataNotFoundError, FileNotFoundError)


# ---- unreadable images --------------------------------------------------------------------------


def test_corrupt_jpeg(tmp_path, make_image):
    make_image(tmp_path / "m-001-01.jpg")
    bad = tmp_path / "f-001-01.jpg"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8).tobytes())
    with pytest.raises(data.CorruptImageError) as info:
        data.load_dataset(tmp_path, progress=False)
    assert "f-001-01.jpg" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_truncated_jpeg(tmp_path, make_image):
    whole = make_image(tmp_path / "whole.jpg")
    content = whole.read_bytes()
    whole.unlink()
    make_image(tmp_path / "m-001-01.jpg")
    cut = tmp_path / "f-002-01.jpg"
    cut.write_bytes(content[: len(content) // 2])
    with Image.open(cut) as image:  # the header is intact: only decoding reveals the damage
        assert image.size == (200, 250)
    with pytest.raises(data.CorruptImageError, match="f-002-01.jpg"):
        data.load_dataset(tmp_path, progress=False)
    with pytest.raises(data.CorruptImageError, match="f-002-01.jpg"):
        data.load_image(cut)


# ---- files that are skipped ---------------------------------------------------------------------


def test_non_image_file_is_skipped_with_a_warning(tmp_path, make_image, warnings_log):
    make_image(tmp_path / "f-001-01.jpg")
    make_image(tmp_path / "m-001-01.jpg", seed=1)
    (tmp_path / "m-notes.txt").write_text("not a photo\n")
    (tmp_path / "f-001-01.txt").write_text("named like a photo, but not an image\n")
    (tmp_path / "Thumbs.db").write_bytes(b"\x00" * 16)  # system residue: ignored without a warning
    frame = data.load_dataset(tmp_path, progress=False)
    assert frame["filename"].tolist() == ["f-001-01.jpg", "m-001-01.jpg"]
    assert frame["sex"].tolist() == [1, 0]
    assert warned_about(warnings_log, "m-notes.txt")
    assert warned_about(warnings_log, "f-001-01.txt")
    assert not warned_about(warnings_log, "Thumbs.db")
    assert not warned_about(warnings_log, "f-001-01.jpg")


@pytest.mark.parametrize("name", ["x-001.jpg", "F2-001-sz1.jpg", "M2-002-01-sz1.jpg", "f-039-01-sz1.jpg",
                                  "m1-017-01-sz1.jpg", "m-001.jpg", "me.jpg", "f-0001-01.jpg"])
def test_unexpected_file_name_is_skipped_with_a_warning(tmp_path, make_image, warnings_log, name):
    make_image(tmp_path / "m-001-01.jpg")
    make_image(tmp_path / "f-002-01.jpg", seed=2)
    make_image(tmp_path / name, seed=1)
    frame = data.load_dataset(tmp_path, progress=False)
    assert frame["filename"].tolist() == ["f-002-01.jpg", "m-001-01.jpg"]
    assert warned_about(warnings_log, name)


def test_sub_folder_is_skipped_with_a_warning(tmp_path, make_image, warnings_log):
    make_image(tmp_path / "f-001-01.jpg")
    make_image(tmp_path / "m-002-01.jpg", seed=2)
    make_image(tmp_path / "more" / "m-009-01.jpg")
    frame = data.load_dataset(tmp_path, progress=False)
    assert frame["filename"].tolist() == ["f-001-01.jpg", "m-002-01.jpg"]
    assert warned_about(warnings_log, "more")


def test_kaggle_layout_loads_exactly_the_photos(tmp_path, make_image):
    root = tmp_path / "cufs"
    photo_names = ["f-001-01.jpg", "f1-002-01.jpg", "m-001-01.jpg", "m1-003-01.jpg"]
    for i, name in enumerate(photo_names):
        make_image(root / "photos" / name, seed=i)
    for i, name in enumerate(["F2-001-01-sz1.jpg", "M2-001-01-sz1.jpg", "f-001-01-sz1.jpg", "m1-003-01-sz1.jpg"]):
        make_image(root / "sketches" / name, mode="L", seed=10 + i)
    make_image(root / "extra" / "IMG_0999.jpg", seed=20)
    make_image(root / "cover.jpg", seed=21)  # a stray image beside photos/ is not mixed in either
    frame = data.load_dataset(root, progress=False)
    assert frame["filename"].tolist() == photo_names
    assert frame["sex"].tolist() == [1, 1, 0, 0]
    expected = np.asarray(Image.open(root / "photos" / "m1-003-01.jpg").convert("RGB"), np.float32) / 255
    assert np.array_equal(frame["image_array"].iloc[3], expected)


def test_image_extensions_are_case_insensitive(tmp_path, make_image):
    make_image(tmp_path / "m-001-01.JPG", fmt="JPEG")
    make_image(tmp_path / "f-001-01.png")
    frame = data.load_dataset(tmp_path, progress=True)
    assert frame["filename"].tolist() == ["f-001-01.png", "m-001-01.JPG"]


# ---- colour modes and sizes ---------------------------------------------------------------------


def test_png_pixels_are_exact(tmp_path, make_image):
    path = make_image(tmp_path / "f-001-01.png", seed=3)
    array = data.load_image(path)
    expected = np.asarray(Image.open(path), dtype=np.float32) / 255.0
    assert array.dtype == np.float32
    assert np.array_equal(array, expected)


def test_grayscale_loads_as_rgb(tmp_path):
    path = tmp_path / "f-001-01.png"
    Image.new("L", (200, 250), color=128).save(path)
    array = data.load_image(path)
    assert array.shape == (250, 200, 3)
    assert array.dtype == np.float32
    assert np.allclose(array, 128 / 255)


def test_rgba_loads_as_rgb(tmp_path):
    path = tmp_path / "m-001-01.png"
    Image.new("RGBA", (200, 250), color=(10, 20, 30, 0)).save(path)
    array = data.load_image(path)
    assert array.shape == (250, 200, 3)
    assert np.allclose(array[0, 0], np.array([10, 20, 30]) / 255)
    assert np.allclose(array[-1, -1], np.array([10, 20, 30]) / 255)


def test_palette_loads_as_rgb(tmp_path):
    path = tmp_path / "m-002-01.png"
    image = Image.new("P", (200, 250), color=1)
    image.putpalette([0, 0, 0, 200, 100, 50] + [0] * (256 * 3 - 6))
    image.save(path)
    with Image.open(path) as check:
        assert check.mode == "P"
    array = data.load_image(path)
    assert array.shape == (250, 200, 3)
    assert np.allclose(array, np.array([200, 100, 50]) / 255)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK"])
def test_every_mode_loads_as_rgb_in_a_folder(tmp_path, make_image, mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    suffix = ".jpg" if mode == "CMYK" else ".png"
    make_image(tmp_path / f"f-001-01{suffix}", mode=mode, fmt=fmt)
    make_image(tmp_path / "m-001-01.jpg")
    frame = data.load_dataset(tmp_path, progress=False)
    array = frame["image_array"].iloc[0]
    assert array.shape == (250, 200, 3)
    assert array.dtype == np.float32
    assert array.min() >= 0.0 and array.max() <= 1.0


@pytest.mark.parametrize("size", [(100, 125), (400, 300), (250, 200)])
def test_other_sizes_are_resized(tmp_path, make_image, size):
    path = make_image(tmp_path / "m-001-01.jpg", size=size)
    array = data.load_image(path)
    assert array.shape == (250, 200, 3)
    assert array.dtype == np.float32
    assert array.min() >= 0.0 and array.max() <= 1.0


def test_resize_keeps_a_flat_colour(tmp_path):
    path = tmp_path / "f-001-01.png"
    Image.new("RGB", (50, 60), color=(255, 0, 51)).save(path)
    array = data.load_image(path)
    assert array.shape == (250, 200, 3)
    assert np.allclose(array, np.array([1.0, 0.0, 0.2]), atol=1e-6)
