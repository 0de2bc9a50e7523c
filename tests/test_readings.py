"""Generated readings say what the run's values say, and change when the values do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import analysis, readings, report, summaries


def evaluated(accuracy: float, auc: float, confusion_half, confusion_threshold, threshold: float = 0.36) -> dict:
    metrics = {"accuracy": accuracy, "auc": auc, "loss": 0.3008}
    return {"threshold": threshold, "test_at_0.5": metrics, "test_at_threshold": {**metrics, "accuracy": 0.907},
            "test_confusion_at_0.5": confusion_half, "test_confusion_at_threshold": confusion_threshold}


def test_final_model_reading_states_this_runs_numbers():
    text = readings.final_model_reading(evaluated(50 / 54, 0.9451, [[27, 0], [4, 23]], [[26, 1], [4, 23]]), 54)
    assert "AUC of 0.945" in text and "accuracy at 0.5 of 0.926 (50 of 54)" in text
    assert f"{report.FINAL_MODEL['auc']:.3f}" in text and "accuracy is higher than the report's" in text
    assert "**not reached** by this run (AUC 0.9451, accuracy 0.9259)" in text  # AUC 0.945 < 0.97
    assert "calls 4 female photo(s) male and 0 male photo(s) female" in text
    assert "0.360" in text and "gives accuracy 0.907 on test" in text
    assert "0.30 against the report's 1.82" in text


def test_final_model_reading_when_the_target_is_met_and_the_threshold_changes_nothing():
    confusion = [[26, 1], [1, 26]]
    text = readings.final_model_reading(evaluated(52 / 54, 0.981, confusion, confusion), 54)
    assert "**reached**" in text and "gives the same confusion matrix" in text
    assert "section 7 shows the spread over training seeds" in text


def test_lighting_reading_verdict_follows_the_test():
    same = {"n_a": 5, "n_b": 49, "mean_a": 0.685, "mean_b": 0.696, "p_value": 1.0}
    by_sex = {"mean_a": 0.699, "mean_b": 0.703, "p_value": 0.66}
    text = readings.lighting_reading(same, -0.037, 0.79, by_sex)
    assert "not supported here" in text and "0.685 against 0.696" in text and "rho = -0.04" in text
    brighter = {**same, "mean_a": 0.8, "p_value": 0.001}
    assert "**Conclusion on lighting (generated from this run): supported here.**" in readings.lighting_reading(
        brighter, 0.5, 0.01, by_sex)


def test_grad_cam_reading_counts_errors_and_leaked_sources():
    test = pd.DataFrame({
        "sex": [1, 1, 0, 0, 1], "predicted": [0, 1, 1, 0, 1], "correct": [False, True, False, True, True],
        "cam_top_share": [0.2, 0.1, 0.3, 0.1, 0.1], "cam_face_share": [0.6, 0.2, 0.3, 0.5, 0.1],
        "cam_side_share": [0.1, 0.5, 0.4, 0.1, 0.6],
    })
    confident = pd.DataFrame({"augmented": [True, True, False], "source": ["a.jpg", "b.jpg", "c.jpg"]})
    text = readings.grad_cam_reading(test, confident, {"a.jpg", "c.jpg"}, {"b.jpg"}, 0.3)
    assert "1 female photo(s) called male and 1 male photo(s) called female" in text
    assert "says *male*, 55% of the Grad-CAM mass lies in the central face box (28% of the image) and 10% at" in text
    assert "sides of the head (40% of the image)" in text
    assert "2 are augmented images; 1 of these share their source photo with a training image and 1 with a" in text


def test_side_regions_are_left_and_right_of_the_face_box():
    heatmap = np.zeros((250, 200))
    heatmap[100, 10] = heatmap[100, 190] = 1.0  # hair at both sides
    heatmap[100, 100] = 2.0  # the nose
    shares = [analysis.heatmap_share(heatmap, region) for region in analysis.side_regions(250, 200)]
    assert shares == [0.25, 0.25]
    assert analysis.heatmap_share(heatmap, analysis.face_region(250, 200)) == 0.5


def test_baseline_reading_when_it_collapses_and_when_it_does_not():
    y_test = np.array([0] * 28 + [1] * 10)
    collapsed = {"threshold": 0.613, "test_at_0.5": {"accuracy": 0.368, "auc": 0.993},
                 "test_at_threshold": {"accuracy": 0.947, "f1": 0.9},
                 "test_confusion_at_0.5": [[4, 24], [0, 10]], "test_confusion_at_threshold": [[27, 1], [1, 9]]}
    text = readings.baseline_reading(collapsed, y_test)
    assert "fails as the report's did: it calls 34 of the 38 test photos female (14 right" in text
    assert "0.613, gives 36 of 38 right (accuracy 0.947, F1 0.900)" in text
    assert f"{report.BASELINE_AT_OPTIMAL['accuracy']:.3f} only" in text and "2.6 points" in text
    fine = {**collapsed, "test_confusion_at_0.5": [[25, 3], [2, 8]]}
    assert "does not collapse" in readings.baseline_reading(fine, y_test)


def test_recipe_search_reading_counts_from_the_table():
    search = pd.DataFrame({
        "protocol": ["report"] * 6, "recipe": ["A", "A", "D", "D", "D", "K"],
        "bn_momentum": [0.99, 0.99, 0.9, 0.9, 0.9, 0.9], "one_sided_05": [True, True, False, False, False, False],
        "seed": [1, 2, 1, 2, 3, 1], "test_auc": [0.6, 0.7, 0.98, 0.95, 0.99, 0.9],
        "test_acc_05": [0.5, 0.5, 0.94, 0.90, 0.95, 0.99],
    })
    text = readings.recipe_search_reading(search, "D")
    assert "momentum 0.99: 2 of 2 runs had every test score on one side of 0.5" in text
    assert "momentum 0.9: 0 of 4 runs" in text
    assert "ran on 3 seeds" in text and "worst 0.950" in text and "2 of its 3 seeds reach both targets" in text
    assert "Among the 1 recipes run on at least as many seeds, its worst accuracy ranks 1" in text
    assert "not an unbiased estimate" in text


def test_honest_evaluation_reading_states_the_verdicts():
    rows = []
    for seed in (1, 2, 3):
        for method, auc, acc in (("final_cnn_report", 0.99, 0.95), ("final_cnn_leak_free", 0.96, 0.92),
                                 ("pixel_logreg", {1: 0.95, 2: 0.97, 3: 0.99}[seed], 0.90),
                                 ("baseline_cnn", 0.87, 0.83),
                                 ("eigenfaces_logreg", 0.95, 0.89), ("majority", 0.5, 0.71)):
            rows.append({"method": method, "seed": seed, "auc": auc, "accuracy": acc + 0.01 * seed, "f1": acc - 0.1,
                         "balanced_accuracy": 0.5 if method == "majority" else acc, "precision": acc, "recall": acc})
    records = pd.DataFrame(rows)
    summary = summaries.summarise(records)
    inflation = summaries.inflation(summary)
    paired = {m: summaries.corrected_paired_test(records, "final_cnn_leak_free", "pixel_logreg", m, 150, 38)
              for m in ("auc", "accuracy")}
    target = readings.leak_free_target(summary, paired)
    assert target["checks"] == {"auc": False, "accuracy": False, "better_than_pixel_logreg": False}
    assert not target["met"] and target["mean_auc"] == pytest.approx(0.96)
    leaked = {1: {"report_protocol": 50, "leak_free": 0}, 2: {"report_protocol": 62, "leak_free": 0}}
    text = readings.honest_evaluation_reading(summary, records, inflation, paired, target, leaked, (125, 100, 3),
                                              "D+ens2+tta", 3)
    assert "final CNN `D+ens2+tta`" in text and "Between 50 and 62 validation and test images" in text
    assert "**not met**: short on auc, accuracy, better than pixel logreg." in text
    assert "**cannot be told apart** on AUC" in text and "at least as good on 1 of 3 splits" in text
    assert f"p = {paired['auc']['p_value']:.3f}" in text
    assert "125 x 100 images" in text and "accuracy 0.730" in text


def test_leak_free_target_met():
    rows = [{"method": m, "seed": s, "auc": a + 0.001 * s, "accuracy": c}
            for s in range(10) for m, a, c in (("final_cnn_leak_free", 0.99, 0.96), ("pixel_logreg", 0.90, 0.90))]
    records = pd.DataFrame(rows)
    summary = summaries.summarise(records, metrics=("auc", "accuracy"))
    paired = {m: summaries.corrected_paired_test(records, "final_cnn_leak_free", "pixel_logreg", m, 150, 38)
              for m in ("auc", "accuracy")}
    assert readings.leak_free_target(summary, paired)["met"]


def test_search_reading_reports_each_option_against_recipe_d():
    ranking = [{"candidate": c, "mean_val_auc": a, "tied_with_best": t} for c, a, t in
               (("D+ens2+tta", 0.985, True), ("D+ens2", 0.983, True), ("D+tta", 0.978, False),
                ("D", 0.977, False), ("D+ema", 0.976, False), ("D+online", 0.963, False))]
    document = {"ranking": ranking, "parameters": {"models_per_group": 2}, "chosen": "D+ens2+tta",
                "chosen_test": [{"protocol": "leak_free", "test_auc": 0.99, "test_accuracy": 0.92},
                                {"protocol": "leak_free", "test_auc": 0.95, "test_accuracy": 0.84},
                                {"protocol": "report", "test_auc": 0.99, "test_accuracy": 0.96}]}
    text = readings.search_reading(document)
    assert "on-the-fly augmentation -0.014 (hurts)" in text
    assert "weight averaging (EMA) -0.001 (no measurable effect)" in text
    assert "flip TTA +0.001 (no measurable effect)" in text and "an ensemble of 2 seeds +0.006 (helps)" in text
    assert "2 candidate(s) lie within 0.005" in text and "**D+ens2+tta**" in text
    assert "leak-free: AUC 0.970, accuracy 0.880; report: AUC 0.990, accuracy 0.960" in text


def test_stability_reading_checks_the_target():
    rows = [{"run": r, "model": m, "auc": 0.95, "accuracy_at_0.5": acc}
            for r, (single, reduced) in enumerate([(0.90, 0.93), (0.94, 0.93), (0.92, 0.94)])
            for m, acc in (("single model", single), ("variance-reduced", reduced))]
    text = readings.stability_reading({"rows": rows, "runs": 3, "variant": "D+ens2+tta"})
    assert "between 0.900 and 0.940 (standard deviation 0.020)" in text
    assert "between 0.930 and 0.940 (standard deviation 0.006)" in text and "**met**" in text
