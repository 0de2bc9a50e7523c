"""Tests of ``helpers.photos``: each row of the policy in ``data/README.md``, on small files of its own."""

from __future__ import annotations

import inspect
import logging
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import config, photos

REAL_DOWNLOAD = photos.download_from_kaggle  # the `isolated` fixture replaces it; some tests put it back


def load(folder: Path | None = None):
    return photos.load_photos(photos.current_photos(folder), progress=False)


def assert_explains_download(message: str) -> None:
    assert all(text in message for text in ("CUFS_DIR", config.KAGGLE_SLUG, "kagglehub.dataset_download", "data/raw"))


@pytest.fixture
def log_records(caplog):
    caplog.set_level(logging.INFO, logger="helpers.photos")
    photos._warn_once.cache_clear()  # warnings are given once per process; each test starts afresh
    return caplog


def warnings_text(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def photo_set(folder: Path, make_image, males=("m-001-01", "m1-002-01"), females=("f-001-01", "f1-003-01"),
              ext: str = ".jpg") -> list[str]:
    names = [f"{stem}{ext}" for stem in (*males, *females)]
    for i, name in enumerate(names):
        make_image(folder / name, seed=i)
    return sorted(names)


def test_the_installed_kagglehub_accepts_the_loaders_call(monkeypatch):
    """The loader's call, recorded, binds to the installed ``kagglehub.dataset_download`` (Colab's in the pinned
    leg): a renamed or reordered parameter fails here, without the network."""
    import kagglehub

    calls = []
    monkeypatch.setattr(kagglehub, "dataset_download", lambda *args, **kwargs: calls.append((args, kwargs)) or ".")
    photos.download_from_kaggle()
    monkeypatch.undo()
    (args, kwargs), = calls
    bound = inspect.signature(kagglehub.dataset_download).bind(*args, **kwargs)
    assert bound.arguments[next(iter(inspect.signature(kagglehub.dataset_download).parameters))] == config.KAGGLE_SLUG


def make_sketches_only(folder: Path, make_image) -> None:
    for name in ["F2-001-01-sz1.jpg", "M2-001-01-sz1.jpg", "f-039-01-sz1.jpg"]:  # lower-case sketch names exist too
        make_image(folder / name, mode="L")


@pytest.mark.parametrize(("make", "expected"), [
    (lambda folder, make_image: None, "does not exist"),
    (lambda folder, make_image: folder.write_bytes(b"PK\x03\x04"), "not a folder"),
    (lambda folder, make_image: folder.mkdir(), "no file named like a CUFS photo"),
    (lambda folder, make_image: make_image(folder / "notes" / "cover.jpg"), "no file named like a CUFS photo"),
    (make_sketches_only, "It holds 3 CUFS sketches: the photos are in the dataset's photos/ folder"),
])
def test_no_photo_folder_is_an_error_that_says_how_to_get_the_data(tmp_path, make_image, make, expected):
    folder = tmp_path / "data"
    make(folder, make_image)
    with pytest.raises(photos.DataNotFoundError, match=expected) as info:
        load(folder)
    assert str(folder) in str(info.value) and isinstance(info.value, FileNotFoundError)
    assert_explains_download(str(info.value))


def test_a_missing_folder_from_the_environment_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(config.DATA_ENV_VAR, str(tmp_path / "typo"))
    with pytest.raises(photos.DataNotFoundError, match=r"\$CUFS_DIR points to .*typo, which does not exist"):
        load()


def test_a_bad_image_in_the_folder_is_an_error_not_a_skip(tmp_path, make_image):
    photo_set(tmp_path, make_image)
    (tmp_path / "f-009-01.jpg").write_bytes(np.random.default_rng(0).integers(0, 256, 2000, np.uint8).tobytes())
    with pytest.raises(photos.DataError, match="f-009-01.jpg cannot be read as an 8-bit image"):
        load(tmp_path)


def truncated(path: Path) -> None:
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (250, 200, 3), np.uint8)).save(path, format="JPEG")
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    with Image.open(path) as image:  # the header is intact: only decoding reveals the damage
        assert image.size == (200, 250)


