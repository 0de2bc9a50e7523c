"""Labels, loading the real photos, stacking, the seeded split, the artifact and finding the data."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import config, data

N_PHOTOS, N_MALE, N_FEMALE = 188, 134, 54
REAL_DOWNLOAD = data.download_from_kaggle  # the `isolated` fixture replaces it; some tests put it back

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


# ---- labels -------------------------------------------------------------------------------------


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
    assert data.label_from_filename(name) == label


# ---- the real photos ----------------------------------------------------------------------------


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
    assert data.find_photo_dir(real_photos_dir) == real_photos_dir
    assert len(data.list_photo_files(real_photos_dir)) == N_PHOTOS


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


# ---- the artifact -------------------------------------------------------------------------------


def assert_same_photos(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    assert actual["filename"].tolist() == expected["filename"].tolist()
    assert actual["sex"].tolist() == expected["sex"].tolist()
    assert actual["sex"].dtype == expected["sex"].dtype
    assert len(actual) == len(expected)
    for got, want in zip(actual["image_array"], expected["image_array"], strict=True):
        assert got.dtype == want.dtype == np.float32
        assert np.array_equal(got, want)


def test_photos_artifact_round_trip(real_photos, tmp_path):
    path = data.save_photos_artifact(real_photos, tmp_path)
    assert path == tmp_path / data.PHOTOS_ARTIFACT
    assert sorted(p.name for p in tmp_path.iterdir()) == [data.PHOTOS_MANIFEST, data.PHOTOS_ARTIFACT]
    manifest = pd.read_csv(tmp_path / data.PHOTOS_MANIFEST)
    assert manifest.columns.tolist() == ["filename", "sex"]
    assert manifest["filename"].tolist() == real_photos["filename"].tolist()
    assert_same_photos(data.load_photos_artifact(tmp_path), real_photos)


def test_prepared_photos_builds_then_reuses(tmp_path, monkeypatch, make_image):
    photos = tmp_path / "photos"
    for i, name in enumerate(["f-001-01.jpg", "m-001-01.jpg", "m-002-01.jpg"]):
        make_image(photos / name, seed=i)
    out = tmp_path / "out"
    monkeypatch.setenv(config.OUTPUT_ENV_VAR, str(out))
    calls = []
    real_load = data.load_photos

    def counting_load(*args, **kwargs):
        calls.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(data, "load_photos", counting_load)
    artifact = out / "data" / "processed" / data.PHOTOS_ARTIFACT
    assert not artifact.exists()

    built = data.prepared_photos(photos)
    assert len(calls) == 1
    assert artifact.exists()
    assert (out / "data" / "processed" / "photos.provenance.json").exists()
    assert built["filename"].tolist() == ["f-001-01.jpg", "m-001-01.jpg", "m-002-01.jpg"]

    reused = data.prepared_photos(photos)
    assert len(calls) == 1, "the second call must read the artifact, not decode the photos"
    assert_same_photos(reused, built)

    rebuilt = data.prepared_photos(photos, rebuild=True)
    assert len(calls) == 2
    assert_same_photos(rebuilt, built)


def test_prepared_photos_of_a_copy_elsewhere_are_reused(tmp_path, make_image):
    for folder in ("a", "b"):  # the same files in two places: the same data
        make_image(tmp_path / folder / "photos" / "f-001-01.jpg")
        make_image(tmp_path / folder / "photos" / "m-001-01.jpg", seed=1)
    root = tmp_path / "root"
    built = data.prepared_photos(tmp_path / "a", root=root)
    stamp = (root / "data" / "processed" / data.PHOTOS_ARTIFACT).stat().st_mtime_ns
    assert_same_photos(data.prepared_photos(tmp_path / "b", root=root), built)
    assert (root / "data" / "processed" / data.PHOTOS_ARTIFACT).stat().st_mtime_ns == stamp


def test_prepared_photos_need_the_photos_to_vouch_for_the_artifact(tmp_path, make_image):
    photos = tmp_path / "photos"
    make_image(photos / "f-001-01.jpg")
    make_image(photos / "m-001-01.jpg", seed=1)
    root = tmp_path / "root"
    data.prepared_photos(photos, root=root)
    # Without the photos nothing can tell whether the artifact is theirs: no silent reuse.
    with pytest.raises(data.DataNotFoundError, match="no-such-folder"):
        data.prepared_photos(tmp_path / "no-such-folder", root=root)


# ---- finding the data ---------------------------------------------------------------------------


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

    monkeypatch.setattr(data, "download_from_kaggle", no_download)
    return project


def test_explicit_argument_beats_env(isolated, tmp_path, monkeypatch, make_image):
    env_root = make_root(tmp_path / "env", make_image)
    arg_root = make_root(tmp_path / "arg", make_image)
    monkeypatch.setenv(config.DATA_ENV_VAR, str(env_root))
    assert data.find_photo_dir(arg_root) == arg_root / "photos"
    assert data.find_photo_dir(str(arg_root / "photos")) == arg_root / "photos"


def test_env_beats_data_raw(isolated, tmp_path, monkeypatch, make_image):
    make_image(isolated / "data" / "raw" / "m-001-01.jpg")
    env_root = make_root(tmp_path / "env", make_image)
    monkeypatch.setenv(config.DATA_ENV_VAR, str(env_root))
    assert data.find_photo_dir() == env_root / "photos"


def test_data_raw_beats_kagglehub(isolated, make_image):
    raw = isolated / "data" / "raw"
    make_image(raw / "m-001-01.jpg")
    (raw / "README.md").write_text("put the photos here\n")
    assert data.find_photo_dir() == raw


def test_data_raw_may_hold_the_dataset_root(isolated, make_image):
    raw = isolated / "data" / "raw"
    make_root(raw, make_image)
    assert data.find_photo_dir() == raw / "photos"


def test_kagglehub_is_last(isolated, tmp_path, monkeypatch, make_image):
    downloaded = make_root(tmp_path / "kaggle-cache", make_image)
    monkeypatch.setattr(data, "download_from_kaggle", lambda: downloaded)
    assert data.find_photo_dir() == downloaded / "photos"
    frame = data.load_dataset(progress=False)
    assert sorted(frame["filename"]) == ["f-001-01.jpg", "m-001-01.jpg"]


def test_kagglehub_used_when_data_raw_holds_only_placeholders(isolated, tmp_path, monkeypatch, make_image):
    # A fresh clone: data/raw/ holds only the tracked .gitkeep (plus, on a Mac, a .DS_Store).
    raw = isolated / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / ".gitkeep").write_text("")
    (raw / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    downloaded = make_root(tmp_path / "kaggle-cache", make_image)
    monkeypatch.setattr(data, "download_from_kaggle", lambda: downloaded)
    assert data.find_photo_dir() == downloaded / "photos"


def test_kagglehub_nested_download(isolated, tmp_path, monkeypatch, make_image):
    downloaded = tmp_path / "kaggle-cache" / "versions" / "1"
    make_root(downloaded / "CUFS", make_image)
    monkeypatch.setattr(data, "download_from_kaggle", lambda: downloaded)
    assert data.find_photo_dir() == downloaded / "CUFS" / "photos"


def test_download_from_kaggle_calls_kagglehub_with_the_slug(monkeypatch, tmp_path):
    seen = []

    def dataset_download(slug):
        seen.append(slug)
        return str(tmp_path)

    monkeypatch.setitem(sys.modules, "kagglehub", types.SimpleNamespace(dataset_download=dataset_download))
    assert data.download_from_kaggle() == tmp_path
    assert seen == [config.KAGGLE_SLUG]


def test_failed_kagglehub_download_says_how_to_get_the_data(isolated, monkeypatch):
    monkeypatch.setattr(data, "download_from_kaggle", REAL_DOWNLOAD)

    def dataset_download(slug):
        raise ConnectionError("no network")

    monkeypatch.setitem(sys.modules, "kagglehub", types.SimpleNamespace(dataset_download=dataset_download))
    with pytest.raises(data.DataNotFoundError) as info:
        data.find_photo_dir()
    message = str(info.value)
    assert "CUFS_DIR" in message
    assert config.KAGGLE_SLUG == "arbazkhan971/cuhk-face-sketch-database-cufs"
    assert config.KAGGLE_SLUG in message
    assert "no network" in message
    assert isinstance(info.value.__cause__, ConnectionError)
    assert isinstance(info.value, FileNotFoundError)


def test_missing_kagglehub_says_how_to_get_the_data(isolated, monkeypatch):
    monkeypatch.setattr(data, "download_from_kaggle", REAL_DOWNLOAD)
    monkeypatch.setitem(sys.modules, "kagglehub", None)  # makes `import kagglehub` raise ImportError
    with pytest.raises(data.DataNotFoundError) as info:
        data.find_photo_dir()
    assert "kagglehub is not installed" in str(info.value)
    assert config.KAGGLE_SLUG in str(info.value)
    assert "CUFS_DIR" in str(info.value)
