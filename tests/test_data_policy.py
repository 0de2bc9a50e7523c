"""The loader cannot be fooled: dataset folders laid out the ways people really have them.

Each test builds its own small files. Sketches, copies, backups, residue: every case ends in exactly
the CUFS photos, a warning that names what was skipped, or an error that says what to do.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import data


@pytest.fixture
def log_records(caplog):
    caplog.set_level(logging.INFO, logger="helpers.data")
    data._WARNED.clear()  # warnings are given once per process; each test starts afresh
    return caplog


def warnings_text(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def photo_set(folder: Path, make_image, males=("m-001-01", "m1-002-01"), females=("f-001-01", "f1-003-01"),
              ext: str = ".jpg") -> list[str]:
    names = [f"{stem}{ext}" for stem in (*males, *females)]
    for i, name in enumerate(names):
        make_image(folder / name, seed=i)
    return sorted(names)


# ---- names ------------------------------------------------------------------------------------------


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
    assert data.parse_photo_name(name) == parsed


def test_sketch_folder_with_lower_case_names_loads_nothing(tmp_path, make_image, log_records):
    # 100 of the real sketches are named like f-039-01-sz1.jpg: a first-letter check let them in.
    for i, name in enumerate(["f-039-01-sz1.jpg", "m1-017-01-sz1.jpg", "F2-001-01-sz1.jpg", "M2-002-01-sz1.jpg"]):
        make_image(tmp_path / "sketches" / name, mode="L", seed=i)
    with pytest.raises(data.DataNotFoundError, match="4 CUFS sketches"):
        data.load_dataset(tmp_path / "sketches", progress=False)


@pytest.mark.parametrize(("extras", "kind"), [
    (["f-001-01-sz1.jpg", "m1-002-01-sz1.jpg", "F2-009-01-sz1.jpg"], "CUFS sketches"),  # photos and sketches mixed
    (["f-001-01 copy.jpg", "m1-002-01 (1).jpg", "m-001-01 - Copy.jpg", "f1-003-01_2.jpg"], "copies of a photo"),
    (["me.jpg", "family.png", "face.jpg", "m-5.jpg"], "not named like a CUFS photo"),  # stray m*/f* images
])
def test_extra_images_are_skipped_and_each_is_named(tmp_path, make_image, log_records, extras, kind):
    names = photo_set(tmp_path, make_image)
    for i, name in enumerate(extras):
        make_image(tmp_path / name, seed=50 + i)
    frame = data.load_dataset(tmp_path, progress=False)
    assert frame["filename"].tolist() == names
    text = warnings_text(log_records)
    assert kind in text and all(name in text for name in extras)


@pytest.mark.parametrize("other", ["f-001-01.png", "F-001-01.jpg", "f-001-02.jpg"])
def test_two_files_for_one_person_are_an_error_naming_both(tmp_path, make_image, other):
    photo_set(tmp_path, make_image)
    make_image(tmp_path / other, seed=99)
    with pytest.raises(data.DuplicatePhotoError) as info:
        data.load_dataset(tmp_path, progress=False)
    message = str(info.value)
    assert "f-001-01.jpg" in message and other in message and "one photo per person" in message


@pytest.mark.parametrize(("males", "females", "missing"), [(("m-001-01",), (), "female"), ((), ("f-001-01",), "male")])
def test_a_missing_class_is_an_error(tmp_path, make_image, males, females, missing):
    photo_set(tmp_path, make_image, males=males, females=females)
    with pytest.raises(data.MissingClassError, match=f"no {missing} photo"):
        data.load_dataset(tmp_path, progress=False)


def test_a_count_other_than_188_is_a_warning_with_the_counts(tmp_path, make_image, log_records):
    photo_set(tmp_path, make_image, males=("m-001-01", "m-002-01", "m1-003-01"), females=("f-004-01",))
    data.load_dataset(tmp_path, progress=False)
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
    frame = data.load_dataset(tmp_path / "cufs", progress=False)
    assert frame["filename"].tolist() == names
    assert "._f-001-01.jpg" not in warnings_text(log_records)
    assert any("._f-001-01.jpg" in r.getMessage() for r in log_records.records if r.levelno == logging.INFO)


# ---- never choose silently ------------------------------------------------------------------------------


def test_several_photo_folders_are_an_error_listing_them(tmp_path, make_image):
    root = tmp_path / "cufs"
    photo_set(root / "photos", make_image)
    photo_set(root / "backup" / "Photos", make_image, males=("m-001-01",))  # a partial backup, deeper, other case
    with pytest.raises(data.AmbiguousPhotoFoldersError) as info:
        data.load_dataset(root, progress=False)
    message = str(info.value)
    assert str(root / "photos") in message and str(root / "backup" / "Photos") in message
    assert "4 photos: 2 male, 2 female" in message and "3 photos: 1 male, 2 female" in message
    assert "CUFS_DIR" in message and "--data-dir" in message


def test_the_chosen_folder_works_once_named(tmp_path, make_image):
    root = tmp_path / "cufs"
    names = photo_set(root / "photos", make_image)
    photo_set(root / "old", make_image, males=("m-001-01",))
    assert data.load_dataset(root / "photos", progress=False)["filename"].tolist() == names


def test_a_photo_folders_own_sub_folders_do_not_compete(tmp_path, make_image, log_records):
    photos = tmp_path / "photos"
    names = photo_set(photos, make_image)
    photo_set(photos / "partial backup", make_image, males=("m-001-01",))
    assert data.find_photo_dir(photos) == photos
    assert data.load_dataset(photos, progress=False)["filename"].tolist() == names
    assert "partial backup" in warnings_text(log_records)


def test_kaggle_style_root_loads_exactly_the_photos(tmp_path, make_image, log_records):
    root = tmp_path / "kaggle" / "versions" / "1"
    names = photo_set(root / "photos", make_image)
    for i, name in enumerate(["f-001-01-sz1.jpg", "f1-003-01-sz1.jpg", "m-001-01-sz1.jpg", "M2-002-01-sz1.jpg"]):
        make_image(root / "sketches" / name, mode="L", seed=30 + i)
    make_image(root / "thumbnails" / "preview.jpg")
    (root / "README.txt").write_text("CUFS\n")
    assert data.find_photo_dir(tmp_path / "kaggle") == root / "photos"
    assert data.load_dataset(tmp_path / "kaggle", progress=False)["filename"].tolist() == names


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
    photos = data.current_photos(root)
    assert photos.folder == root / "photos"
    assert len(photos.files) == 188
    assert photos.labels.count(0) == 134 and photos.labels.count(1) == 54


# ---- decoding -------------------------------------------------------------------------------------------


def test_16_bit_png_keeps_its_grey_levels(tmp_path):
    path = tmp_path / "f-001-01.png"
    values = np.linspace(0, 65535, 200 * 250).reshape(250, 200).astype(np.uint16)
    Image.fromarray(values).save(path)
    with Image.open(path) as image:
        assert image.mode.startswith("I")  # what Pillow makes of it
    array = data.load_image(path)
    assert array.shape == (250, 200, 3)
    assert abs(float(array.mean()) - 0.5) < 0.01, "a 16-bit ramp must average mid-grey, not load as white"
    assert array.min() == 0.0 and array.max() == 1.0


def test_float_image_in_unit_range(tmp_path):
    path = tmp_path / "f-001-01.tif"
    Image.fromarray(np.full((250, 200), 0.25, dtype=np.float32), mode="F").save(path)
    assert np.allclose(data.load_image(path), 64 / 255)


def test_exif_orientation_is_applied(tmp_path):
    # Stored 250 wide x 200 high with a red top-left corner; EXIF 6 says "rotate 90 degrees clockwise to view".
    pixels = np.zeros((200, 250, 3), dtype=np.uint8)
    pixels[:20, :20] = (255, 0, 0)
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "m-001-01.png"
    image.save(path, exif=exif)
    array = data.load_image(path)
    assert array.shape == (250, 200, 3)
    # After the rotation the red corner is at the top right, and no resizing was needed.
    assert np.allclose(array[5, -5], (1, 0, 0)) and np.allclose(array[5, 5], (0, 0, 0))


def test_decompression_bomb_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "f-001-01.png"
    Image.new("1", (6000, 6000)).save(path)  # 36 million pixels in a few kilobytes
    assert path.stat().st_size < 100_000
    with pytest.raises(data.ImageTooLargeError) as info:
        data.load_image(path)
    assert str(path) in str(info.value) and "6000 x 6000" in str(info.value)


def test_pillow_bomb_error_is_wrapped_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "m-001-01.png"
    Image.new("L", (200, 250)).save(path)

    def bomb(*args, **kwargs):
        raise Image.DecompressionBombError("Image size exceeds limit")

    monkeypatch.setattr(data.Image, "open", bomb)
    with pytest.raises(data.ImageTooLargeError, match="m-001-01.png"):
        data.load_image(path)


def test_permission_denied_is_wrapped_with_the_path(tmp_path, monkeypatch):
    # Tests may run as root, who can read anything: the refusal is simulated where Pillow opens the file.
    path = tmp_path / "f-001-01.jpg"
    Image.new("RGB", (200, 250)).save(path)

    def denied(fp, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(fp))

    monkeypatch.setattr(data.Image, "open", denied)
    with pytest.raises(data.PhotoAccessError) as info:
        data.load_image(path)
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
    with pytest.raises(data.PhotoAccessError, match="cannot be listed"):
        data.select_photos(folder)
