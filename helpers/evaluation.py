"""Metrics, the threshold chosen on validation, intervals and calibration: how a model's test scores are judged.

The figures of these metrics are in ``helpers.evaluation_plots``; the results files in ``helpers.reporting.results``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics as skm

METRIC_NAMES = ("accuracy", "precision", "recall", "f1", "auc", "loss")


def binary_metrics(y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, precision, recall, F1 (female = positive), ROC AUC, cross-entropy loss and Brier score.

    A prediction is female when ``score >= threshold``. The loss is the plain binary
    cross-entropy of the scores (no regularisation term), so models compare fairly; the Brier
    score (mean squared error of the scores) does not depend on the threshold.
    """
    y_true = np.asarray(y_true).astype(int)
    scores = np.asarray(scores, dtype=float)
    predicted = (scores >= threshold).astype(int)
    both_classes = len(np.unique(y_true)) == 2
    return {
        "accuracy": float(skm.accuracy_score(y_true, predicted)),
        "precision": float(skm.precision_score(y_true, predicted, zero_division=0)),
        "recall": float(skm.recall_score(y_true, predicted, zero_division=0)),
        "f1": float(skm.f1_score(y_true, predicted, zero_division=0)),
        "auc": float(skm.roc_auc_score(y_true, scores)) if both_classes else float("nan"),
        "loss": float(skm.log_loss(y_true, np.clip(scores, 1e-7, 1 - 1e-7), labels=[0, 1])),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y_true, predicted)),
        "brier": float(np.mean((scores - y_true) ** 2)),
        "threshold": float(threshold),
    }


def youden_threshold(y_true: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold that maximises Youden's J = TPR - FPR on (validation) data.

    Ties go to the highest threshold (fewest positives). The threshold is one of the
    observed scores; ``score >= threshold`` is then predicted positive.
    """
    fpr, tpr, thresholds = skm.roc_curve(np.asarray(y_true).astype(int), np.asarray(scores, dtype=float))
    finite = np.isfinite(thresholds)  # roc_curve starts with +inf (nothing predicted positive)
    j = (tpr - fpr)[finite]
    best = np.flatnonzero(j >= j.max() - 1e-12)[0]  # tolerance: equal J values can differ in the last bit
    return float(thresholds[finite][best])


def evaluate_with_validation_threshold(
    y_val: np.ndarray, val_scores: np.ndarray, y_test: np.ndarray, test_scores: np.ndarray
) -> dict[str, Any]:
    """Test metrics at 0.5 and at the Youden threshold chosen on the validation scores (never on test)."""
    threshold = youden_threshold(y_val, val_scores)
    return {
        "threshold": threshold,
        "validation_auc": binary_metrics(y_val, val_scores)["auc"],
        "test_at_0.5": binary_metrics(y_test, test_scores, 0.5),
        "test_at_threshold": binary_metrics(y_test, test_scores, threshold),
        "test_confusion_at_0.5": confusion(y_test, test_scores, 0.5).tolist(),
        "test_confusion_at_threshold": confusion(y_test, test_scores, threshold).tolist(),
    }


def confusion(y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """2 x 2 confusion matrix, rows = true (male, female), columns = predicted."""
    predicted = (np.asarray(scores) >= threshold).astype(int)
    return skm.confusion_matrix(np.asarray(y_true).astype(int), predicted, labels=[0, 1])


def evaluate_model(model: Any, validation: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray],
                   tta: bool = False) -> tuple[dict[str, Any], np.ndarray]:
    """Score validation and test, choose the threshold on validation; returns the evaluation and the test scores.

    ``model`` may be a list (an ensemble: probabilities averaged); ``tta`` adds flip test-time augmentation.
    """
    from helpers import training

    val_scores = training.predict_scores(model, validation[0], tta=tta)
    test_scores = training.predict_scores(model, test[0], tta=tta)
    return evaluate_with_validation_threshold(validation[1], val_scores, test[1], test_scores), test_scores


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (e.g. accuracy = successes / n on one test set)."""
    if n <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf((1 + level) / 2))
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def auc_interval(auc: float, n_positive: int, n_negative: int, level: float = 0.95) -> tuple[float, float]:
    """Normal-approximation interval of one AUC with the Hanley-McNeil (1982) standard error."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (n_positive - 1) * (q1 - auc * auc) + (n_negative - 1) * (q2 - auc * auc)) / (
        n_positive * n_negative)
    half = float(stats.norm.ppf((1 + level) / 2)) * math.sqrt(max(variance, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)


# ---- calibration ------------------------------------------------------------------------------

RELIABILITY_BINS = 5  # 54 test images: five bins of width 0.2 keep a handful of images in most bins


def reliability_table(y_true: np.ndarray, scores: np.ndarray, bins: int = RELIABILITY_BINS) -> pd.DataFrame:
    """Per score bin of equal width on [0, 1]: images, mean predicted p(female), observed female rate.

    A calibrated model has observed rate = mean score in every bin; empty bins are left out.
    """
    y_true = np.asarray(y_true, dtype=float)
    scores = np.asarray(scores, dtype=float)
    which = np.minimum((scores * bins).astype(int), bins - 1)
    rows = [{"bin_low": b / bins, "bin_high": (b + 1) / bins, "images": int((which == b).sum()),
             "mean_score": float(scores[which == b].mean()), "observed_rate": float(y_true[which == b].mean())}
            for b in range(bins) if (which == b).any()]
    return pd.DataFrame(rows)


def calibration_summary(y_true: np.ndarray, scores: np.ndarray, bins: int = RELIABILITY_BINS) -> dict[str, float]:
    """Brier score, its value for a constant prediction of the observed female rate, the mean score, the
    observed rate and the expected calibration error (image-weighted mean |observed - predicted| over bins)."""
    y_true = np.asarray(y_true, dtype=float)
    scores = np.asarray(scores, dtype=float)
    rate = float(y_true.mean())
    table = reliability_table(y_true, scores, bins)
    ece = float((table["images"] * (table["observed_rate"] - table["mean_score"]).abs()).sum() / len(y_true))
    return {"brier": float(np.mean((scores - y_true) ** 2)), "brier_constant_rate": rate * (1 - rate),
            "mean_score": float(scores.mean()), "observed_rate": rate, "ece": ece, "images": len(y_true),
            "bins": bins}
