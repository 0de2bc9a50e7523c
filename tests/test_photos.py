"""Tests of ``helpers.photos``."""

from __future__ import annotations

import logging
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import config, photos

SLUG = "arbazkhan971/cuhk-face-sketch-database-cufs"

N_PHOTOS, N_MALE, N_FEMALE = 188, 134, 54
REAL_DOWNLOAD = photos.download_from_kaggle  # the `isolated` fixture replaces it; some tests put it back


def test_the_installed_kagglehub_accepts_the_loaders_call(monkeypatch):
    """The loader's call, recorded, binds to the installed ``kagglehub.dataset_download`` (Colab's in the pinned
    leg): a renamed or reordered parameter fails here, without the network."""
    import inspect

    import kagglehub

    calls = []
    monkeypatch.setattr(kagglehub, "dataset_download", lambda *args, **kwargs: calls.append((args, kwargs)) or ".")
    photos.download_from_kaggle()
    monkeypatch.undo()
    (args, kwargs), = calls
    bound = inspect.signature(kagglehub.dataset_download).bind(*args, **kwargs)
    assert bound.arguments[next(iter(inspect.signature(kagglehub.dataset_download).parameters))] == config.KAGGLE_SLUG


def assert_explains_download(message: str) -> None:
    assert "CUFS_DIR" in message
    assert SLUG in message
    assert "kagglehub.dataset_download" in message
    assert "data/raw" in message


@pytest.fixture
def warnings_log(caplog):
    caplog.set_level(logging.WARNING, logger="helpers.photos")
    return caplog


def warned_about(caplog, name: str) -> bool:
    return any(r.levelno == logging.WARNING and name in r.getMessage() for r in caplog.records)


def test_missing_folder(tmp_path):
    missing = tmp_path / "does-not-exist"
    with pytest.raises(photos.DataNotFoundError) as info:
        photos.load_dataset(missing, progress=False)
    message = str(info.value)
    assert str(missing) in message
    assert "does not exist" in message
    assert_explains_download(message)


def test_missing_folder_from_env(tmp_path, monkeypatch):
    missing = tmp_path / "typo"
    monkeypatch.setenv(config.DATA_ENV_VAR, str(missing))
    with pytest.raises(photos.DataNotFoundError) as info:
        photos.load_dataset(progress=False)
    assert "$CUFS_DIR" in str(info.value)
    assert str(missing) in str(info.value)
    assert_explains_download(str(info.value))


def test_path_is_a_file(tmp_path):
    not_a_folder = tmp_path / "photos.zip"
    not_a_folder.write_bytes(b"PK\x03\x04")
    with pytest.raises(photos.DataNotFoundError, match="not a folder") as info:
        photos.load_dataset(not_a_folder, progress=False)
    assert_explains_download(str(info.value))


def test_empty_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(photos.DataNotFoundError, match="empty") as info:
        photos.load_dataset(empty, progress=False)
    assert_explains_download(str(info.value))


def test_folder_without_any_photo(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("the photos are elsewhere\n")
    with pytest.raises(photos.DataNotFoundError, match="no file named like a CUFS photo") as info:
        photos.load_dataset(folder, progress=False)
    assert_explains_download(str(info.value))


def test_folder_with_only_sketches(tmp_path, make_image, warnings_log):
    make_image(tmp_path / "F2-001-01-sz1.jpg", mode="L")
    make_image(tmp_path / "M2-001-01-sz1.jpg", mode="L")
    make_image(tmp_path / "f-039-01-sz1.jpg", mode="L")  # lower-case sketch names exist too
    with pytest.raises(photos.DataNotFoundError, match="no file named like a CUFS photo") as info:
        photos.load_dataset(tmp_path, progress=False)
    assert "3 CUFS sketches" in str(info.value) and "photos/" in str(info.value)
    assert_explains_download(str(info.value))


def test_data_not_found_is_a_file_not_found_error():
    assert issubclass(photos.DataNotFoundError, FileNotFoundError)


def test_corrupt_jpeg(tmp_path, make_image):
    make_image(tmp_path / "m-001-01.jpg")
    bad = tmp_path / "f-001-01.jpg"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8).tobytes())
    with pytest.raises(photos.CorruptImageError) as info:
        photos.load_dataset(tmp_path, progress=False)
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
    with pytest.raises(photos.CorruptImageError, match="f-002-01.jpg"):
        photos.load_dataset(tmp_path, progress=False)
    with pytest.raises(photos.CorruptImageError, match="f-002-01.jpg"):
        photos.load_image(cut)


