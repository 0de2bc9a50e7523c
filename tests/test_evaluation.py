"""Metrics and the Youden threshold on hand-computed examples, figures and results files."""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import evaluation

matplotlib.use("Agg")



Y = np.array([0, 0, 1, 1])
SCORES = np.array([0.1, 0.6, 0.4, 0.9])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---- binary_metrics -----------------------------------------------------------------------------


def test_binary_metrics_hand_computed():
    # At 0.5: predictions 0,1,0,1 -> TN=1, FP=1, FN=1, TP=1. AUC: 3 of the 4 (female, male) pairs are ordered.
    result = evaluation.binary_metrics(Y, SCORES)
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["precision"] == pytest.approx(0.5)
    assert result["recall"] == pytest.approx(0.5)
    assert result["f1"] == pytest.approx(0.5)
    assert result["auc"] == pytest.approx(0.75)
    assert result["balanced_accuracy"] == pytest.approx(0.5)
    assert result["threshold"] == 0.5
    assert result["loss"] == pytest.approx(-(2 * math.log(0.9) + 2 * math.log(0.4)) / 4)
    assert {"accuracy", "precision", "recall", "f1", "auc", "loss", "brier"} <= set(result)
    assert all(type(value) is float for value in result.values())


def test_binary_metrics_threshold_effect():
    # At 0.35: predictions 0,1,1,1 -> TN=1, FP=1, FN=0, TP=2.
    result = evaluation.binary_metrics(Y, SCORES, threshold=0.35)
    assert result["accuracy"] == pytest.approx(0.75)
    assert result["precision"] == pytest.approx(2 / 3)
    assert result["recall"] == pytest.approx(1.0)
    assert result["f1"] == pytest.approx(0.8)
    assert result["balanced_accuracy"] == pytest.approx(0.75)
    assert result["threshold"] == 0.35
    # Threshold-free metrics do not move.
    at_half = evaluation.binary_metrics(Y, SCORES)
    assert result["auc"] == at_half["auc"]
    assert result["loss"] == at_half["loss"]


def test_binary_metrics_score_equal_to_threshold_is_positive():
    result = evaluation.binary_metrics([0, 1], [0.2, 0.6], threshold=0.6)
    assert result["recall"] == 1.0
    assert result["accuracy"] == 1.0


def test_binary_metrics_nothing_predicted_positive():
    result = evaluation.binary_metrics(Y, SCORES, threshold=0.95)
    assert result["precision"] == 0.0  # zero_division=0, no warning-driven NaN
    assert result["recall"] == 0.0
    assert result["f1"] == 0.0
    assert result["accuracy"] == 0.5


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
def test_binary_metrics_single_class():
    result = evaluation.binary_metrics([1, 1, 1], [0.9, 0.8, 0.3])
    assert math.isnan(result["auc"])
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["loss"] == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.3)) / 3)


def test_binary_metrics_clips_certain_mistakes():
    result = evaluation.binary_metrics([0, 1], [1.0, 0.0])
    assert math.isfinite(result["loss"])
    assert result["loss"] == pytest.approx(-math.log(1e-7), rel=1e-6)


# ---- youden_threshold ---------------------------------------------------------------------------


def assert_valid_threshold(y, scores, threshold):
    assert math.isfinite(threshold)
    assert threshold in set(np.asarray(scores, dtype=float).tolist())


def test_youden_perfectly_separable():
    y, scores = [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]
    threshold = evaluation.youden_threshold(y, scores)
    assert threshold == 0.8
    assert_valid_threshold(y, scores, threshold)
    result = evaluation.binary_metrics(y, scores, threshold)
    assert result["accuracy"] == 1.0


def test_youden_hand_example():
    # thresholds: 0.9 -> J=0.5, 0.6 -> J=0 (TPR 1/2, FPR 1/2), 0.4 -> J=0.5, 0.1 -> 0. Ties go to the higher.
    threshold = evaluation.youden_threshold(Y, SCORES)
    assert threshold == 0.9
    assert evaluation.confusion(Y, SCORES, threshold).tolist() == [[2, 0], [1, 1]]


def test_youden_tied_j_goes_to_the_highest_threshold():
    y = [0, 0, 1, 0, 1, 1]
    scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    # J = TPR - FPR: 0.6 -> 1/3, 0.5 -> 2/3, 0.4 -> 1/3, 0.3 -> 2/3, 0.2 -> 1/3, 0.1 -> 0.
    threshold = evaluation.youden_threshold(y, scores)
    assert threshold == 0.5
    assert_valid_threshold(y, scores, threshold)


def test_youden_tied_scores():
    # The male at 0.6 shares his score with two females: the threshold 0.6 takes all three.
    y = [0, 0, 1, 1, 1]
    scores = [0.2, 0.6, 0.6, 0.6, 0.9]
    # J: 0.9 -> 1/3, 0.6 -> 1 - 1/2 = 1/2, 0.2 -> 0.
    threshold = evaluation.youden_threshold(y, scores)
    assert threshold == 0.6
    assert_valid_threshold(y, scores, threshold)
    predicted = (np.array(scores) >= threshold).astype(int)
    assert predicted.tolist() == [0, 1, 1, 1, 1]
    result = evaluation.binary_metrics(y, scores, threshold)
    assert result["recall"] == 1.0
    assert result["precision"] == pytest.approx(0.75)


