"""Notebook 06's refit methods (threshold, C and epochs from the first fit; no test photo in the refit) and the split
study that runs notebook 06's loop once: its fingerprint, its resumption, and when notebook 06 may read it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import synthetic_photos
from test_variant_inputs import synthetic_sketches

from helpers import config, data, methods, protocols, sketches
from helpers.reporting import results
from helpers.studies import multisplit, split_study

REFIT_RUN = ("final_cnn_leak_free", "pixel_logreg", "eigenfaces_logreg", *methods.REFIT_OF)

# ---- the refit methods -----------------------------------------------------------------------------------------


def test_a_refit_must_follow_the_method_it_refits():
    tiny = synthetic_photos(size=(32, 24), seed=3)
    with pytest.raises(ValueError, match="list that method before it"):
        multisplit.run_split(tiny, 0, methods=("pixel_logreg_refit", "pixel_logreg"), log=None)


@pytest.mark.slow
def test_refits_keep_the_first_fits_choices_and_train_on_training_plus_validation_only():
    tiny = synthetic_photos(size=(64, 48), seed=4)
    sketch_data = synthetic_sketches(tiny)
    records, _ = multisplit.run_split(tiny, 1, image_scale=1.0, epochs_cap=2, final_variant="D+sketch+ens2+tta",
                                      methods=REFIT_RUN, log=None, sketch_data=sketch_data)
    by_method = {r["method"]: r for r in records}
    assert list(by_method) == list(REFIT_RUN)
    splits = protocols.kfold_splits(tiny["sex"].to_numpy(), 5, 2, 23)[1]
    for refit, base in methods.REFIT_OF.items():
        first, again = by_method[base], by_method[refit]
        assert again["refit_of"] == base
        # The threshold and the validation AUC are the first fit's: the refit is never scored on validation.
        assert again["threshold"] == first["threshold"] and again["validation_auc"] == first["validation_auc"]
        assert again["test_labels"] == first["test_labels"] and again["n_test"] == len(splits["test"])
        assert again["n_not_tested"] == first["n_not_tested"] == 188 - again["n_test"]
    for regression in ("pixel_logreg", "eigenfaces_logreg"):
        assert by_method[f"{regression}_refit"]["C"] == by_method[regression]["C"]
        assert by_method[f"{regression}_refit"]["n_train"] == len(splits["train"]) + len(splits["validation"])
    cnn, cnn_refit = by_method["final_cnn_leak_free"], by_method["final_cnn_leak_free_refit"]
    assert cnn_refit["epochs_run"] == cnn["best_epoch"]  # each member repeats its first run up to its best epoch
    # The refit's images: training + validation photos balanced by augmentation, and the sketches of every person
    # not tested on (refit_training_set refuses a test photo; the sketch rule keeps the test people's out).
    refit_frame = protocols.refit_training_set(tiny, splits, 24)
    assert cnn_refit["n_train"] == len(refit_frame) > cnn["n_train"]
    test_people = set(tiny["filename"].iloc[splits["test"]])
    roles = {"train": refit_frame, "validation": refit_frame.iloc[:0],
             "test": tiny.iloc[splits["test"]]}
    allowed = sketches.training_sketch_set(roles, sketch_data, 24 + 500)
    assert cnn_refit["n_sketches"] == len(allowed) > cnn["n_sketches"]
    pairs = sketch_data[0].set_index("sketch")["filename"]
    assert not set(pairs.reindex(allowed["filename"]).dropna()) & test_people


# ---- the split study -------------------------------------------------------------------------------------------


class FakeSplits:
    """``multisplit.run_split`` without training: one record per method, and a failure on demand."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[int] = []
        self.fail_on = fail_on

    def __call__(self, photos, number, folds, repeats, seed, scale, cap, variant, names, log, sketch_data):
        if number == self.fail_on:
            raise KeyboardInterrupt  # the run is interrupted here
        self.calls.append(number)
        records = [{"method": m, "split": number, "seed": seed + number, "auc": 0.9, "accuracy": 0.8,
                    "balanced_accuracy": 0.8, "n_train": 93, "n_test": 38, "seconds": 1.0} for m in names]
        return records, {"report_protocol": 3, "leak_free": 0}


