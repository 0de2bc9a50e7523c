"""Generated readings say what the run's values say, and change when the values do."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers import analysis, split_statistics
from helpers.reporting import readings, targets

matplotlib.use("Agg")


def mentions(text: str, *fragments: str) -> None:
    """The reading states each number and verdict (the sentences around them may be reworded freely)."""
    missing = [fragment for fragment in fragments if fragment not in text]
    assert not missing, f"the reading lacks {missing}: {text}"


def verdict(summary: pd.DataFrame, paired: dict) -> dict:
    """The leak-free target's verdict, as the results seam computes it when notebook 06 writes its file."""
    return targets.leak_free_verdict(summary.loc[("final_cnn_leak_free", "auc"), "mean"],
                                     summary.loc[("final_cnn_leak_free", "accuracy"), "mean"], paired["auc"])


def test_lighting_reading_verdict_follows_the_test():
    same = {"n_a": 5, "n_b": 49, "mean_a": 0.685, "mean_b": 0.696, "p_value": 1.0}
    by_sex = {"mean_a": 0.699, "mean_b": 0.703, "p_value": 0.66}
    text = readings.lighting_reading(same, -0.037, 0.79, by_sex)
    mentions(text, "0.685", "0.696", "-0.04", "not supported")
    brighter = {**same, "mean_a": 0.8, "p_value": 0.001}
    supported = readings.lighting_reading(brighter, 0.5, 0.01, by_sex)
    mentions(supported, "0.800", "**The lighting hypothesis is supported here.**")
    assert "not supported" not in supported


def test_grad_cam_reading_counts_errors_and_leaked_sources():
    test = pd.DataFrame({
        "sex": [1, 1, 0, 0, 1], "predicted": [0, 1, 1, 0, 1], "correct": [False, True, False, True, True],
        "cam_top_share": [0.2, 0.1, 0.3, 0.1, 0.1], "cam_face_share": [0.6, 0.2, 0.3, 0.5, 0.1],
        "cam_side_share": [0.1, 0.5, 0.4, 0.1, 0.6],
    })
    confident = pd.DataFrame({"augmented": [True, True, False], "source": ["a.jpg", "b.jpg", "c.jpg"]})
    text = readings.grad_cam_reading(test, confident, {"a.jpg", "c.jpg"}, {"b.jpg"}, 0.3)
    mentions(text, "1 female photo(s) called male", "1 male photo(s) called female")
    mentions(text, "55%", "28% of the image", "10%", "40% of the image")  # mass and area of face box, sides
    mentions(text, "2 are augmented", "1 of these share their source photo with a training image")


def test_side_regions_are_left_and_right_of_the_face_box():
    heatmap = np.zeros((250, 200))
    heatmap[100, 10] = heatmap[100, 190] = 1.0  # hair at both sides
    heatmap[100, 100] = 2.0  # the nose
    shares = [analysis.heatmap_share(heatmap, region) for region in analysis.side_regions(250, 200)]
    assert shares == [0.25, 0.25]
    assert analysis.heatmap_share(heatmap, analysis.face_region(250, 200)) == 0.5


def honest_records(leak: float = 0.03) -> pd.DataFrame:
    """Three splits of every method; the leaky final CNN is ``leak`` higher than the leak-free one, with noise."""
    rows = []
    for seed in (1, 2, 3):
        noise = {1: -0.02, 2: 0.0, 3: 0.02}[seed]
        for method, auc, acc in (("final_cnn_report", 0.96 + leak + noise / 2, 0.92 + leak + noise),
                                 ("final_cnn_leak_free", 0.96, 0.92),
                                 ("pixel_logreg", {1: 0.95, 2: 0.97, 3: 0.99}[seed], 0.90),
                                 ("baseline_cnn", 0.87, 0.83),
                                 ("eigenfaces_logreg", 0.95, 0.89), ("majority", 0.5, 0.71)):
            bal = 0.5 if method == "majority" else acc
            rows.append({"method": method, "seed": seed, "auc": auc, "accuracy": acc + 0.01 * seed, "f1": acc - 0.1,
                         "balanced_accuracy": bal, "precision": acc, "recall": 0.0 if method == "majority" else acc,
                         "specificity": 1.0 if method == "majority" else acc,
                         "n_test": 54 if method == "final_cnn_report" else 38,
                         "n_not_tested": 214 if method == "final_cnn_report" else 150})
    return pd.DataFrame(rows)


def honest_reading(records: pd.DataFrame) -> tuple[str, dict]:
    summary = split_statistics.summarise(records)
    leak = split_statistics.leak_table(summary, records)
    paired = {m: split_statistics.corrected_paired_test(records, "final_cnn_leak_free", "pixel_logreg", m, 150, 38)
              for m in ("auc", "accuracy")}
    target = verdict(summary, paired)
    leaked = {1: {"report_protocol": 50, "leak_free": 0}, 2: {"report_protocol": 62, "leak_free": 0}}
    text = readings.honest_evaluation_reading(summary, records, leak, paired, target, leaked, (125, 100, 3),
                                              "D+ens2+tta", 3)
    return text, {"summary": summary, "leak": leak, "paired": paired, "target": target}