def test_non_image_file_is_skipped_with_a_warning(tmp_path, make_image, warnings_log):
    make_image(tmp_path / "f-001-01.jpg")
    make_image(tmp_path / "m-001-01.jpg", seed=1)
    (tmp_path / "m-notes.txt").write_text("not a photo\n")
    (tmp_path / "f-001-01.txt").write_text("named like a photo, but not an image\n")
    (tmp_path / "Thumbs.db").write_bytes(b"\x00" * 16)  # system residue: ignored without a warning
    frame = photos.load_dataset(tmp_path, progress=False)
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
    frame = photos.load_dataset(tmp_path, progress=False)
    assert frame["filename"].tolist() == ["f-002-01.jpg", "m-001-01.jpg"]
    assert warned_about(warnings_log, name)


def test_sub_folder_is_skipped_with_a_warning(tmp_path, make_image, warnings_log):
    make_image(tmp_path / "f-001-01.jpg")
    make_image(tmp_path / "m-002-01.jpg", seed=2)
    make_image(tmp_path / "more" / "m-009-01.jpg")
    frame = photos.load_dataset(tmp_path, progress=False)
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
    frame = photos.load_dataset(root, progress=False)
    assert frame["filename"].tolist() == photo_names
    assert frame["sex"].tolist() == [1, 1, 0, 0]
    expected = np.asarray(Image.open(root / "photos" / "m1-003-01.jpg").convert("RGB"), np.float32) / 255
    assert np.array_equal(frame["image_array"].iloc[3], expected)


def test_image_extensions_are_case_insensitive(tmp_path, make_image):
    make_image(tmp_path / "m-001-01.JPG", fmt="JPEG")
    make_image(tmp_path / "f-001-01.png")
    frame = photos.load_dataset(tmp_path, progress=True)
    assert frame["filename"].tolist() == ["f-001-01.png", "m-001-01.JPG"]


def test_png_pixels_are_exact(tmp_path, make_image):
    path = make_image(tmp_path / "f-001-01.png", seed=3)
    array = photos.load_image(path)
    expected = np.asarray(Image.open(path), dtype=np.float32) / 255.0
    assert array.dtype == np.float32
    assert np.array_equal(array, expected)


def test_grayscale_loads_as_rgb(tmp_path):
    path = tmp_path / "f-001-01.png"
    Image.new("L", (200, 250), color=128).save(path)
    array = photos.load_image(path)
    assert array.shape == (250, 200, 3)
    assert array.dtype == np.float32
    assert np.allclose(array, 128 / 255)


def test_rgba_loads_as_rgb(tmp_path):
    path = tmp_path / "m-001-01.png"
    Image.new("RGBA", (200, 250), color=(10, 20, 30, 0)).save(path)
    array = photos.load_image(path)
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
    array = photos.load_image(path)
    assert array.shape == (250, 200, 3)
    assert np.allclose(array, np.array([200, 100, 50]) / 255)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK"])