@pytest.fixture
def study_env(monkeypatch, tmp_path):
    monkeypatch.setenv(config.OUTPUT_ENV_VAR, str(tmp_path))
    monkeypatch.setattr(data, "prepared_photos", lambda data_dir=None: pd.DataFrame())  # the fake loop needs none
    return tmp_path


def test_an_interrupted_study_resumes_after_its_finished_splits(study_env, monkeypatch):
    first = FakeSplits(fail_on=2)
    monkeypatch.setattr(multisplit, "run_split", first)
    with pytest.raises(KeyboardInterrupt):
        split_study.run(folds=2, repeats=2, image_scale=0.25, final_variant="D", log=lambda _: None)
    assert first.calls == [0, 1] and split_study.progress_path().is_file()
    again = FakeSplits()
    monkeypatch.setattr(multisplit, "run_split", again)
    document = split_study.run(folds=2, repeats=2, image_scale=0.25, final_variant="D", log=lambda _: None)
    assert again.calls == [2, 3] and document["resumed_splits"] == [0, 1]
    assert document["splits"] == [0, 1, 2, 3] and len(document["records"]) == 4 * len(methods.METHODS)
    # Another fingerprint (here the image scale) never reuses those splits.
    other = FakeSplits()
    monkeypatch.setattr(multisplit, "run_split", other)
    split_study.run(folds=2, repeats=2, image_scale=0.5, final_variant="D", log=lambda _: None)
    assert other.calls == [0, 1, 2, 3]


def test_a_notebook_training_here_neither_resumes_nor_keeps_its_splits(study_env, monkeypatch):
    monkeypatch.setattr(multisplit, "run_split", FakeSplits())
    split_study.run(folds=2, repeats=2, image_scale=0.25, final_variant="D", splits=[0], log=lambda _: None)
    before = split_study.progress_path().read_text()
    here = FakeSplits()
    monkeypatch.setattr(multisplit, "run_split", here)
    study = split_study.records_for(pd.DataFrame(), 2, 2, 23, 0.25, None, "D", [0, 1], train_because="TRAIN_HERE",
                                    only=[methods.LEAK_FREE], log=lambda _: None)
    assert here.calls == [0, 1] and split_study.progress_path().read_text() == before
    assert set(study["records"]["method"]) == {methods.LEAK_FREE} and set(study["leakage"]) == {0, 1}
    assert study["records_from"] == {"source": "this notebook", "reason": "TRAIN_HERE", "seed": 23, "git_commit": None}


def test_notebook06_reads_the_study_only_when_it_matches(study_env, monkeypatch):
    monkeypatch.setattr(multisplit, "run_split", FakeSplits())
    document = split_study.run(folds=2, repeats=2, image_scale=0.25, final_variant="D", log=lambda _: None)
    out = study_env / "results" / "06_splits.json"
    results.write_study("06_splits", document, out)
    args = dict(folds=2, repeats=2, seed=23, image_scale=0.25, epochs_cap=None, final_variant="D", path=out)
    found, why = split_study.matching(**args, splits=[0, 1, 2, 3])
    assert found is not None and found["records"] == document["records"] and "matches" in why
    for change, words in ((dict(image_scale=0.5), "image_scale is 0.25, not 0.5"),
                          (dict(final_variant="D+ens2+tta"), "final_variant"), (dict(seed=24), "seed"),
                          (dict(epochs_cap=2), "epochs_cap")):
        found, why = split_study.matching(**{**args, **change}, splits=[0, 1])
        assert found is None and words in why
    found, why = split_study.matching(**args, splits=[0, 5])
    assert found is None and "splits [5] are not in it" in why
    # Another seed may read the stored study (notebook 06 with --seed 29), and is told which seed made it;
    # any other difference still refuses it.
    found, why = split_study.matching(**{**args, "seed": 29}, splits=[0, 1], any_seed=True)
    assert found is not None and "made with seed 23" in why
    found, why = split_study.matching(**{**args, "seed": 29, "image_scale": 0.5}, splits=[0, 1], any_seed=True)
    assert found is None and "image_scale" in why and "seed" not in why
    changed = {**document, "fingerprint": {**document["fingerprint"], "code": "0" * 16}}
    results.write_study("06_splits", changed, out)
    found, why = split_study.matching(**args, splits=[0])
    assert found is None and "the code differ" in why
    found, why = split_study.matching(**{**args, "path": study_env / "missing.json"}, splits=[0])
    assert found is None and "missing" in why
    line = multisplit.record_line(pd.DataFrame(document["records"][:2]).to_dict("records")[0])
    assert line.startswith("split 0 | baseline_cnn") and "93 train / 38 test" in line


