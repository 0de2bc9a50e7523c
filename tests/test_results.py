"""Tests of ``helpers.reporting.results``: the results files' names, their specs (checked when written and read),
and the verdicts and tests stored in them, which follow from their numbers."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from helpers import config, evaluation, models, recipes
from helpers.infra import storage
from helpers.reporting import results, targets

ROOT = Path(__file__).resolve().parent.parent
Y = np.array([0, 0, 1, 1, 1, 0])
SCORES = np.array([0.1, 0.6, 0.4, 0.9, 0.8, 0.2])


def tiny_model() -> keras.Model:
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3, kernel_regularizer="l2"),
                              keras.layers.BatchNormalization(momentum=0.9), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
    return model


def history(n: int = 5) -> types.SimpleNamespace:
    return types.SimpleNamespace(history={"loss": [1.0] * n, "val_loss": list(np.linspace(1, 0.5, n))})


def evaluated() -> dict:
    return evaluation.evaluate_with_validation_threshold(Y, SCORES, Y, SCORES)


SPLITS = {"train": np.arange(10), "validation": np.arange(6), "test": np.arange(6)}


def test_every_committed_results_file_fits_its_spec_and_its_verdicts_follow_its_numbers():
    loaded = results.load_all(ROOT)
    assert set(loaded) == set(results.SPECS)  # every spec has its file, every file its spec
    final, stable, honest = loaded["04_final_model"], loaded["04_stability"], loaded["07_repeated_splits"]
    assert final["verdicts"]["target"] == targets.single_split_verdict(final["test_at_0.5"])
    reduced = stable["spread"]["variance-reduced"]
    assert stable["verdicts"]["stability"] == targets.stability_verdict(reduced["accuracy_at_0.5_std"],
                                                                        stable["runs"], stable["variant"])
    leak_free = honest["summary"]["final_cnn_leak_free"]
    assert honest["verdicts"]["leak_free_target"] == targets.leak_free_verdict(
        leak_free["auc"]["mean"], leak_free["accuracy"]["mean"], honest["paired_vs_pixel_logreg"]["auc"])
    refit = honest["summary"]["final_cnn_leak_free_refit"]
    assert honest["verdicts"]["leak_free_target_refit"] == targets.leak_free_verdict(
        refit["auc"]["mean"], refit["accuracy"]["mean"], honest["refit"]["paired_vs_pixel_logreg_refit"]["auc"])
    nested, selection = honest["selection"]["summary"][results.NESTED], honest["selection"]
    assert honest["verdicts"]["leak_free_target_nested"] == targets.leak_free_verdict(
        nested["auc"]["mean"], nested["accuracy"]["mean"], selection["paired_vs_pixel_logreg"][results.NESTED]["auc"])


def test_notebook_07s_paired_tests_follow_from_its_records():
    from helpers import methods, split_statistics

    honest = results.load("07_repeated_splits", ROOT)
    records = pd.DataFrame(honest["records"])
    n_test = round(records.loc[records["method"] == "pixel_logreg", "n_test"].mean())
    for metric in ("auc", "accuracy", "balanced_accuracy"):
        test = split_statistics.corrected_paired_test(records, methods.LEAK_FREE, "pixel_logreg", metric,
                                                      n_train=split_statistics.N_PHOTOS - n_test, n_test=n_test)
        assert honest["paired_vs_pixel_logreg"][metric] == pytest.approx(test)
    summary = split_statistics.summary_dict(split_statistics.summarise(records))
    assert honest["summary"].keys() == summary.keys()
    for method, metrics in summary.items():
        assert all(honest["summary"][method][m] == pytest.approx(values) for m, values in metrics.items()), method


def test_a_missing_field_is_refused_naming_the_file_and_the_field(tmp_path):
    record = storage.load_json(ROOT / "results" / "04_stability.json")
    del record["spread"]["variance-reduced"]["accuracy_at_0.5_std"]
    storage.save_json(tmp_path / "results" / "04_stability.json", record)
    with pytest.raises(results.ResultsNotReadyError) as caught:
        results.load("04_stability", tmp_path)
    message = str(caught.value)
    assert "04_stability.json" in message and "'spread.variance-reduced.accuracy_at_0.5_std'" in message
    assert "python -m helpers.studies.stability" in message  # what to run


def test_a_field_of_the_wrong_type_is_refused(tmp_path):
    record = storage.load_json(ROOT / "results" / "02_baseline_model.json")
    record["threshold"] = "0.5"
    storage.save_json(tmp_path / "results" / "02_baseline_model.json", record)
    with pytest.raises(results.ResultsNotReadyError, match="'threshold' is str, not int or float"):
        results.load("02_baseline_model", tmp_path)
    record["threshold"] = True  # a bool is no number here
    storage.save_json(tmp_path / "results" / "02_baseline_model.json", record)
    with pytest.raises(results.ResultsNotReadyError, match="'threshold' is bool"):
        results.load("02_baseline_model", tmp_path)


def test_a_missing_file_and_a_quick_run_say_what_to_run(tmp_path):
    missing = r"02_baseline_model.json is missing: run notebook 02 \(`make pipeline`\)"
    with pytest.raises(results.ResultsNotReadyError, match=missing):
        results.full_run_results(["02_baseline_model"], tmp_path)
    record = storage.load_json(ROOT / "results" / "02_baseline_model.json") | {"quick": True}
    storage.save_json(tmp_path / "results" / "02_baseline_model.json", record)
    assert results.load("02_baseline_model", tmp_path)["quick"]  # a quick run's file is well-formed...
    with pytest.raises(results.ResultsNotReadyError, match="quick run"):  # ...but no evidence
        results.full_run_results(["02_baseline_model"], tmp_path)
    with pytest.raises(KeyError, match="no results file named 'nb'"):
        results.path("nb")


def test_the_folder_follows_the_output_root(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFS_OUTPUT_DIR", str(tmp_path))
    assert results.path("05_error_analysis") == tmp_path.resolve() / "results" / "05_error_analysis.json"
    assert results.path("05_error_analysis", tmp_path / "x") == (tmp_path / "x").resolve() / "results" / \
        "05_error_analysis.json"


def test_an_incomplete_payload_is_not_written(tmp_path):
    with pytest.raises(results.ResultsNotReadyError, match="no field 'verdicts.leak_free_target.met'"):
        results.write("07_repeated_splits", {"seed": 1}, tmp_path)
    assert not results.path("07_repeated_splits", tmp_path).exists()


def test_a_single_split_file_records_the_model_the_metrics_and_where_they_came_from(tmp_path):
    model = tiny_model()
    record = results.write("02_baseline_model", {
        **results.single_split_fields(model, history(), recipes.BASELINE_RECIPE, SPLITS, 5, evaluated(), 7, False,
                                      None), "class_weight": {"0": 0.6, "1": 2.2}, "report": {}}, tmp_path)
    stored = results.load("02_baseline_model", tmp_path)
    assert json.loads(json.dumps(record)) == stored
    trainable, non_trainable = models.parameter_counts(model)
    assert stored["parameters"] == {"trainable": trainable, "non_trainable": non_trainable,
                                    "total": model.count_params()}
    assert [layer["type"] for layer in stored["layers"]] == ["Conv2D", "BatchNormalization", "Flatten", "Dense"]
    assert stored["split_sizes"] == {"train": 10, "validation": 6, "test": 6}
    assert stored["epochs_run"] == 5 and stored["threshold"] == evaluated()["threshold"]
    env = stored["environment"]
    assert env["seed"] == 7 and env["keras"] == keras.__version__ and env["precision"] == "float32"
    assert env["date"] == datetime.now(UTC).strftime("%Y-%m-%d") and len(env["git_commit"]) >= 7


def test_the_stability_study_is_judged_when_written(tmp_path):
    document = {key: value for key, value in results.load("04_stability", ROOT).items() if key != "verdicts"}
    document["spread"]["variance-reduced"]["accuracy_at_0.5_std"] = targets.STABILITY_TARGET_SD + 0.001
    record = results.write_study("04_stability", document, tmp_path / "s.json")
    assert record["verdicts"]["stability"]["met"] is False
    assert storage.load_json(tmp_path / "s.json")["environment"] == document["environment"]  # the study's own time
    with pytest.raises(results.ResultsNotReadyError):  # not that study's fields
        results.write_study("02_baseline_model", document, tmp_path / "x.json")


def test_spread_over_splits():
    records = [{"method": "a", "brier": 0.1}, {"method": "a", "brier": 0.3}, {"method": "b", "brier": 9}]
    assert results.spread_over_splits(records, "a", "brier") == pytest.approx(
        {"mean": 0.2, "std": 0.1414213, "min": 0.1, "max": 0.3, "n": 2})
    with pytest.raises(results.ResultsNotReadyError, match="no per-split 'brier' for 'c'"):
        results.spread_over_splits(records, "c", "brier")


def test_config_results_dir_is_the_folder_the_seam_uses(tmp_path):
    assert results.path("02_baseline_seeds", tmp_path).parent == config.results_dir(tmp_path)