def test_honest_evaluation_reading_states_the_verdicts():
    text, parts = honest_reading(honest_records())
    target, paired, leak = parts["target"], parts["paired"], parts["leak"]
    assert target["checks"] == {"auc": False, "accuracy": False, "better_than_pixel_logreg": False}
    assert not target["met"] and target["mean_auc"] == pytest.approx(0.96)
    mentions(text, "`D+ens2+tta`", "50", "62", "125 x 100")  # the variant, the leaked images, the input size
    mentions(text, "AUC 0.990 against 0.960", "balanced accuracy 0.950")  # the leak on prevalence-free metrics
    assert bool(leak["includes zero"].all())
    mentions(text, "includes zero for every one of them", "0.960", "**the target is not met**")
    mentions(text, f"p = {paired['auc']['p_value']:.3f}", "**cannot be told apart** on AUC", "1 of the 3 splits")
    mentions(text, "0.730", "0.500")  # the majority class: accuracy against balanced accuracy
    assert "short on" not in text and "better than pixel logreg" not in text  # verdicts in words, not keys
    assert "generated" not in text and "seed 23" not in text


def test_honest_evaluation_reading_when_the_leak_is_clear_on_some_metrics():
    records = honest_records(leak=0.06)
    leaky = records["method"] == "final_cnn_report"
    records.loc[leaky, "auc"] = [0.99, 0.995, 1.0]  # +0.030, +0.035, +0.040 over the leak-free 0.96: clear
    records.loc[leaky, "recall"] = [0.80, 1.00, 0.90]  # -0.12, +0.08, -0.02: no clear direction
    text, parts = honest_reading(records)
    leak = parts["leak"]
    assert not leak.loc["auc", "includes zero"] and leak.loc["recall", "includes zero"]
    mentions(text, "excludes zero for AUC", "includes zero for balanced accuracy, sensitivity and specificity")


def test_honest_evaluation_reading_when_the_target_is_met():
    rows = [{"method": m, "seed": s, "auc": a + 0.001 * s, "accuracy": c, "balanced_accuracy": c, "recall": c,
             "specificity": c, "n_test": 38, "n_not_tested": 150}
            for s in range(10) for m, a, c in (("final_cnn_leak_free", 0.99, 0.96), ("final_cnn_report", 0.99, 0.96),
                                               ("pixel_logreg", 0.90, 0.90), ("baseline_cnn", 0.9, 0.9),
                                               ("majority", 0.5, 0.7))]
    records = pd.DataFrame(rows)
    summary = split_statistics.summarise(records, ("auc", "accuracy", "balanced_accuracy", "recall", "specificity"))
    paired = {m: split_statistics.corrected_paired_test(records, "final_cnn_leak_free", "pixel_logreg", m, 150, 38)
              for m in ("auc", "accuracy")}
    target = verdict(summary, paired)
    text = readings.honest_evaluation_reading(summary, records, split_statistics.leak_table(summary, records), paired,
                                              target, {0: {"report_protocol": 5}}, (62, 50, 3), "D", 10)
    assert target["met"]
    mentions(text, "**the target is met**", "the CNN **is** better on AUC", "0.090")


def test_brier_spread_reading_is_prose_without_labels():
    brier = pd.DataFrame({"mean": [0.045, 0.069, 0.074], "std": [0.02] * 3, "min": [0.01, 0.03, 0.04],
                          "max": [0.09, 0.12, 0.2]}, index=["final_cnn_report", "final_cnn_leak_free", "pixel_logreg"])
    text = readings.brier_spread_reading(brier, {"pixel_logreg": "pixel LR"})
    assert text.startswith("**Reading.** Over the splits") and "generated" not in text
    mentions(text, "0.160 (pixel LR)")


def brier_table(leaky: float, leak_free: float, pixels: float, sd: float = 0.02):
    import pandas as pd

    return pd.DataFrame({"mean": [leaky, leak_free, pixels], "std": [sd] * 3, "min": [0.01, 0.03, 0.04],
                         "max": [0.09, 0.12, 0.2]}, index=["final_cnn_report", "final_cnn_leak_free", "pixel_logreg"])


def test_brier_spread_reading_states_the_leak_the_baseline_and_the_spread():
    labels = {"final_cnn_leak_free": "final CNN, leak-free", "pixel_logreg": "pixel LR"}
    text = readings.brier_spread_reading(brier_table(0.045, 0.069, 0.074), labels)
    mentions(text, "final CNN, leak-free 0.069 ± 0.020 (0.030-0.120)", "-0.005", "0.160 (pixel LR)")
    mentions(text, "the leak flatters the calibration")


def test_brier_spread_reading_when_the_leak_does_not_help_and_the_cnn_is_clearly_better():
    text = readings.brier_spread_reading(brier_table(0.08, 0.05, 0.11), {})
    mentions(text, "0.080 against 0.050", "does not lower the Brier score", "the CNN is the better calibrated")
