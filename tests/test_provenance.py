"""Tests of ``helpers.infra.provenance``."""

from __future__ import annotations

import ast

from helpers import data
from helpers.infra import provenance


def test_files_fingerprint_depends_on_names_and_content_not_folder(tmp_path, make_image):
    a = [make_image(tmp_path / "a" / "f-001-01.jpg"), make_image(tmp_path / "a" / "m-001-01.jpg", seed=1)]
    b = [make_image(tmp_path / "b" / "f-001-01.jpg"), make_image(tmp_path / "b" / "m-001-01.jpg", seed=1)]
    assert provenance.files_fingerprint(a) == provenance.files_fingerprint(b)
    make_image(tmp_path / "b" / "m-001-01.jpg", seed=2)
    assert provenance.files_fingerprint(a) != provenance.files_fingerprint(b)


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
    assert ast.unparse(found[("helpers.models", "FINAL_L2")]).startswith("FINAL_L2")
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