@pytest.mark.parametrize(("write", "expected"), [
    (lambda path: path.write_bytes(b"\xff\xd8 not a JPEG"), "cannot identify image file"),
    (truncated, "truncated"),
    (lambda path: Image.fromarray(np.full((250, 200), 40000, np.uint16)).save(path, format="TIFF"),
     "I;16 pixels, more than 8 bits per channel.*8-bit RGB JPEG or PNG"),
    (lambda path: Image.fromarray(np.full((250, 200), 0.5, np.float32)).save(path, format="TIFF"),
     "F pixels, more than 8 bits per channel"),
])
def test_an_unreadable_image_is_refused_naming_the_file(tmp_path, write, expected):
    path = tmp_path / "f-001-01.jpg"
    write(path)
    with pytest.raises(photos.DataError, match=expected) as info:
        photos.load_image(path)
    assert str(path) in str(info.value)


def test_pillows_own_limits_are_reported_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "m-001-01.png"
    Image.new("L", (200, 250)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20_000)  # 50,000 pixels is then past twice the limit: a bomb
    with pytest.raises(photos.DataError, match="m-001-01.png.*decompression bomb"):
        photos.load_image(path)

    def denied(fp, *args, **kwargs):  # tests may run as root, who can read anything
        raise PermissionError(13, "Permission denied", str(fp))

    monkeypatch.setattr(Image, "open", denied)
    with pytest.raises(photos.DataError, match="m-001-01.png.*Permission denied.*make it readable"):
        photos.load_image(path)


def palette_image() -> Image.Image:
    image = Image.new("P", (200, 250), color=1)
    image.putpalette([0, 0, 0, 200, 100, 50])
    return image


@pytest.mark.parametrize(("make", "rgb"), [
    (lambda: Image.new("L", (200, 250), color=128), (128, 128, 128)),
    (lambda: Image.new("RGBA", (200, 250), color=(10, 20, 30, 0)), (10, 20, 30)),  # alpha dropped, colours kept
    (palette_image, (200, 100, 50)),
    (lambda: Image.new("RGB", (50, 60), color=(255, 0, 51)), (255, 0, 51)),  # resized, the colour kept
    (lambda: Image.new("RGB", (400, 300), color=(1, 2, 3)), (1, 2, 3)),
])
def test_other_modes_and_sizes_load_as_200_by_250_rgb(tmp_path, make, rgb):
    make().save(tmp_path / "f-001-01.png")
    array = photos.load_image(tmp_path / "f-001-01.png")
    assert array.shape == (250, 200, 3) == config.INPUT_SHAPE and array.dtype == np.float32
    assert np.allclose(array, np.array(rgb) / 255, atol=1e-6)


def test_cmyk_jpeg_and_upper_case_extension_load_in_a_folder(tmp_path, make_image):
    make_image(tmp_path / "f-001-01.JPG", mode="CMYK", fmt="JPEG")
    make_image(tmp_path / "m-001-01.png")
    frame = load(tmp_path)
    assert frame["filename"].tolist() == ["f-001-01.JPG", "m-001-01.png"]
    assert all(a.shape == (250, 200, 3) and a.min() >= 0 and a.max() <= 1 for a in frame["image_array"])


def test_exif_orientation_is_applied(tmp_path):
    # Stored 250 wide x 200 high with a red top-left corner; EXIF 6 says "rotate 90 degrees clockwise to view".
    pixels = np.zeros((200, 250, 3), dtype=np.uint8)
    pixels[:20, :20] = (255, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(pixels).save(tmp_path / "m-001-01.png", exif=exif)
    array = photos.load_image(tmp_path / "m-001-01.png")
    # After the rotation the red corner is at the top right, and no resizing was needed.
    assert np.allclose(array[5, -5], (1, 0, 0)) and np.allclose(array[5, 5], (0, 0, 0))


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
    ("README.md", None),
    ("", None),
])
def test_photo_names(name, parsed):
    assert photos.parse_photo_name(name) == parsed


@pytest.mark.parametrize(("extras", "kind"), [
    (["f-001-01-sz1.jpg", "m1-002-01-sz1.jpg", "F2-009-01-sz1.jpg"], "CUFS sketches"),  # photos and sketches mixed
    (["f-001-01 copy.jpg", "m1-002-01 (1).jpg", "m-001-01 - Copy.jpg", "f1-003-01_2.jpg"], "copies of a photo"),
    (["me.jpg", "family.png", "m-5.jpg", "F2-001-sz1.jpg", "f-0001-01.jpg", "f-001-01.txt", "notes.md", "more/"],
     "not an image named like a CUFS photo"),
])
def test_extra_files_are_skipped_and_each_is_named(tmp_path, make_image, log_records, extras, kind):
    names = photo_set(tmp_path, make_image)
    for i, name in enumerate(extras):
        if name.endswith("/"):  # a sub-folder, with a photo in it: only the photos themselves are read
            make_image(tmp_path / name / "m-009-01.jpg")
        elif name.endswith((".txt", ".md")):
            (tmp_path / name).write_text("not an image\n")
        else:
            make_image(tmp_path / name, seed=50 + i)
    (tmp_path / "Thumbs.db").write_bytes(b"\x00" * 16)  # system residue: ignored without a warning
    assert load(tmp_path)["filename"].tolist() == names
    text = warnings_text(log_records)
    assert kind in text and all(name.rstrip("/") in text for name in extras) and "Thumbs.db" not in text