def test_youden_never_returns_infinity():
    # Inverted scores: every finite threshold has J <= 0 while the +inf start of the ROC curve has J = 0.
    y, scores = [1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]
    threshold = evaluation.youden_threshold(y, scores)
    assert_valid_threshold(y, scores, threshold)
    assert threshold == 0.1
    constant = evaluation.youden_threshold([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    assert constant == 0.5


def test_youden_random_scores_are_optimal():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 60)
    scores = np.round(rng.random(60) * 0.6 + 0.4 * y, 2)  # rounding creates ties
    threshold = evaluation.youden_threshold(y, scores)
    assert_valid_threshold(y, scores, threshold)

    def j(t):
        predicted = scores >= t
        return predicted[y == 1].mean() - predicted[y == 0].mean()

    best = max(j(t) for t in np.unique(scores))
    assert j(threshold) == pytest.approx(best)
    assert threshold == max(t for t in np.unique(scores) if j(t) == pytest.approx(best))


# ---- confusion and comparison -------------------------------------------------------------------


def test_confusion_rows_are_true_columns_predicted():
    y = [0, 0, 0, 1]
    scores = [0.9, 0.1, 0.2, 0.8]
    matrix = evaluation.confusion(y, scores)
    assert matrix.tolist() == [[2, 1], [0, 1]]  # one male called female, the female found
    assert evaluation.confusion(Y, SCORES, 0.35).tolist() == [[1, 1], [0, 2]]
    assert evaluation.confusion([0, 0], [0.1, 0.2]).shape == (2, 2)


# ---- figures ------------------------------------------------------------------------------------


# ---- results files ------------------------------------------------------------------------------


# ---- shared evaluation blocks of notebooks 02 and 04 ----------------------------------------------


class _ConstantModel:
    """Stands in for a Keras model: predicts given scores."""

    def __init__(self, scores_by_size: dict[int, np.ndarray]) -> None:
        self.scores_by_size = scores_by_size

    def predict(self, images, batch_size=32, verbose=0):
        return self.scores_by_size[len(images)].reshape(-1, 1)


def test_evaluate_model_chooses_the_threshold_on_validation_only():
    val_scores, test_scores = np.array([0.2, 0.4, 0.6, 0.8]), np.array([0.1, 0.45, 0.5, 0.9, 0.3])
    model = _ConstantModel({4: val_scores, 5: test_scores})
    y_val, y_test = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1, 0])
    evaluated, scores = evaluation.evaluate_model(model, (np.zeros((4, 2)), y_val), (np.zeros((5, 2)), y_test))
    assert scores.tolist() == test_scores.tolist()
    assert evaluated["threshold"] == evaluation.youden_threshold(y_val, val_scores) == 0.6
    assert evaluated["test_at_threshold"]["accuracy"] == pytest.approx(0.6)


def test_reliability_table_by_hand():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.1, 0.15, 0.9, 0.95, 0.5, 0.55])  # bins of 0.2: [0, 0.2), [0.4, 0.6), [0.8, 1.0]
    table = evaluation.reliability_table(y, p, bins=5)
    assert table["bin_low"].tolist() == pytest.approx([0.0, 0.4, 0.8])
    assert table["images"].tolist() == [2, 2, 2]
    assert table["mean_score"].tolist() == pytest.approx([0.125, 0.525, 0.925])
    assert table["observed_rate"].tolist() == pytest.approx([0.0, 0.5, 1.0])


def test_a_score_of_one_falls_in_the_last_bin():
    table = evaluation.reliability_table(np.array([1, 0]), np.array([1.0, 0.0]), bins=5)
    assert table["images"].tolist() == [1, 1] and table["bin_high"].tolist() == pytest.approx([0.2, 1.0])


def test_calibration_summary_by_hand():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.2, 0.4, 0.6, 1.0])
    summary = evaluation.calibration_summary(y, p, bins=5)
    assert summary["brier"] == pytest.approx((0.04 + 0.16 + 0.16 + 0.0) / 4)
    assert summary["brier_constant_rate"] == pytest.approx(0.25)
    assert summary["mean_score"] == pytest.approx(0.55) and summary["observed_rate"] == pytest.approx(0.5)
    # calibration_curve's bins, closed on the right: (0,0.2] -> 0.2 (y 0), (0.2,0.4] -> 0.4 (y 0), (0.4,0.6] -> 0.6
    # (y 1), (0.8,1] -> 1.0 (y 1): one image per bin
    assert summary["ece"] == pytest.approx((0.2 + 0.4 + 0.4 + 0.0) / 4)
    assert evaluation.binary_metrics(y, p)["brier"] == pytest.approx(summary["brier"])


def test_a_perfect_model_has_zero_brier_and_zero_ece():
    y = np.array([0, 1, 0, 1])
    summary = evaluation.calibration_summary(y, y.astype(float))
    assert summary["brier"] == 0.0 and summary["ece"] == 0.0
