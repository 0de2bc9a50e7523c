"""Generated readings say what the run's values say, and change when the values do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import analysis, readings, report


def evaluated(accuracy: float, auc: float, confusion_half, confusion_threshold, threshold: float = 0.36) -> dict:
    metrics = {"accuracy": accuracy, "auc": auc, "loss": 0.3008}
    return {"threshold": threshold, "test_at_0.5": metrics, "test_at_threshold": {**metrics, "accuracy": 0.907},
            "test_confusion_at_0.5": confusion_half, "test_confusion_at_threshold": confusion_threshold}


def test_final_model_reading_states_this_runs_numbers():
    text = readings.final_model_reading(evaluated(50 / 54, 0.9451, [[27, 0], [4, 23]], [[26, 1], [4, 23]]), 54)
    assert "AUC of 0.945" in text and "accuracy at 0.5 of 0.926 (50 of 54)" in text
    assert f"{report.FINAL_MODEL['auc']:.3f}" in text and "accuracy is higher than the report's" in text
    assert "**not reached**" in text  # AUC 0.945 < 0.97
    assert "calls 4 female photo(s) male and 0 male photo(s) female" in text
    assert "0.360" in text and "gives accuracy 0.907 on test" in text
    assert "0.30 against the report's 1.82" in text


def test_final_model_reading_when_the_target_is_met_and_the_threshold_changes_nothing():
    confusion = [[26, 1], [1, 26]]
    text = readings.final_model_reading(evaluated(52 / 54, 0.981, confusion, confusion), 54,
                                        {"n_seeds": 11, "mean_auc": 0.976, "mean_accuracy": 0.931,
                                         "seed_auc": 0.988, "seed_accuracy": 0.944})
    assert "**reached**" in text and "gives the same confusion matrix" in text
    assert "11 seeds averaged 0.976 and 0.931" in text and "0.988 and 0.944" in text


def test_search_summary_uses_one_recipe_and_protocol():
    search = pd.DataFrame({
        "recipe": ["D", "D", "D", "X"], "protocol": ["report", "report", "leak_free", "report"],
        "seed": [23, 1, 23, 23], "test_auc": [0.9, 0.8, 0.1, 0.2], "test_acc_05": [0.95, 0.85, 0.1, 0.2],
    })
    summary = readings.search_summary(search, "D", 23)
    assert summary == pytest.approx({"n_seeds": 2, "mean_auc": 0.85, "mean_accuracy": 0.9, "seed_auc": 0.9,
                                     "seed_accuracy": 0.95})


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