def test_every_mode_loads_as_rgb_in_a_folder(tmp_path, make_image, mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    suffix = ".jpg" if mode == "CMYK" else ".png"
    make_image(tmp_path / f"f-001-01{suffix}", mode=mode, fmt=fmt)
    make_image(tmp_path / "m-001-01.jpg")
    frame = photos.load_dataset(tmp_path, progress=False)
    array = frame["image_array"].iloc[0]
    assert array.shape == (250, 200, 3)
    assert array.dtype == np.float32
    assert array.min() >= 0.0 and array.max() <= 1.0


@pytest.mark.parametrize("size", [(100, 125), (400, 300), (250, 200)])
def test_other_sizes_are_resized(tmp_path, make_image, size):
    path = make_image(tmp_path / "m-001-01.jpg", size=size)
    array = photos.load_image(path)
    assert array.shape == (250, 200, 3)
    assert array.dtype == np.float32
    assert array.min() >= 0.0 and array.max() <= 1.0


def test_resize_keeps_a_flat_colour(tmp_path):
    path = tmp_path / "f-001-01.png"
    Image.new("RGB", (50, 60), color=(255, 0, 51)).save(path)
    array = photos.load_image(path)
    assert array.shape == (250, 200, 3)
    assert np.allclose(array, np.array([1.0, 0.0, 0.2]), atol=1e-6)


@pytest.fixture
def log_records(caplog):
    caplog.set_level(logging.INFO, logger="helpers.photos")
    photos._WARNED.clear()  # warnings are given once per process; each test starts afresh
    return caplog


def warnings_text(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def photo_set(folder: Path, make_image, males=("m-001-01", "m1-002-01"), females=("f-001-01", "f1-003-01"),
              ext: str = ".jpg") -> list[str]:
    names = [f"{stem}{ext}" for stem in (*males, *females)]
    for i, name in enumerate(names):
        make_image(folder / name, seed=i)
    return sorted(names)


@pytest.mark.parametrize(("name", "parsed"), [
    ("m-001-01.jpg", (0, "m-001")),
    ("m1-017-01.jpg", (0, "m1-017")),
    ("f-039-01.png", (1, "f-039")),
    ("f1-005-01.JPEG", (1, "f1-005")),
    ("F-005-01.JPG", (1, "f-005")),  # letter case is ignored ...
    ("f-039-01-sz1.jpg", None),  # ... because the pattern keeps sketches out, whatever their case
    ("m1-017-01-sz1.jpg", None),
    ("F2-005-01-sz1.jpg", None),
    ("M2-001-01.jpg", None),
    ("f-005-01 copy.jpg", None),
    ("m-099-01 (1).jpg", None),
    ("f-005-01.txt", None),
    ("fig-001-01.jpg", None),
    ("._f-005-01.jpg", None),
])
def test_photo_names(name, parsed):
    assert photos.parse_photo_name(name) == parsed


def test_sketch_folder_with_lower_case_names_loads_nothing(tmp_path, make_image, log_records):
    # 100 of the real sketches are named like f-039-01-sz1.jpg: a first-letter check let them in.
    for i, name in enumerate(["f-039-01-sz1.jpg", "m1-017-01-sz1.jpg", "F2-001-01-sz1.jpg", "M2-002-01-sz1.jpg"]):
        make_image(tmp_path / "sketches" / name, mode="L", seed=i)
    with pytest.raises(photos.DataNotFoundError, match="4 CUFS sketches"):
        photos.load_dataset(tmp_path / "sketches", progress=False)


@pytest.mark.parametrize(("extras", "kind"), [
    (["f-001-01-sz1.jpg", "m1-002-01-sz1.jpg", "F2-009-01-sz1.jpg"], "CUFS sketches"),  # photos and sketches mixed
    (["f-001-01 copy.jpg", "m1-002-01 (1).jpg", "m-001-01 - Copy.jpg", "f1-003-01_2.jpg"], "copies of a photo"),
    (["me.jpg", "family.png", "face.jpg", "m-5.jpg"], "not named like a CUFS photo"),  # stray m*/f* images
])
def test_extra_images_are_skipped_and_each_is_named(tmp_path, make_image, log_records, extras, kind):
    names = photo_set(tmp_path, make_image)
    for i, name in enumerate(extras):
        make_image(tmp_path / name, seed=50 + i)
    frame = photos.load_dataset(tmp_path, progress=False)
    assert frame["filename"].tolist() == names
    text = warnings_text(log_records)
    assert kind in text and all(name in text for name in extras)


@pytest.mark.parametrize("other", ["f-001-01.png", "F-001-01.jpg", "f-001-02.jpg"])
def test_two_files_for_one_person_are_an_error_naming_both(tmp_path, make_image, other):
    photo_set(tmp_path, make_image)
    make_image(tmp_path / other, seed=99)
    with pytest.raises(photos.DuplicatePhotoError) as info:
        photos.load_dataset(tmp_path, progress=False)
    message = str(info.value)
    assert "f-001-01.jpg" in message and other in message and "one photo per person" in message


@pytest.mark.parametrize(("males", "females", "missing"), [(("m-001-01",), (), "female"), ((), ("f-001-01",), "male")])
def test_a_missing_class_is_an_error(tmp_path, make_image, males, females, missing):
    photo_set(tmp_path, make_image, males=males, females=females)
    with pytest.raises(photos.MissingClassError, match=f"no {missing} photo"):
        photos.load_dataset(tmp_path, progress=False)


def test_a_count_other_than_188_is_a_warning_with_the_counts(tmp_path, make_image, log_records):
    photo_set(tmp_path, make_image, males=("m-001-01", "m-002-01", "m1-003-01"), females=("f-004-01",))
    photos.load_dataset(tmp_path, progress=False)
    text = warnings_text(log_records)
    assert "4 photos (3 male, 1 female)" in text and "188 (134 male, 54 female)" in text


def test_macos_and_windows_residue_is_ignored_quietly(tmp_path, make_image, log_records):
    names = photo_set(tmp_path / "cufs" / "photos", make_image)
    residue_dir = tmp_path / "cufs" / "__MACOSX" / "photos"
    residue_dir.mkdir(parents=True)
    for name in ["._f-001-01.jpg", "._m-001-01.jpg"]:
        (residue_dir / name).write_bytes(b"\x00\x05\x16\x07")
        (tmp_path / "cufs" / "photos" / name).write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / "cufs" / "photos" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    shutil.copytree(tmp_path / "cufs" / "photos", tmp_path / "cufs" / ".ipynb_checkpoints" / "photos")
    frame = photos.load_dataset(tmp_path / "cufs", progress=False)
    assert frame["filename"].tolist() == names
    assert "._f-001-01.jpg" not in warnings_text(log_records)
    assert any("._f-001-01.jpg" in r.getMessage() for r in log_records.records if r.levelno == logging.INFO)


def test_several_photo_folders_are_an_error_listing_them(tmp_path, make_image):
    root = tmp_path / "cufs"
    photo_set(root / "photos", make_image)
    photo_set(root / "backup" / "Photos", make_image, males=("m-001-01",))  # a partial backup, deeper, other case
    with pytest.raises(photos.AmbiguousPhotoFoldersError) as info:
        photos.load_dataset(root, progress=False)
    message = str(info.value)
    assert str(root / "photos") in message and str(root / "backup" / "Photos") in message
    assert "4 photos: 2 male, 2 female" in message and "3 photos: 1 male, 2 female" in message
    assert "CUFS_DIR" in message and "--data-dir" in message


def test_the_chosen_folder_works_once_named(tmp_path, make_image):
    root = tmp_path / "cufs"
    names = photo_set(root / "photos", make_image)
    photo_set(root / "old", make_image, males=("m-001-01",))
    assert photos.load_dataset(root / "photos", progress=False)["filename"].tolist() == names


def test_a_photo_folders_own_sub_folders_do_not_compete(tmp_path, make_image, log_records):
    folder = tmp_path / "photos"
    names = photo_set(folder, make_image)
    photo_set(folder / "partial backup", make_image, males=("m-001-01",))
    assert photos.find_photo_dir(folder) == folder
    assert photos.load_dataset(folder, progress=False)["filename"].tolist() == names
    assert "partial backup" in warnings_text(log_records)


def test_kaggle_style_root_loads_exactly_the_photos(tmp_path, make_image, log_records):
    root = tmp_path / "kaggle" / "versions" / "1"
    names = photo_set(root / "photos", make_image)
    for i, name in enumerate(["f-001-01-sz1.jpg", "f1-003-01-sz1.jpg", "m-001-01-sz1.jpg", "M2-002-01-sz1.jpg"]):
        make_image(root / "sketches" / name, mode="L", seed=30 + i)
    make_image(root / "thumbnails" / "preview.jpg")
    (root / "README.txt").write_text("CUFS\n")
    assert photos.find_photo_dir(tmp_path / "kaggle") == root / "photos"
    assert photos.load_dataset(tmp_path / "kaggle", progress=False)["filename"].tolist() == names


def test_real_kaggle_style_root_loads_the_188_photos(real_photos_dir, tmp_path):
    # The real photos beside sketch-named files (every photo's name with -sz1, as 100 real sketches have,
    # plus the upper-case F2-/M2- kind) and the usual clutter: exactly the 188 photos come back.
    root = tmp_path / "cufs"
    root.mkdir()
    (root / "photos").symlink_to(real_photos_dir, target_is_directory=True)
    (root / "sketches").mkdir()
    for path in sorted(real_photos_dir.iterdir()):
        (root / "sketches" / f"{path.stem}-sz1{path.suffix}").symlink_to(path)
        upper = root / "sketches" / f"{path.stem[0].upper()}2{path.stem[path.stem.index('-'):]}-sz1.jpg"
        if not upper.exists():  # f-005 and f1-005 share an upper-case name
            upper.symlink_to(path)
    (root / "__MACOSX").mkdir()
    (root / "__MACOSX" / "._photos").write_bytes(b"\x00")
    (root / "readme.txt").write_text("CUHK Face Sketch Database\n")
    found = photos.current_photos(root)
    assert found.folder == root / "photos"
    assert len(found.files) == 188
    assert found.labels.count(0) == 134 and found.labels.count(1) == 54


@pytest.mark.parametrize("mode", ["I;16", "F"])
def test_an_image_beyond_8_bits_is_refused_with_a_clear_error(tmp_path, mode):
    path = tmp_path / "f-001-01.tif"
    values = np.linspace(0, 65535 if mode == "I;16" else 1, 200 * 250).reshape(250, 200)
    Image.fromarray(values.astype(np.uint16 if mode == "I;16" else np.float32)).save(path)
    with pytest.raises(photos.CorruptImageError, match="more than 8 bits per channel.*8-bit RGB JPEG or PNG"):
        photos.load_image(path)


def test_exif_orientation_is_applied(tmp_path):
    # Stored 250 wide x 200 high with a red top-left corner; EXIF 6 says "rotate 90 degrees clockwise to view".
    pixels = np.zeros((200, 250, 3), dtype=np.uint8)
    pixels[:20, :20] = (255, 0, 0)
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "m-001-01.png"
    image.save(path, exif=exif)
    array = photos.load_image(path)
    assert array.shape == (250, 200, 3)
    # After the rotation the red corner is at the top right, and no resizing was needed.
    assert np.allclose(array[5, -5], (1, 0, 0)) and np.allclose(array[5, 5], (0, 0, 0))


def test_decompression_bomb_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "f-001-01.png"
    Image.new("1", (6000, 6000)).save(path)  # 36 million pixels in a few kilobytes
    assert path.stat().st_size < 100_000
    with pytest.raises(photos.ImageTooLargeError) as info:
        photos.load_image(path)
    assert str(path) in str(info.value) and "6000 x 6000" in str(info.value)


def test_pillow_bomb_error_is_wrapped_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "m-001-01.png"
    Image.new("L", (200, 250)).save(path)

    def bomb(*args, **kwargs):
        raise Image.DecompressionBombError("Image size exceeds limit")

    monkeypatch.setattr(photos.Image, "open", bomb)
    with pytest.raises(photos.ImageTooLargeError, match="m-001-01.png"):
        photos.load_image(path)


def test_permission_denied_is_wrapped_with_the_path(tmp_path, monkeypatch):
    # Tests may run as root, who can read anything: the refusal is simulated where Pillow opens the file.
    path = tmp_path / "f-001-01.jpg"
    Image.new("RGB", (200, 250)).save(path)

    def denied(fp, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(fp))

    monkeypatch.setattr(photos.Image, "open", denied)
    with pytest.raises(photos.PhotoAccessError) as info:
        photos.load_image(path)
    assert str(path) in str(info.value) and "chmod" in str(info.value)
    assert isinstance(info.value, PermissionError)


def test_unlistable_folder_is_wrapped_with_the_path(tmp_path, monkeypatch):
    folder = tmp_path / "photos"
    folder.mkdir()
    real_iterdir = Path.iterdir

    def iterdir(self):
        if self == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with pytest.raises(photos.PhotoAccessError, match="cannot be listed"):
        photos.select_photos(folder)


def make_root(folder: Path, make_image, names=("m-001-01.jpg", "f-001-01.jpg")) -> Path:
    """A dataset root laid out like the Kaggle download (photos/ + sketches/)."""
    for i, name in enumerate(names):
        make_image(folder / "photos" / name, seed=i)
    make_image(folder / "sketches" / "F2-001-01-sz1.jpg", mode="L")
    return folder


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No $CUFS_DIR, a fake project root without data, and kagglehub must not be called."""
    monkeypatch.delenv(config.DATA_ENV_VAR, raising=False)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setattr(config, "project_root", lambda: project)

    def no_download():
        raise AssertionError("download_from_kaggle must not be called here")

    monkeypatch.setattr(photos, "download_from_kaggle", no_download)
    return project


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("m-001-01.jpg", 0),
        ("m1-005-01.jpg", 0),
        ("f-005-01.jpg", 1),
        ("f1-002-01.jpg", 1),
        ("F2-005-01-sz1.jpg", None),
        ("M2-001-01-sz1.jpg", None),
        ("x-001.jpg", None),
        ("README.md", None),
        (".DS_Store", None),
        ("", None),
    ],
)
def test_label_from_filename(name, label):
    assert photos.label_from_filename(name) == label


def test_real_photos_frame(real_photos):
    assert list(real_photos.columns) == ["filename", "sex", "image_array"]
    assert len(real_photos) == N_PHOTOS
    assert real_photos["sex"].value_counts().to_dict() == {0: N_MALE, 1: N_FEMALE}
    names = real_photos["filename"].tolist()
    assert names == sorted(names)
    assert len(set(names)) == N_PHOTOS
    assert all(name[0] in "mf" and name.endswith(".jpg") for name in names)
    assert real_photos["sex"].tolist() == [0 if name.startswith("m") else 1 for name in names]


def test_real_photos_arrays(real_photos):
    for array in real_photos["image_array"]:
        assert isinstance(array, np.ndarray)
        assert array.dtype == np.float32
        assert array.shape == (250, 200, 3) == config.INPUT_SHAPE
        assert array.min() >= 0.0
        assert array.max() <= 1.0
    # Real photos, not blanks: the pixels use most of the range.
    everything = np.stack(real_photos["image_array"].to_list())
    assert everything.min() < 0.05
    assert everything.max() > 0.95


def test_dataset_root_resolves_to_its_photos_folder(real_photos_dir):
    assert photos.find_photo_dir(real_photos_dir) == real_photos_dir
    assert len(photos.current_photos(real_photos_dir).files) == N_PHOTOS


def test_explicit_argument_beats_env(isolated, tmp_path, monkeypatch, make_image):
    env_root = make_root(tmp_path / "env", make_image)
    arg_root = make_root(tmp_path / "arg", make_image)
    monkeypatch.setenv(config.DATA_ENV_VAR, str(env_root))
    assert photos.find_photo_dir(arg_root) == arg_root / "photos"
    assert photos.find_photo_dir(str(arg_root / "photos")) == arg_root / "photos"


def test_env_beats_data_raw(isolated, tmp_path, monkeypatch, make_image):
    make_image(isolated / "data" / "raw" / "m-001-01.jpg")
    env_root = make_root(tmp_path / "env", make_image)
    monkeypatch.setenv(config.DATA_ENV_VAR, str(env_root))
    assert photos.find_photo_dir() == env_root / "photos"


def test_data_raw_beats_kagglehub(isolated, make_image):
    raw = isolated / "data" / "raw"
    make_image(raw / "m-001-01.jpg")
    (raw / "README.md").write_text("put the photos here\n")
    assert photos.find_photo_dir() == raw


def test_data_raw_may_hold_the_dataset_root(isolated, make_image):
    raw = isolated / "data" / "raw"
    make_root(raw, make_image)
    assert photos.find_photo_dir() == raw / "photos"


def test_kagglehub_is_last(isolated, tmp_path, monkeypatch, make_image):
    downloaded = make_root(tmp_path / "kaggle-cache", make_image)
    monkeypatch.setattr(photos, "download_from_kaggle", lambda: downloaded)
    assert photos.find_photo_dir() == downloaded / "photos"
    frame = photos.load_dataset(progress=False)
    assert sorted(frame["filename"]) == ["f-001-01.jpg", "m-001-01.jpg"]


def test_kagglehub_used_when_data_raw_holds_only_placeholders(isolated, tmp_path, monkeypatch, make_image):
    # A fresh clone: data/raw/ holds only the tracked .gitkeep (plus, on a Mac, a .DS_Store).
    raw = isolated / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / ".gitkeep").write_text("")
    (raw / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    downloaded = make_root(tmp_path / "kaggle-cache", make_image)
    monkeypatch.setattr(photos, "download_from_kaggle", lambda: downloaded)
    assert photos.find_photo_dir() == downloaded / "photos"


def test_kagglehub_nested_download(isolated, tmp_path, monkeypatch, make_image):
    downloaded = tmp_path / "kaggle-cache" / "versions" / "1"
    make_root(downloaded / "CUFS", make_image)
    monkeypatch.setattr(photos, "download_from_kaggle", lambda: downloaded)
    assert photos.find_photo_dir() == downloaded / "CUFS" / "photos"


def test_download_from_kaggle_calls_kagglehub_with_the_slug(monkeypatch, tmp_path):
    seen = []

    def dataset_download(slug):
        seen.append(slug)
        return str(tmp_path)

    monkeypatch.setitem(sys.modules, "kagglehub", types.SimpleNamespace(dataset_download=dataset_download))
    assert photos.download_from_kaggle() == tmp_path
    assert seen == [config.KAGGLE_SLUG]


def test_failed_kagglehub_download_says_how_to_get_the_data(isolated, monkeypatch):
    monkeypatch.setattr(photos, "download_from_kaggle", REAL_DOWNLOAD)

    def dataset_download(slug):
        raise ConnectionError("no network")

    monkeypatch.setitem(sys.modules, "kagglehub", types.SimpleNamespace(dataset_download=dataset_download))
    with pytest.raises(photos.DataNotFoundError) as info:
        photos.find_photo_dir()
    message = str(info.value)
    assert "CUFS_DIR" in message
    assert config.KAGGLE_SLUG == "arbazkhan971/cuhk-face-sketch-database-cufs"
    assert config.KAGGLE_SLUG in message
    assert "no network" in message
    assert isinstance(info.value.__cause__, ConnectionError)
    assert isinstance(info.value, FileNotFoundError)


def test_missing_kagglehub_says_how_to_get_the_data(isolated, monkeypatch):
    monkeypatch.setattr(photos, "download_from_kaggle", REAL_DOWNLOAD)
    monkeypatch.setitem(sys.modules, "kagglehub", None)  # makes `import kagglehub` raise ImportError
    with pytest.raises(photos.DataNotFoundError) as info:
        photos.find_photo_dir()
    assert "kagglehub is not installed" in str(info.value)
    assert config.KAGGLE_SLUG in str(info.value)
    assert "CUFS_DIR" in str(info.value)
