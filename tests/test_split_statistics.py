"""Tests of ``helpers.split_statistics``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import methods, split_statistics

T_975_2 = 4.302652729911275  # t quantile 0.975 with 2 degrees of freedom (tables / scipy)
PHOTO_FRACTION, LEAKY_FRACTION = 38 / 150, 54 / 214


def test_summarise_mean_sd_and_corrected_interval(records):
    summary = split_statistics.summarise(records, ("accuracy", "auc"))
    row = summary.loc[("final_cnn_leak_free", "accuracy")]
    naive_half = T_975_2 * 0.2 / math.sqrt(3)
    corrected_half = T_975_2 * 0.2 * math.sqrt(1 / 3 + PHOTO_FRACTION)  # Nadeau-Bengio, by hand
    assert row["mean"] == pytest.approx(0.8)
    assert row["std"] == pytest.approx(0.2)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.8 - corrected_half, 0.8 + corrected_half))
    assert (row["naive_ci_low"], row["naive_ci_high"]) == pytest.approx((0.8 - naive_half, 0.8 + naive_half))
    assert (row["n"], row["n_test"], row["n_train"]) == (3, 38, 150)
    leaky = summary.loc[("final_cnn_report", "auc")]
    assert leaky["ci_high"] - leaky["mean"] == pytest.approx(T_975_2 * 0.05 * math.sqrt(1 / 3 + LEAKY_FRACTION))
    constant = summary.loc[("majority", "auc")]
    assert (constant["mean"], constant["std"], constant["ci_low"], constant["ci_high"]) == pytest.approx(
        (0.5, 0.0, 0.5, 0.5))
    assert list(summary.index.get_level_values(0).unique()) == ["final_cnn_report", "final_cnn_leak_free", "majority"]
    as_dict = split_statistics.summary_dict(summary)
    assert set(as_dict["majority"]["accuracy"]) == {"mean", "std", "ci_low", "ci_high", "naive_ci_low",
                                                    "naive_ci_high"}
    assert as_dict["final_cnn_leak_free"]["accuracy"]["ci_low"] == pytest.approx(0.8 - corrected_half)
    table = split_statistics.summary_table(summary, {"majority": "always male"})
    assert table.loc["always male", "accuracy"] == "0.700 ± 0.000 [0.700, 0.700]"
    assert table.columns.name == "mean ± sd [95 % interval, Nadeau-Bengio corrected]"
    intervals = split_statistics.interval_dict(summary)
    assert "Nadeau-Bengio" in intervals["method"] and intervals["level"] == 0.95
    assert intervals["sizes"]["final_cnn_report"] == {"n_test": 54.0, "n_train": 214.0}


@pytest.mark.parametrize(("k", "n_test", "n_train"), [(10, 38, 150), (2, 54, 214), (25, 1, 9)])
def test_the_corrected_interval_is_wider_by_exactly_the_nadeau_bengio_factor(k, n_test, n_train):
    values = np.random.default_rng(k).normal(0.9, 0.05, k)
    mean, sd, naive_low, naive_high = split_statistics.corrected_t_interval(values, 0, 1)
    same_mean, same_sd, low, high = split_statistics.corrected_t_interval(values, n_test, n_train)
    assert (same_mean, same_sd) == (mean, sd)
    assert (low + high) / 2 == pytest.approx(mean)  # widened, not moved
    assert (high - low) / (naive_high - naive_low) == pytest.approx(math.sqrt(1 + k * n_test / n_train))
    assert high - low > naive_high - naive_low


def test_t_interval_edge_cases():
    mean, sd, low, high = split_statistics.corrected_t_interval(np.array([0.5]), 0, 1)
    assert mean == 0.5 and math.isnan(sd) and math.isnan(low) and math.isnan(high)
    assert all(math.isnan(v) for v in split_statistics.corrected_t_interval(np.array([]), 0, 1))
    assert split_statistics.corrected_t_interval(np.array([1.0, np.nan, 3.0]), 0, 1)[0] == 2.0
    assert math.isnan(split_statistics.corrected_t_interval(np.array([0.5]), 38, 150)[2])


def test_the_interval_agrees_with_the_paired_test():
    differences = [0.02, 0.04, 0.00, 0.06]
    test = split_statistics.nadeau_bengio(differences, n_train=150, n_test=38)
    _, _, low, high = split_statistics.corrected_t_interval(np.array(differences), 38, 150)
    assert (test["ci_low"], test["ci_high"]) == pytest.approx((low, high))


def test_the_correction_counts_the_pool_not_the_augmented_training_set():
    records = pd.DataFrame({"method": ["final_cnn_report", "final_cnn_leak_free", "final_cnn_report"],
                            "n_train": [133, 134, 135], "n_test": [54, 38, 54], "n_not_tested": [214, 150, 212]})
    sizes = split_statistics.resampling_sizes(records)
    assert list(sizes.index) == ["final_cnn_report", "final_cnn_leak_free"]
    assert sizes.loc["final_cnn_report"].tolist() == [54.0, 213.0]  # means over the splits
    assert sizes.loc["final_cnn_leak_free", "n_train"] == 150
    with pytest.raises(KeyError, match="n_test"):
        split_statistics.resampling_sizes(records.drop(columns="n_test"))


def test_inflation_and_paired_inflation(records):
    summary = split_statistics.summarise(records, ("accuracy", "auc"))
    table = split_statistics.inflation(summary)
    assert table.loc["accuracy", "report protocol"] == pytest.approx(0.95)
    assert table.loc["accuracy", "leak-free"] == pytest.approx(0.8)
    assert table.loc["accuracy", "inflation"] == pytest.approx(0.15)
    paired = split_statistics.paired_inflation(records, ("accuracy", "auc"))
    assert paired.loc["accuracy", "mean"] == pytest.approx(0.15)
    sd = np.std([0.3, 0.2, -0.05], ddof=1)
    assert paired.loc["accuracy", "std"] == pytest.approx(sd)
    # the more cautious of the two pools' n_test / n_train (the photos' 38 / 150 > the leaky 54 / 214)
    assert paired.loc["accuracy", "test_fraction"] == pytest.approx(max(PHOTO_FRACTION, LEAKY_FRACTION))
    half = T_975_2 * sd * math.sqrt(1 / 3 + PHOTO_FRACTION)
    assert (paired.loc["accuracy", "ci_low"], paired.loc["accuracy", "ci_high"]) == pytest.approx(
        (0.15 - half, 0.15 + half))


def test_leak_table_says_which_intervals_include_zero(records):
    leaky = records["method"] == "final_cnn_report"
    honest = records["method"] == "final_cnn_leak_free"
    records = records.assign(balanced_accuracy=records["accuracy"], recall=records["accuracy"],
                             specificity=records["accuracy"])
    # AUC: leaky = leak-free + 0.10, 0.11, 0.12 (clearly above 0); accuracy and the rest: +0.3, +0.2, -0.05
    records.loc[leaky, "auc"] = records.loc[honest, "auc"].to_numpy() + [0.10, 0.11, 0.12]
    table = split_statistics.leak_table(split_statistics.summarise(records, methods.PREVALENCE_FREE), records)
    assert list(table.index) == list(methods.PREVALENCE_FREE)
    assert table.loc["auc", "includes zero"] == False  # noqa: E712 (a numpy bool)
    assert table.loc["balanced_accuracy", "includes zero"] == True  # noqa: E712
    assert table.loc["auc", "paired mean"] == pytest.approx(table.loc["auc", "inflation"])
    assert {"report protocol", "leak-free", "inflation", "ci_low", "ci_high"} <= set(table.columns)


def test_nadeau_bengio_on_a_hand_computed_example():
    # Differences 0.02, 0.04, 0.00, 0.06 over K = 4 resamples, 150 training and 38 test images:
    # mean 0.03, sample variance 0.000666..., corrected variance (1/4 + 38/150) * var = 0.000335...
    # t = 0.03 / sqrt(0.000335...) = 1.6375..., two-sided p with 3 degrees of freedom = 0.2000...
    result = split_statistics.nadeau_bengio([0.02, 0.04, 0.00, 0.06], n_train=150, n_test=38)
    var = np.var([0.02, 0.04, 0.00, 0.06], ddof=1)
    corrected = (1 / 4 + 38 / 150) * var
    assert result["mean"] == pytest.approx(0.03)
    assert result["t"] == pytest.approx(0.03 / math.sqrt(corrected))
    assert result["t"] == pytest.approx(1.6375, abs=1e-3)
    assert result["df"] == 3
    assert result["p_value"] == pytest.approx(0.2000, abs=5e-4)
    # The correction widens the naive interval: the naive t would be larger.
    naive_t = 0.03 / math.sqrt(var / 4)
    assert result["t"] < naive_t


def test_nadeau_bengio_degenerate_cases():
    same = split_statistics.nadeau_bengio([0.01, 0.01, 0.01], n_train=100, n_test=20)
    assert same["p_value"] == 0.0 and same["t"] == math.inf
    none = split_statistics.nadeau_bengio([0.0, 0.0, 0.0], n_train=100, n_test=20)
    assert none["p_value"] == 1.0 and none["t"] == 0.0
    with pytest.raises(ValueError, match="at least two"):
        split_statistics.nadeau_bengio([0.1], n_train=100, n_test=20)


def test_corrected_paired_test_on_records():
    records = pd.DataFrame([{"method": m, "seed": s, "auc": v} for s, (a, b) in enumerate([(0.9, 0.88), (0.95, 0.91),
                                                                                          (0.92, 0.92), (0.97, 0.91)])
                            for m, v in (("cnn", a), ("logreg", b))])
    result = split_statistics.corrected_paired_test(records, "cnn", "logreg", "auc", n_train=150, n_test=38)
    expected = split_statistics.nadeau_bengio([0.02, 0.04, 0.00, 0.06], 150, 38)
    assert result == pytest.approx(expected)
