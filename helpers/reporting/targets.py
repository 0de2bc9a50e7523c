"""The project's targets and their verdicts, computed once when a results file is written and stored in it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

P_LEVEL = 0.05  # the significance level of every statement
TARGET = {"auc": 0.97, "accuracy": 0.93}
LEAK_FREE_TARGET = {"auc": 0.98, "accuracy": 0.95, "p_value": P_LEVEL}
STABILITY_TARGET_SD = 0.015


def significant(test: Mapping[str, float]) -> bool:
    """A paired difference above zero at the 5 % level."""
    return test["mean"] > 0 and test["p_value"] < P_LEVEL


def single_split_verdict(test_at_half: Mapping[str, float]) -> dict[str, Any]:
    """Notebook 04's target on the report's split: test AUC and accuracy at 0.5 against ``TARGET``."""
    checks = {metric: bool(float(test_at_half[metric]) >= wanted) for metric, wanted in TARGET.items()}
    return {"wanted": dict(TARGET), "checks": checks, "met": all(checks.values())}


def stability_verdict(sd_accuracy: float, runs: int, variant: str) -> dict[str, Any]:
    """The stability target: the standard deviation of the test accuracy at 0.5 over training seeds."""
    return {"wanted_sd_accuracy": STABILITY_TARGET_SD, "sd_accuracy": float(sd_accuracy), "runs": int(runs),
            "variant": variant, "met": bool(float(sd_accuracy) <= STABILITY_TARGET_SD)}


def leak_free_verdict(mean_auc: float, mean_accuracy: float, paired_auc: Mapping[str, float]) -> dict[str, Any]:
    """Notebook 07's target: the leak-free final CNN's mean AUC and accuracy, and its paired win over pixels."""
    checks = {"auc": bool(mean_auc >= LEAK_FREE_TARGET["auc"]),
              "accuracy": bool(mean_accuracy >= LEAK_FREE_TARGET["accuracy"]),
              "better_than_pixel_logreg": bool(significant(paired_auc))}
    return {"wanted": dict(LEAK_FREE_TARGET), "mean_auc": float(mean_auc), "mean_accuracy": float(mean_accuracy),
            "p_value_auc_vs_pixel_logreg": float(paired_auc["p_value"]), "checks": checks,
            "met": all(checks.values())}
