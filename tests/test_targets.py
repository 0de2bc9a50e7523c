"""Tests of ``helpers.reporting.targets``: each verdict on both sides of its bar."""

from __future__ import annotations

import pytest

from helpers.reporting import targets


@pytest.mark.parametrize(("auc", "accuracy", "met"), [(0.97, 0.93, True), (0.969, 0.99, False), (1.0, 0.92, False)])
def test_single_split_verdict(auc, accuracy, met):
    verdict = targets.single_split_verdict({"auc": auc, "accuracy": accuracy, "f1": 0.0})
    assert verdict["met"] is met and verdict["wanted"] == targets.TARGET
    assert verdict["checks"] == {"auc": auc >= 0.97, "accuracy": accuracy >= 0.93}


@pytest.mark.parametrize(("sd", "met"), [(0.015, True), (0.0151, False)])
def test_stability_verdict(sd, met):
    verdict = targets.stability_verdict(sd, 5, "D+ens2+tta")
    assert verdict["met"] is met and verdict["runs"] == 5 and verdict["variant"] == "D+ens2+tta"


@pytest.mark.parametrize(("mean", "p_value", "better"), [(0.01, 0.049, True), (0.01, 0.05, False),
                                                          (-0.01, 0.01, False)])
def test_leak_free_verdict_needs_a_significant_win(mean, p_value, better):
    verdict = targets.leak_free_verdict(0.99, 0.96, {"mean": mean, "p_value": p_value})
    assert verdict["checks"] == {"auc": True, "accuracy": True, "better_than_pixel_logreg": better}
    assert verdict["met"] is better and verdict["p_value_auc_vs_pixel_logreg"] == p_value


def test_leak_free_verdict_counts_each_bar():
    verdict = targets.leak_free_verdict(0.979, 0.95, {"mean": 0.02, "p_value": 0.001})
    assert verdict["checks"] == {"auc": False, "accuracy": True, "better_than_pixel_logreg": True}
    assert not verdict["met"]
