"""Summaries over repeated splits: means, standard deviations and intervals, the leak's inflation, paired tests.

Every interval over the repeated splits is the Nadeau-Bengio corrected one. The K test sets of a repeated
K-fold are scored by models whose training sets share most of their images, so the K values are correlated and
``sd / sqrt(K)`` understates the uncertainty of their mean. Nadeau and Bengio (2003) replace the variance of
the mean ``var / K`` by ``(1 / K + n_test / n_train) * var`` and keep Student's t with K - 1 degrees of
freedom; ``n_train`` counts the images of the pool a split does not test on. The naive interval is still
computed (``naive_ci_low``, ``naive_ci_high``) so the two can be compared, never to be reported alone.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from helpers.methods import LEAK_FREE, LEAKY, PREVALENCE_FREE, SUMMARY_METRICS
from helpers.photos import EXPECTED_COUNTS

INTERVAL_LABEL = "95 % interval, Nadeau-Bengio corrected"
N_PHOTOS = sum(EXPECTED_COUNTS.values())  # the pool of the 188-photo methods, for records that predate n_not_tested


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """(mean, sd, low, high), naive: mean ± t_{(1+level)/2, K-1} · sd / sqrt(K); sd and bounds NaN when K < 2.

    Right for independent values only; over overlapping training sets use ``corrected_t_interval``.
    """
    return corrected_t_interval(values, 0, 1, level)


def corrected_t_interval(values: np.ndarray, n_test: float, n_train: float, level: float = 0.95
                         ) -> tuple[float, float, float, float]:
    """(mean, sd, low, high) with the Nadeau-Bengio variance of the mean, ``(1/K + n_test/n_train) · sd²``.

    ``n_test / n_train = 0`` gives the naive t-interval; the corrected half-width is the naive one times
    ``sqrt(1 + K · n_test / n_train)``. sd and bounds are NaN when fewer than two values are finite.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    k = len(values)
    if k == 0:
        return (math.nan,) * 4
    mean = float(values.mean())
    if k < 2:
        return mean, math.nan, math.nan, math.nan
    sd = float(values.std(ddof=1))
    half = _half_width(sd, k, n_test / n_train, level)
    return mean, sd, mean - half, mean + half


def _half_width(sd: float, k: int, test_fraction: float, level: float) -> float:
    """t_{(1+level)/2, K-1} · sqrt((1/K + n_test/n_train) · sd²): one formula for every interval here."""
    return float(stats.t.ppf((1 + level) / 2, k - 1)) * math.sqrt((1.0 / k + test_fraction) * sd * sd)


def not_tested(records: pd.DataFrame) -> pd.Series:
    """Per record, the images of its K-fold's pool that its split does not test on (the correction's n_train).

    Records written before ``n_not_tested`` existed: the report's protocol splits its 268 images into its three
    roles, so its pool is train + validation + test; every other method's pool is the 188 photos.
    """
    leaky = records["method"] == LEAKY
    if {"n_train", "n_validation"} <= set(records.columns):
        pool = np.where(leaky, records["n_train"] + records["n_validation"] + records["n_test"], N_PHOTOS)
    else:
        pool = np.full(len(records), N_PHOTOS)
    fallback = pd.Series(pool, index=records.index) - records["n_test"]
    if "n_not_tested" in records:
        return records["n_not_tested"].fillna(fallback).astype(float)
    return fallback.astype(float)


def resampling_sizes(records: pd.DataFrame) -> pd.DataFrame:
    """Per method (in order of appearance): mean ``n_test`` and mean ``n_train`` (images not tested on)."""
    if "n_test" not in records:
        raise KeyError("the corrected intervals need each record's n_test (test images of its split)")
    sizes = pd.DataFrame({"method": records["method"], "n_test": records["n_test"].astype(float),
                          "n_train": not_tested(records)})
    return sizes.groupby("method", sort=False).mean()


