"""Tests of ``helpers.reporting.results``: the results files' names, their specs (checked when written and read),
the verdicts stored in them, and the writers the notebooks call."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from helpers import config, evaluation, models, published, recipes
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


def test_the_baseline_writer_records_the_model_the_metrics_and_where_they_came_from(tmp_path):
    model = tiny_model()
    record = results.write_baseline_model(
        model=model, history=history(), recipe=recipes.BASELINE_RECIPE, splits=SPLITS, best_epoch=5,
        class_weight={0: 0.6, 1: 2.2}, evaluated=evaluated(), seed=7, quick=False, epochs_cap=None, root=tmp_path)
    stored = results.load("02_baseline_model", tmp_path)
    assert json.loads(json.dumps(record)) == stored
    trainable, non_trainable = models.parameter_counts(model)
    assert stored["parameters"] == {"trainable": trainable, "non_trainable": non_trainable,
                                    "total": model.count_params()}
    assert [layer["type"] for layer in stored["layers"]] == ["Conv2D", "BatchNormalization", "Flatten", "Dense"]
    assert stored["split_sizes"] == {"train": 10, "validation": 6, "test": 6}
    assert stored["class_weight"] == {"0": 0.6, "1": 2.2} and stored["epochs_run"] == 5
    assert stored["report"]["test_at_0.5"] == published.BASELINE_AT_HALF
    env = stored["environment"]
    assert env["seed"] == 7 and env["keras"] == keras.__version__ and env["precision"] == "float32"
    assert env["date"] == datetime.now(UTC).strftime("%Y-%m-%d") and len(env["git_commit"]) >= 7


def test_the_final_model_writer_computes_the_metrics_and_the_verdict_from_the_scores(tmp_path):
    model = tiny_model()
    rng = np.random.default_rng(0)
    y_val, y_test = np.array([0, 1] * 10), np.array([0, 1] * 12)
    p_val = np.clip(y_val * 0.6 + rng.random(20) * 0.5, 0, 1)
    p_test = np.clip(y_test * 0.6 + rng.random(24) * 0.5, 0, 1)
    results.write_final_model(model=model, history=history(), splits=SPLITS, scores=(y_val, p_val, y_test, p_test),
                              leakage={"test images": 6}, training_seconds=12.34, seed=1, quick=False, epochs_cap=None,
                              root=tmp_path)
    stored = results.load("04_final_model", tmp_path)
    expected = evaluation.evaluate_with_validation_threshold(y_val, p_val, y_test, p_test)
    assert stored["threshold"] == pytest.approx(expected["threshold"])
    assert stored["test_at_0.5"] == pytest.approx(expected["test_at_0.5"])
    assert stored["verdicts"]["target"] == targets.single_split_verdict(expected["test_at_0.5"])
    assert stored["calibration"]["test"] == pytest.approx(evaluation.calibration_summary(y_test, p_test))
    assert stored["recipe"]["label_smoothing"] == 0.0 and stored["best_epoch"] == 5  # the lowest validation loss
    assert stored["l2"] == pytest.approx(0.01) and stored["batchnorm_momentum"] == 0.9  # read from the model
    assert stored["training_seconds"] == 12.3


def test_the_stability_study_is_judged_when_written(tmp_path):
    document = {key: value for key, value in results.load("04_stability", ROOT).items() if key != "verdicts"}
    document["spread"]["variance-reduced"]["accuracy_at_0.5_std"] = targets.STABILITY_TARGET_SD + 0.001
    record = results.write_study("04_stability", document, tmp_path / "s.json")
    assert record["verdicts"]["stability"]["met"] is False
    assert storage.load_json(tmp_path / "s.json")["environment"] == document["environment"]  # the study's own time
    with pytest.raises(results.ResultsNotReadyError):  # not that study's fields
        results.write_study("02_baseline_model", document, tmp_path / "x.json")


def synthetic_records() -> pd.DataFrame:
    """Four splits of every method, with made-up metrics around one base value per method."""
    from helpers import methods

    rng = np.random.default_rng(0)
    bases = (0.8, 0.9, 0.99, 0.9, 0.85, 0.5, 0.99, 0.91, 0.86)  # one per method, in METHODS' order
    rows = [{"method": method, "split": seed, "seed": seed, "n_test": 38, "n_not_tested": 150, "n_train": 93,
             "test_labels": [0, 1] if method == methods.LEAKY else [0, 0, 1],
             **{m: float(base + rng.normal(0, 0.01)) for m in methods.SUMMARY_METRICS}}
            for seed in range(4) for method, base in zip(methods.METHODS, bases, strict=True)]
    return pd.DataFrame(rows)


def test_the_leak_writer_computes_the_paired_inflation_and_keeps_the_shortcut(tmp_path):
    from helpers import methods, split_statistics

    records = synthetic_records()
    record = results.write_the_leak(
        records=records, leakage={0: {"report_protocol": 3, "leak_free": 0}},
        shortcut=pd.DataFrame({"AUC, real photos only": [0.9, 0.8], "mean score: copies": [0.7, float("nan")]},
                              index=pd.Index([0, 1], name="split")),
        one_split={"leak-free": {"auc": np.float64(0.9)}}, parameters={"QUICK": False, "FINAL_VARIANT": "D"},
        records_from={"source": "this notebook", "seed": 1}, root=tmp_path)
    stored = results.load("06_the_leak", tmp_path)
    assert stored["shortcut"]["per_split"][1] == {"split": 1, "AUC, real photos only": 0.8, "mean score: copies": None}
    assert stored["shortcut"]["mean"]["mean score: copies"] == 0.7  # a split without such copies does not count
    paired = split_statistics.paired_inflation(records)
    assert stored["inflation"]["paired"]["auc"]["mean"] == pytest.approx(paired.loc["auc", "mean"])
    assert stored["inflation"]["test_female_share"] == pytest.approx({methods.LEAKY: 0.5, methods.LEAK_FREE: 1 / 3})
    assert record["seed"] == 1 and record["splits"] == [0, 1, 2, 3] and stored["one_split"]["leak-free"]["auc"] == 0.9


def test_the_repeated_splits_writer_judges_the_leak_free_target(tmp_path):
    from helpers import methods, split_statistics

    records = synthetic_records()
    versus = {m: split_statistics.corrected_paired_test(records, methods.LEAK_FREE, "pixel_logreg", m, 150, 38)
              for m in ("auc", "accuracy")}
    refit_versus = {m: split_statistics.corrected_paired_test(
        records, "final_cnn_leak_free_refit", "pixel_logreg_refit", m, 150, 38) for m in ("auc", "accuracy")}
    gains = {r: {"auc": split_statistics.corrected_paired_test(records, r, b, "auc", 150, 38)}
             for r, b in methods.REFIT_OF.items()}
    lf = records[records["method"] == methods.LEAK_FREE]
    nested = lf.assign(method=results.NESTED, auc=lf["auc"] - 0.02)  # 0.97: below the bar of 0.98
    record = results.write_repeated_splits(
        records=records, parameters={"QUICK": False, "FINAL_VARIANT": "D", "EPOCHS_CAP": None},
        records_from={"source": "this notebook", "seed": 1}, total_seconds=1.0,
        selection={"picks": {"0": methods.LEAK_FREE},
                   "records": methods.records_for_json(pd.concat([nested, nested.assign(method=results.FIXED)]))},
        root=tmp_path)
    verdicts = results.load("07_repeated_splits", tmp_path)["verdicts"]
    target, refit_target = verdicts["leak_free_target"], verdicts["leak_free_target_refit"]
    lf, refit = record["summary"][methods.LEAK_FREE], record["summary"]["final_cnn_leak_free_refit"]
    assert record["paired_vs_pixel_logreg"]["auc"] == pytest.approx(versus["auc"])
    assert target == targets.leak_free_verdict(lf["auc"]["mean"], lf["accuracy"]["mean"], versus["auc"])
    assert target["checks"]["auc"] and target["checks"]["accuracy"]  # 0.99 >= 0.98 and >= 0.95
    # The refit pair is judged the same way, on its own numbers.
    assert refit_target == targets.leak_free_verdict(refit["auc"]["mean"], refit["accuracy"]["mean"],
                                                     refit_versus["auc"])
    assert refit_target["checks"]["better_than_pixel_logreg"]  # 0.99 against 0.91 on every split
    assert record["refit"]["gains"]["pixel_logreg_refit"]["auc"] == pytest.approx(gains["pixel_logreg_refit"]["auc"])
    # The headline, chosen inside each split, is judged on its own numbers.
    nested_verdict = verdicts["leak_free_target_nested"]
    assert not nested_verdict["met"] and not nested_verdict["checks"]["auc"] and nested_verdict["checks"]["accuracy"]


def test_spread_over_splits():
    records = [{"method": "a", "brier": 0.1}, {"method": "a", "brier": 0.3}, {"method": "b", "brier": 9}]
    assert results.spread_over_splits(records, "a", "brier") == pytest.approx(
        {"mean": 0.2, "std": 0.1414213, "min": 0.1, "max": 0.3, "n": 2})
    with pytest.raises(results.ResultsNotReadyError, match="no per-split 'brier' for 'c'"):
        results.spread_over_splits(records, "c", "brier")


def test_config_results_dir_is_the_folder_the_seam_uses(tmp_path):
    assert results.path("02_baseline_seeds", tmp_path).parent == config.results_dir(tmp_path)
