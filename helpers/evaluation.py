"""Metrics, the threshold chosen on validation, intervals and calibration: how a model's test scores are judged."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve


def binary_metrics(y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, precision, recall, F1 (female = positive, ``score >= threshold``), ROC AUC, Brier score and the
    plain cross-entropy of the scores (no regularisation term, so that models compare fairly)."""
    y_true = np.asarray(y_true).astype(int)
    scores = np.asarray(scores, dtype=float)
    predicted = (scores >= threshold).astype(int)
    return {
        "accuracy": float(skm.accuracy_score(y_true, predicted)),
        "precision": float(skm.precision_score(y_true, predicted, zero_division=0)),
        "recall": float(skm.recall_score(y_true, predicted, zero_division=0)),
        "f1": float(skm.f1_score(y_true, predicted, zero_division=0)),
        "auc": float(skm.roc_auc_score(y_true, scores)) if len(np.unique(y_true)) == 2 else float("nan"),
        "loss": float(skm.log_loss(y_true, np.clip(scores, 1e-7, 1 - 1e-7), labels=[0, 1])),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y_true, predicted)),
        "brier": float(np.mean((scores - y_true) ** 2)),
        "threshold": float(threshold),
    }


def youden_threshold(y_true: np.ndarray, scores: np.ndarray) -> float:
    """The observed score that maximises Youden's J = TPR - FPR on (validation) data; ties go to the highest."""
    fpr, tpr, thresholds = skm.roc_curve(np.asarray(y_true).astype(int), np.asarray(scores, dtype=float))
    finite = np.isfinite(thresholds)  # roc_curve starts with +inf (nothing predicted positive)
    j = (tpr - fpr)[finite]
    best = np.flatnonzero(j >= j.max() - 1e-12)[0]  # tolerance: equal J values can differ in the last bit
    return float(thresholds[finite][best])


def evaluate_with_validation_threshold(y_val: np.ndarray, val_scores: np.ndarray, y_test: np.ndarray,
                                       test_scores: np.ndarray) -> dict[str, Any]:
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
    """Evaluation and test scores of ``model`` (a list: an ensemble; ``tta``: flip test-time augmentation)."""
    from helpers import training

    val_scores = training.predict_scores(model, validation[0], tta=tta)
    test_scores = training.predict_scores(model, test[0], tta=tta)
    return evaluate_with_validation_threshold(validation[1], val_scores, test[1], test_scores), test_scores


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (e.g. accuracy = successes / n on one test set)."""
    interval = stats.binomtest(successes, n).proportion_ci(confidence_level=level, method="wilson")
    return float(interval.low), float(interval.high)


def auc_interval(auc: float, n_positive: int, n_negative: int, level: float = 0.95) -> tuple[float, float]:
    """Normal-approximation interval of one AUC with the Hanley-McNeil (1982) standard error (no library has it)."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (n_positive - 1) * (q1 - auc * auc) + (n_negative - 1) * (q2 - auc * auc)) / (
        n_positive * n_negative)
    half = float(stats.norm.ppf((1 + level) / 2)) * math.sqrt(max(variance, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)


RELIABILITY_BINS = 5  # 54 test images: five bins of width 0.2 keep a handful of images in most bins


def reliability_table(y_true: np.ndarray, scores: np.ndarray, bins: int = RELIABILITY_BINS) -> pd.DataFrame:
    """Per non-empty score bin of ``calibration_curve``: images, mean predicted p(female), observed female rate."""
    scores = np.asarray(scores, dtype=float)
    observed, predicted = calibration_curve(y_true, scores, n_bins=bins)
    edges = np.linspace(0, 1, bins + 1)
    images = np.bincount(np.searchsorted(edges[1:-1], scores), minlength=bins)  # calibration_curve's bins
    used = images > 0
    return pd.DataFrame({"bin_low": edges[:-1][used], "bin_high": edges[1:][used], "images": images[used],
                         "mean_score": predicted, "observed_rate": observed})


def calibration_summary(y_true: np.ndarray, scores: np.ndarray, bins: int = RELIABILITY_BINS) -> dict[str, float]:
    """Brier score (and a constant predictor's), mean score, observed rate and expected calibration error."""
    y_true, scores = np.asarray(y_true, dtype=float), np.asarray(scores, dtype=float)
    rate = float(y_true.mean())
    table = reliability_table(y_true, scores, bins)
    ece = float((table["images"] * (table["observed_rate"] - table["mean_score"]).abs()).sum() / len(y_true))
    return {"brier": float(skm.brier_score_loss(y_true, scores)), "brier_constant_rate": rate * (1 - rate),
            "mean_score": float(scores.mean()), "observed_rate": rate, "ece": ece, "images": len(y_true),
            "bins": bins}