def summarise(records: pd.DataFrame, metrics: tuple[str, ...] = SUMMARY_METRICS, level: float = 0.95
              ) -> pd.DataFrame:
    """Per method and metric: mean, sd (ddof 1), the corrected interval, the naive one, K, n_test and n_train.

    Rows (method, metric), methods in order of appearance; ``ci_low`` / ``ci_high`` are Nadeau-Bengio corrected.
    """
    sizes = resampling_sizes(records)
    rows = []
    for method, group in records.groupby("method", sort=False):
        n_test, n_train = sizes.loc[method, "n_test"], sizes.loc[method, "n_train"]
        for metric in metrics:
            values = group[metric].to_numpy()
            mean, sd, low, high = corrected_t_interval(values, n_test, n_train, level)
            _, _, naive_low, naive_high = t_interval(values, level)
            rows.append({"method": method, "metric": metric, "mean": mean, "std": sd, "ci_low": low,
                         "ci_high": high, "naive_ci_low": naive_low, "naive_ci_high": naive_high,
                         "n": int(group[metric].notna().sum()), "n_test": n_test, "n_train": n_train})
    return pd.DataFrame(rows).set_index(["method", "metric"])


def summary_table(summary: pd.DataFrame, labels: dict[str, str] | None = None, digits: int = 3) -> pd.DataFrame:
    """The summary as text, one row per method and one column per metric: "mean ± sd [low, high]".

    The interval is the corrected one; the columns' name says so, for whoever reads the table alone.
    """
    def cell(row: pd.Series) -> str:
        mean, sd, low, high = (f"{row[k]:.{digits}f}" for k in ("mean", "std", "ci_low", "ci_high"))
        return f"{mean} ± {sd} [{low}, {high}]"

    table = summary.apply(cell, axis=1).unstack("metric")
    table = table.reindex(index=summary.index.get_level_values(0).unique(),
                          columns=summary.index.get_level_values(1).unique())
    table = table.rename(index=labels or {})
    table.columns.name = f"mean ± sd [{INTERVAL_LABEL}]"
    table.index.name = "method"
    return table


def interval_comparison(summary: pd.DataFrame, metric: str = "auc", labels: dict[str, str] | None = None
                        ) -> pd.DataFrame:
    """One metric per method: the naive and the corrected interval, their widths and the ratio of the widths."""
    rows = summary.xs(metric, level="metric")
    table = pd.DataFrame({
        "mean": rows["mean"],
        "naive 95 % interval": [f"[{lo:.3f}, {hi:.3f}]" for lo, hi in zip(rows["naive_ci_low"],
                                                                           rows["naive_ci_high"], strict=True)],
        f"{INTERVAL_LABEL}": [f"[{lo:.3f}, {hi:.3f}]" for lo, hi in zip(rows["ci_low"], rows["ci_high"],
                                                                         strict=True)],
        "naive width": rows["naive_ci_high"] - rows["naive_ci_low"],
        "corrected width": rows["ci_high"] - rows["ci_low"],
        "expected ratio sqrt(1 + K n_test / n_train)": np.sqrt(1 + rows["n"] * rows["n_test"] / rows["n_train"]),
    })
    table["ratio of the widths"] = table["corrected width"] / table["naive width"]
    return table.rename(index=labels or {})