def test_a_folder_with_the_photos_only_still_reads_a_study_made_with_sketches(study_env, monkeypatch, tmp_path):
    from helpers import photos

    monkeypatch.setattr(multisplit, "run_split", FakeSplits())
    document = split_study.run(folds=2, repeats=2, image_scale=0.25, final_variant="D+sketch", log=lambda _: None)
    out = study_env / "results" / "06_splits.json"
    results.write_study("06_splits", document, out)
    only = tmp_path / "photos_only" / "photos"  # the report's data: photos, no sketches/ beside them
    only.mkdir(parents=True)
    for photo in photos.current_photos().files:
        (only / photo.name).symlink_to(photo)
    found, why = split_study.matching(2, 2, 23, 0.25, None, "D+sketch", [0, 1], str(only), out)
    assert found is not None and "its sketches not checked" in why
    found, why = split_study.matching(2, 2, 23, 0.5, None, "D+sketch", [0, 1], str(only), out)
    assert found is None and "image_scale" in why  # everything else is still checked


def test_the_fingerprint_names_the_code_that_trains():
    wanted = split_study.fingerprint(5, 2, 23, 0.5, None, "D", tuple(methods.METHODS))
    assert wanted["refits"] == methods.REFIT_OF and wanted["photos"]["count"] == 188
    assert "sketches" not in wanted
    assert split_study.fingerprint(5, 2, 23, 0.5, None, "D+sketch", tuple(methods.METHODS))["sketches"]["count"] == 188
    assert split_study.differences(wanted, dict(wanted)) == []
    assert np.isscalar(wanted["code"]) and len(wanted["code"]) == 16


def test_split_n_is_the_same_for_any_number_of_repeats():
    tiny = synthetic_photos(size=(8, 6), seed=5)
    short, longer = (protocols.kfold_splits(tiny["sex"].to_numpy(), 5, r, 23) for r in (2, 4))
    assert len(longer) == 20
    for a, b in zip(short, longer[:10], strict=True):
        assert all(np.array_equal(a[role], b[role]) for role in ("train", "validation", "test"))
    for number in (3, 7):
        two, four = (protocols.kfold_roles(tiny, number, 5, r, 23) for r in (2, 4))
        for protocol in ("leak_free", "report"):
            assert all(two[protocol][role]["source"].tolist() == four[protocol][role]["source"].tolist()
                       for role in protocols.ROLES)


def test_a_run_with_more_repeats_reuses_the_results_files_splits(study_env, monkeypatch):
    monkeypatch.setattr(multisplit, "run_split", FakeSplits())
    document = split_study.run(folds=2, repeats=1, image_scale=0.25, final_variant="D", log=lambda _: None)
    results.write_study("06_splits", document, config.results_dir() / "06_splits.json")
    split_study.progress_path().unlink()
    more = FakeSplits()
    monkeypatch.setattr(multisplit, "run_split", more)
    longer = split_study.run(folds=2, repeats=2, image_scale=0.25, final_variant="D", log=lambda _: None)
    assert more.calls == [2, 3] and longer["resumed_splits"] == [0, 1]
    assert [r["split"] for r in longer["records"][::len(methods.METHODS)]] == [0, 1, 2, 3]
    assert longer["fingerprint"]["repeats"] == 2 and set(longer["split_seconds"]) == {"0", "1", "2", "3"}


def test_the_committed_studies_match_the_code_that_trains_today(real_photos_dir):
    """A change to what trains or scores a split makes the committed split studies stale, and notebooks 06 and 07
    would silently retrain ten splits (hours): this test says so first. Re-run the two studies (the commands in
    docs/development.md) after such a change; a change that only moves or deletes unused code keeps them."""
    from helpers import methods
    from helpers.studies import levers

    variant, scale = levers.chosen_variant()
    for path, chosen, only in (("06_splits.json", variant, None),
                               ("06_finalist_recipe_d.json", "D+ens2+tta", [methods.LEAK_FREE])):
        found, why = split_study.matching(5, 2, 23, scale, None, chosen, list(range(10)), str(real_photos_dir),
                                          split_study.config.project_root() / "results" / path, only=only)
        assert found is not None, why