@pytest.mark.parametrize("other", ["f-001-01.png", "F-001-01.jpg", "f-001-02.jpg"])
def test_two_files_for_one_person_are_an_error_naming_both(tmp_path, make_image, other):
    photo_set(tmp_path, make_image)
    make_image(tmp_path / other, seed=99)
    with pytest.raises(photos.DataError, match="one photo per person") as info:
        load(tmp_path)
    assert "f-001-01.jpg" in str(info.value) and other in str(info.value)


@pytest.mark.parametrize(("males", "females", "stated"), [(("m-001-01",), (), "1 male, 0 female"),
                                                          ((), ("f-001-01",), "0 male, 1 female")])
def test_a_missing_class_is_an_error(tmp_path, make_image, males, females, stated):
    photo_set(tmp_path, make_image, males=males, females=females)
    with pytest.raises(photos.DataNotFoundError, match=f"holds {stated} photos: without both"):
        load(tmp_path)


def test_a_count_other_than_188_is_a_warning_given_once(tmp_path, make_image, log_records):
    photo_set(tmp_path, make_image, males=("m-001-01", "m-002-01", "m1-003-01"), females=("f-004-01",))
    load(tmp_path)
    load(tmp_path)
    text = warnings_text(log_records)
    assert "4 photos (3 male, 1 female)" in text and "188 (134 male, 54 female)" in text
    assert text.count("4 photos (3 male, 1 female)") == 1


def test_macos_and_windows_residue_and_hidden_copies_are_ignored_quietly(tmp_path, make_image, log_records):
    names = photo_set(tmp_path / "cufs" / "photos", make_image)
    residue_dir = tmp_path / "cufs" / "__MACOSX" / "photos"
    residue_dir.mkdir(parents=True)
    for name in ["._f-001-01.jpg", "._m-001-01.jpg"]:
        (residue_dir / name).write_bytes(b"\x00\x05\x16\x07")
        (tmp_path / "cufs" / "photos" / name).write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / "cufs" / "photos" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    shutil.copytree(tmp_path / "cufs" / "photos", tmp_path / "cufs" / ".ipynb_checkpoints" / "photos")
    assert load(tmp_path / "cufs")["filename"].tolist() == names
    assert "Skipped" not in warnings_text(log_records)


def test_several_photo_folders_are_an_error_listing_them_until_one_is_named(tmp_path, make_image):
    root = tmp_path / "cufs"
    names = photo_set(root / "photos", make_image)
    photo_set(root / "backup" / "Photos", make_image, males=("m-001-01",))  # a partial backup, deeper, other case
    with pytest.raises(photos.DataError) as info:
        load(root)
    message = str(info.value)
    assert f"{root / 'photos'}  (4 photos)" in message and f"{root / 'backup' / 'Photos'}  (3 photos)" in message
    assert "CUFS_DIR" in message and "--data-dir" in message
    assert load(root / "photos")["filename"].tolist() == names


def test_a_photo_folders_own_sub_folders_do_not_compete(tmp_path, make_image, log_records):
    folder = tmp_path / "photos"
    names = photo_set(folder, make_image)
    photo_set(folder / "partial backup", make_image, males=("m-001-01",))
    assert photos.find_photo_dir(folder) == folder
    assert load(folder)["filename"].tolist() == names
    assert "partial backup" in warnings_text(log_records)