def summary_dict(summary: pd.DataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """``{method: {metric: {"mean", "std", "ci_low", "ci_high", "naive_ci_low", "naive_ci_high"}}}``.

    ``ci_low`` / ``ci_high`` are the corrected bounds; the naive ones are kept to show what the correction does.
    """
    keys = ("mean", "std", "ci_low", "ci_high", "naive_ci_low", "naive_ci_high")
    out: dict[str, dict[str, dict[str, float]]] = {}
    for (method, metric), row in summary.iterrows():
        out.setdefault(method, {})[metric] = {k: float(row[k]) for k in keys}
    return out


def interval_dict(summary: pd.DataFrame, level: float = 0.95) -> dict[str, object]:
    """What the results file says about its intervals: the method, the level and each method's sizes."""
    sizes = summary.groupby(level="method", sort=False)[["n_test", "n_train"]].first()
    return {"method": "Nadeau-Bengio corrected t-interval: variance of the mean (1/K + n_test/n_train) * var, "
                      "Student's t with K - 1 degrees of freedom",
            "level": level,
            "sizes": {m: {"n_test": float(r["n_test"]), "n_train": float(r["n_train"])} for m, r in sizes.iterrows()}}


def inflation(summary: pd.DataFrame, leaky: str = LEAKY, honest: str = LEAK_FREE) -> pd.DataFrame:
    """Per metric: the leaky protocol's mean, the leak-free mean, and their difference (the inflation)."""
    leaky_mean = summary.loc[leaky, "mean"]
    honest_mean = summary.loc[honest, "mean"]
    return pd.DataFrame({"report protocol": leaky_mean, "leak-free": honest_mean,
                         "inflation": leaky_mean - honest_mean})


def paired_difference(records: pd.DataFrame, minuend: str, subtrahend: str,
                      metrics: tuple[str, ...] = SUMMARY_METRICS, level: float = 0.95) -> pd.DataFrame:
    """``minuend`` minus ``subtrahend`` split by split (same seed): mean, sd and the corrected interval per metric.

    The two methods may resample different pools (the report's 268 images, the 188 photos): the correction
    takes the larger of their ``n_test / n_train``, the more cautious one.
    """
    sizes = resampling_sizes(records)
    fraction = float(max(sizes.loc[m, "n_test"] / sizes.loc[m, "n_train"] for m in (minuend, subtrahend)))
    by_seed = records.set_index(["method", "seed"])
    difference = by_seed.loc[minuend, list(metrics)] - by_seed.loc[subtrahend, list(metrics)]
    rows = {}
    for metric in metrics:
        values = difference[metric].to_numpy()
        mean, sd, low, high = corrected_t_interval(values, fraction, 1.0, level)
        _, _, naive_low, naive_high = t_interval(values, level)
        rows[metric] = {"mean": mean, "std": sd, "ci_low": low, "ci_high": high, "naive_ci_low": naive_low,
                        "naive_ci_high": naive_high, "n": int(np.isfinite(values).sum()),
                        "test_fraction": fraction}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("metric")


def paired_inflation(records: pd.DataFrame, metrics: tuple[str, ...] = SUMMARY_METRICS,
                     leaky: str = LEAKY, honest: str = LEAK_FREE) -> pd.DataFrame:
    """Leaky minus leak-free per seed, with the corrected 95 % interval of that paired difference."""
    return paired_difference(records, leaky, honest, metrics)


def leak_table(summary: pd.DataFrame, records: pd.DataFrame, metrics: tuple[str, ...] = PREVALENCE_FREE,
               leaky: str = LEAKY, honest: str = LEAK_FREE) -> pd.DataFrame:
    """The leak's inflation on ``metrics`` (by default those that do not depend on the test set's share of
    female photos): both means, their difference, the paired corrected interval and whether it includes 0."""
    table = inflation(summary, leaky, honest).loc[list(metrics)]
    paired = paired_inflation(records, metrics, leaky, honest)
    table["paired mean"] = paired["mean"]
    table["ci_low"], table["ci_high"] = paired["ci_low"], paired["ci_high"]
    table["includes zero"] = (paired["ci_low"] <= 0) & (paired["ci_high"] >= 0)
    table.index.name = "metric"
    return table


def nadeau_bengio(differences: np.ndarray | list[float], n_train: int, n_test: int,
                  level: float = 0.95) -> dict[str, float]:
    """The corrected resampled t-test (Nadeau and Bengio, 2003) of paired differences over K resamples.

    The K training sets overlap, so the differences are correlated and the plain paired t-test is far too
    confident; the correction inflates the variance of the mean from ``var / K`` to
    ``(1 / K + n_test / n_train) * var``. Returns the mean difference, t, degrees of freedom (K - 1), the
    two-sided p-value and the corrected interval (the same as ``corrected_t_interval``'s).
    """
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    k = len(d)
    if k < 2:
        raise ValueError("the corrected t-test needs at least two resamples")
    mean = float(d.mean())
    variance = (1.0 / k + n_test / n_train) * float(d.var(ddof=1))
    if variance == 0.0:
        t = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
        p = 1.0 if mean == 0.0 else 0.0
        half = 0.0
    else:
        t = mean / math.sqrt(variance)
        p = float(2 * stats.t.sf(abs(t), k - 1))
        half = _half_width(float(d.std(ddof=1)), k, n_test / n_train, level)
    return {"mean": mean, "t": t, "df": k - 1, "p_value": p, "ci_low": mean - half, "ci_high": mean + half}


def corrected_paired_test(records: pd.DataFrame, minuend: str, subtrahend: str, metric: str, n_train: int,
                          n_test: int) -> dict[str, float]:
    """``minuend`` minus ``subtrahend`` on ``metric``, split by split, tested with ``nadeau_bengio``.

    ``n_train`` counts the images a split does not test on (training and validation: both shape the model),
    ``n_test`` those it tests on.
    """
    by_split = records.pivot(index="seed", columns="method", values=metric)
    return nadeau_bengio((by_split[minuend] - by_split[subtrahend]).to_numpy(), n_train, n_test)
