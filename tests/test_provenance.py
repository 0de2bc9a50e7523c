"""Tests of ``helpers.provenance``."""

from __future__ import annotations

import numpy as np

from helpers import augmentation, data
from helpers.infra import provenance, storage


def test_record_then_check(tmp_path):
    artifact = tmp_path / "thing.npz"
    storage.save_npz(artifact, x=np.arange(3))
    fingerprint = {"step": "test", "seed": 23, "photos": {"count": 3, "sha256": "abc"}, "params": (1, 2)}
    assert provenance.stale_reason([artifact], fingerprint) is not None  # no record yet
    provenance.record([artifact], fingerprint)
    assert provenance.sidecar_path(artifact).name == "thing.provenance.json"
    assert provenance.stale_reason([artifact], fingerprint) is None
    assert "seed = 23 (now 24)" in provenance.stale_reason([artifact], {**fingerprint, "seed": 24})
    other_photos = {**fingerprint, "photos": {"count": 188, "sha256": "def"}}
    assert "other photo files" in provenance.stale_reason([artifact], other_photos)
    storage.save_npz(artifact, x=np.arange(4))  # replaced behind the record's back
    assert "changed after it was recorded" in provenance.stale_reason([artifact], fingerprint)


def test_files_fingerprint_depends_on_names_and_content_not_folder(tmp_path, make_image):
    a = [make_image(tmp_path / "a" / "f-001-01.jpg"), make_image(tmp_path / "a" / "m-001-01.jpg", seed=1)]
    b = [make_image(tmp_path / "b" / "f-001-01.jpg"), make_image(tmp_path / "b" / "m-001-01.jpg", seed=1)]
    assert provenance.files_fingerprint(a) == provenance.files_fingerprint(b)
    make_image(tmp_path / "b" / "m-001-01.jpg", seed=2)
    assert provenance.files_fingerprint(a) != provenance.files_fingerprint(b)


def test_code_version_changes_with_the_source():
    assert provenance.code_version(data) == provenance.code_version(data)
    assert provenance.code_version(data) != provenance.code_version(data, augmentation)
