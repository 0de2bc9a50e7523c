"""Tests of ``helpers.infra.provenance``."""

from __future__ import annotations

import numpy as np

from helpers import augmentation, data
from helpers.infra import provenance


def test_record_then_check(tmp_path):
    artifact = tmp_path / "thing.npy"
    np.save(artifact, np.arange(3))
    fingerprint = {"step": "test", "seed": 23, "photos": {"count": 3, "sha256": "abc"}, "params": (1, 2)}
    assert provenance.stale_reason([artifact], fingerprint) is not None  # no record yet
    provenance.record([artifact], fingerprint)
    assert provenance.sidecar_path(artifact).name == "thing.provenance.json"
    assert provenance.stale_reason([artifact], fingerprint) is None
    assert "seed = 23 (now 24)" in provenance.stale_reason([artifact], {**fingerprint, "seed": 24})
    other_photos = {**fingerprint, "photos": {"count": 188, "sha256": "def"}}
    assert "other photo files" in provenance.stale_reason([artifact], other_photos)
    assert "another version of the code" in provenance.stale_reason([artifact], {**fingerprint, "code": "0123"})
    assert "params = [1, 2] (now [1, 3])" in provenance.stale_reason([artifact], {**fingerprint, "params": (1, 3)})
    np.save(artifact, np.arange(4))  # replaced behind the record's back
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


def test_the_reachable_code_is_what_runs_and_nothing_else():
    from helpers import evaluation, models
    from helpers.studies import multisplit, split_study

    found = provenance.reachable_definitions(multisplit.run_split, skip=split_study.CODE_LEFT_OUT)
    for reached in (("helpers.training", "fit"), ("helpers.models", "build_final_model"),
                    ("helpers.protocols", "kfold_roles"), ("helpers.evaluation", "youden_threshold"),
                    ("helpers.models", "FINAL_L2"), ("helpers.baselines", "C_GRID")):
        assert reached in found, reached
    assert not any(module.startswith(split_study.CODE_LEFT_OUT) for module, _ in found)
    assert ("helpers.evaluation", "wilson_interval") not in found  # the model card's, not the loop's
    assert found[("helpers.models", "FINAL_L2")].startswith("FINAL_L2")
    assert callable(evaluation.youden_threshold) and callable(models.build_final_model)


def test_the_reachable_code_version_ignores_unreached_code_and_sees_an_edit_that_runs(monkeypatch):
    import inspect

    from helpers.studies import multisplit

    source = inspect.getsource(data)
    before = provenance.reachable_code_version(multisplit.run_split)

    def version_with(edited: str) -> str:
        real = inspect.getsource
        monkeypatch.setattr(inspect, "getsource", lambda obj: edited if obj is data else real(obj))
        provenance._index.cache_clear()
        try:
            return provenance.reachable_code_version(multisplit.run_split)
        finally:
            monkeypatch.undo()
            provenance._index.cache_clear()

    assert version_with(source + "\n\ndef never_called():\n    return 1\n") == before  # dead code: same version
    body = source.split("def stack_images(", 1)[1]
    docstring = body.split('"""', 2)[1]
    assert version_with(source.replace(docstring, docstring + " (reworded)", 1)) == before  # words: same version
    first_return = body.split("return ", 1)[1].split("\n", 1)[0]
    edited = source.replace("return " + first_return, "return (" + first_return + ")[::-1]", 1)
    assert edited != source and version_with(edited) != before  # multisplit stacks the images with it
    assert provenance.reachable_code_version(multisplit.run_split) == before
