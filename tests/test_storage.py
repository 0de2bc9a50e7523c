"""Atomic writes and JSON documents."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from helpers import config
from helpers.infra import storage


def test_atomic_write_replaces_the_file(tmp_path):
    target = tmp_path / "new" / "folder" / "result.txt"
    returned = storage.atomic_write(target, lambda tmp: tmp.write_text("first"))
    assert returned == target
    assert target.read_text() == "first"
    storage.atomic_write(target, lambda tmp: tmp.write_text("second"))
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["result.txt"]


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "result.json"
    target.write_text('{"old": true}')
    seen = []

    def half_written(tmp: Path) -> None:
        seen.append(tmp)
        assert tmp.parent == target.parent  # beside the target, so the rename stays on one disk
        tmp.write_text('{"new": ')
        raise RuntimeError("crash half-way")

    with pytest.raises(RuntimeError, match="crash half-way"):
        storage.atomic_write(target, half_written)
    assert target.read_text() == '{"old": true}'
    assert not seen[0].exists()
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_atomic_write_failure_without_old_file_leaves_nothing(tmp_path):
    def failing(tmp: Path) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        storage.atomic_write(tmp_path / "x.csv", failing)
    assert list(tmp_path.iterdir()) == []


def test_json_round_trip_with_numpy_values(tmp_path):
    payload = {
        "accuracy": np.float32(0.875),
        "auc": np.float64(0.9383),
        "epochs": np.int64(12),
        "flag": np.bool_(True),
        "confusion": np.array([[20, 5], [1, 12]]),
        "model": Path("data/models/final.keras"),
        "nested": {"b": [1, 2.5, None], "a": "text"},
    }
    path = storage.save_json(tmp_path / "results.json", payload)
    loaded = storage.load_json(path)
    assert loaded == {
        "accuracy": 0.875,
        "auc": 0.9383,
        "epochs": 12,
        "flag": True,
        "confusion": [[20, 5], [1, 12]],
        "model": "data/models/final.keras",
        "nested": {"a": "text", "b": [1, 2.5, None]},
    }
    assert type(loaded["epochs"]) is int
    assert type(loaded["flag"]) is bool
    text = path.read_text()
    assert text.endswith("}\n")
    assert text.index('"accuracy"') < text.index('"auc"') < text.index('"confusion"')  # sorted keys


def test_json_refuses_unknown_types_and_writes_nothing(tmp_path):
    with pytest.raises(TypeError, match="set"):
        storage.save_json(tmp_path / "bad.json", {"values": {1, 2}})
    assert list(tmp_path.iterdir()) == []


def test_output_root_order(tmp_path, monkeypatch):
    monkeypatch.setenv(config.OUTPUT_ENV_VAR, str(tmp_path / "env"))
    assert config.output_root() == (tmp_path / "env").resolve()
    assert config.output_root(tmp_path / "explicit") == (tmp_path / "explicit").resolve()
    assert config.results_dir() == tmp_path / "env" / "results"
    assert config.results_dir().is_dir()
    monkeypatch.delenv(config.OUTPUT_ENV_VAR)
    assert config.output_root() == config.project_root()


def test_session_output_dir_is_outside_the_repo(output_dir):
    assert Path(os.environ[config.OUTPUT_ENV_VAR]) == output_dir
    assert config.project_root() not in config.output_root().parents
    assert config.output_root() != config.project_root()


# ---- permissions, durability, damaged files ----------------------------------------------------------


@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_get_the_mode_open_would_give(tmp_path, umask, mask, mode):
    umask(mask)
    path = storage.save_json(tmp_path / "r.json", {"a": 1})
    assert stat.S_IMODE(path.stat().st_mode) == mode
    binary = storage.atomic_write(tmp_path / "a.bin", lambda tmp: tmp.write_bytes(b"\0"))
    assert stat.S_IMODE(binary.stat().st_mode) == mode


def test_replacing_a_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    path = storage.save_json(tmp_path / "r.json", {"a": 1})
    path.chmod(0o640)
    storage.save_json(path, {"a": 2})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert storage.load_json(path) == {"a": 2}


def test_data_is_flushed_to_disk_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync")
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", Path(src).read_text()))
        real_replace(src, dst)

    monkeypatch.setattr(storage.os, "fsync", fsync)
    monkeypatch.setattr(storage.os, "replace", replace)
    storage.atomic_write(tmp_path / "f.txt", lambda tmp: tmp.write_text("content"))
    assert events == ["fsync", ("replace", "content")], "the file must be on disk before it is renamed into place"