def test_kaggle_style_root_loads_exactly_the_photos(tmp_path, make_image):
    root = tmp_path / "kaggle" / "versions" / "1"
    names = photo_set(root / "photos", make_image)
    for i, name in enumerate(["f-001-01-sz1.jpg", "f1-003-01-sz1.jpg", "m-001-01-sz1.jpg", "M2-002-01-sz1.jpg"]):
        make_image(root / "sketches" / name, mode="L", seed=30 + i)
    make_image(root / "thumbnails" / "preview.jpg")
    make_image(root / "cover.jpg")  # a stray image beside photos/ is not mixed in either
    (root / "README.txt").write_text("CUFS\n")
    assert photos.find_photo_dir(tmp_path / "kaggle") == root / "photos"
    frame = load(tmp_path / "kaggle")
    assert frame["filename"].tolist() == names and frame["sex"].tolist() == [1, 1, 0, 0]
    expected = np.asarray(Image.open(root / "photos" / "m1-002-01.jpg").convert("RGB"), np.float32) / 255
    assert np.array_equal(frame["image_array"].iloc[3], expected)


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
    (root / "loop").symlink_to(root, target_is_directory=True)  # a link back up the tree is searched once
    (root / "readme.txt").write_text("CUHK Face Sketch Database\n")
    found = photos.current_photos(root)
    assert found.folder == root / "photos"
    assert len(found.files) == 188
    labels = [photos.parse_photo_name(p.name)[0] for p in found.files]
    assert labels.count(0) == 134 and labels.count(1) == 54


def test_real_photos_frame(real_photos):
    assert list(real_photos.columns) == ["filename", "sex", "image_array"]
    names = real_photos["filename"].tolist()
    assert len(set(names)) == 188 and names == sorted(names)
    assert all(name[0] in "mf" and name.endswith(".jpg") for name in names)
    assert real_photos["sex"].tolist() == [0 if name.startswith("m") else 1 for name in names]
    assert real_photos["sex"].value_counts().to_dict() == {0: 134, 1: 54}
    everything = np.stack(real_photos["image_array"].to_list())
    assert everything.dtype == np.float32 and everything.shape == (188, *config.INPUT_SHAPE)
    assert 0 <= everything.min() < 0.05 and 0.95 < everything.max() <= 1  # real photos, not blanks


def test_dataset_root_resolves_to_its_photos_folder(real_photos_dir):
    assert photos.find_photo_dir(real_photos_dir) == real_photos_dir
    assert len(photos.current_photos(real_photos_dir).files) == 188


# ---- where the photos are looked for: argument, $CUFS_DIR, data/raw/, kagglehub -------------------------------


def make_root(folder: Path, make_image) -> Path:
    """A dataset root laid out like the Kaggle download (photos/ + sketches/)."""
    for i, name in enumerate(("m-001-01.jpg", "f-001-01.jpg")):
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


def test_data_raw_beats_kagglehub_and_may_hold_the_dataset_root(isolated, make_image):
    raw = isolated / "data" / "raw"
    make_image(raw / "m-001-01.jpg")
    (raw / "README.md").write_text("put the photos here\n")
    assert photos.find_photo_dir() == raw
    shutil.rmtree(raw)
    make_root(raw, make_image)
    assert photos.find_photo_dir() == raw / "photos"


@pytest.mark.parametrize("placeholders", [(), (".gitkeep", ".DS_Store", "README.md")])
def test_kagglehub_is_last(isolated, tmp_path, monkeypatch, make_image, placeholders):
    for name in placeholders:  # a fresh clone's data/raw/ holds only placeholders
        (isolated / "data" / "raw").mkdir(parents=True, exist_ok=True)
        (isolated / "data" / "raw" / name).write_text("")
    downloaded = make_root(tmp_path / "kaggle-cache" / "versions" / "1" / "CUFS", make_image)
    monkeypatch.setattr(photos, "download_from_kaggle", lambda: tmp_path / "kaggle-cache")
    assert photos.find_photo_dir() == downloaded / "photos"
    assert load()["filename"].tolist() == ["f-001-01.jpg", "m-001-01.jpg"]


def offline(slug: str) -> str:
    raise ConnectionError("no network")


@pytest.mark.parametrize(("kagglehub", "expected"), [
    (None, "ModuleNotFoundError"),  # None in sys.modules makes `import kagglehub` fail
    (types.SimpleNamespace(dataset_download=offline), "ConnectionError: no network"),
])
def test_a_failed_kagglehub_download_says_how_to_get_the_data(isolated, monkeypatch, kagglehub, expected):
    monkeypatch.setattr(photos, "download_from_kaggle", REAL_DOWNLOAD)
    monkeypatch.setitem(sys.modules, "kagglehub", kagglehub)
    with pytest.raises(photos.DataNotFoundError, match=f"kagglehub download failed \\({expected}") as info:
        photos.find_photo_dir()
    assert_explains_download(str(info.value))
    assert isinstance(info.value, FileNotFoundError) and info.value.__cause__ is not None
