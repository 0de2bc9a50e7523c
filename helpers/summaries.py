"""Summaries over repeated splits: mean, standard deviation and t-intervals, protocol inflation, paired differences."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from .repeated import LEAK_FREE, LEAKY, SUMMARY_METRICS


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """(mean, sd, low, high): mean ± t_{(1+level)/2, K-1} · sd / sqrt(K); sd and bounds NaN when K < 2."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    k = len(values)
    if k == 0:
        return (math.nan,) * 4
    mean = float(values.mean())
    if k < 2:
        return mean, math.nan, math.nan, math.nan
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf((1 + level) / 2, k - 1)) * sd / math.sqrt(k)
    return mean, sd, mean - half, mean + half

def summarise(records: pd.DataFrame, metrics: tuple[str, ...] = SUMMARY_METRICS, level: float = 0.95
              ) -> pd.DataFrame:
    """Mean, sd (ddof 1), 95 % t-interval and K per method and metric; rows (method, metric), methods in order."""
    rows = []
    for method, group in records.groupby("method", sort=False):
        for metric in metrics:
            mean, sd, low, high = t_interval(group[metric].to_numpy(), level)
            rows.append({"method": method, "metric": metric, "mean": mean, "std": sd,
                         "ci_low": low, "ci_high": high, "n": int(group[metric].notna().sum())})
    return pd.DataFrame(rows).set_index(["method", "metric"])

def summary_table(summary: pd.DataFrame, labels: dict[str, str] | None = None, digits: int = 3) -> pd.DataFrame:
    """The summary as text, one row per method and one column per metric: "mean ± sd [low, high]"."""
    def cell(row: pd.Series) -> str:
        mean, sd, low, high = (f"{row[k]:.{digits}f}" for k in ("mean", "std", "ci_low", "ci_high"))
        return f"{mean} ± {sd} [{low}, {high}]"

    table = summary.apply(cell, axis=1).unstack("metric")
    table = table.reindex(index=summary.index.get_level_values(0).unique(),
                          columns=summary.index.get_level_values(1).unique())
    return table.rename(index=labels or {})

def summary_dict(summary: pd.DataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """``{method: {metric: {"mean", "std", "ci_low", "ci_high"}}}`` for the results file."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for (method, metric), row in summary.iterrows():
        out.setdefault(method, {})[metric] = {k: float(row[k]) for k in ("mean", "std", "ci_low", "ci_high")}
    return out

def inflation(summary: pd.DataFrame, leaky: str = LEAKY, honest: str = LEAK_FREE) -> pd.DataFrame:
    """Per metric: the leaky protocol's mean, the leak-free mean, and their difference (the inflation)."""
    leaky_mean = summary.loc[leaky, "mean"]
    honest_mean = summary.loc[honest, "mean"]
    return pd.DataFrame({"report protocol": leaky_mean, "leak-free": honest_mean,
                         "inflation": leaky_mean - honest_mean})

def paired_difference(records: pd.DataFrame, minuend: str, subtrahend: str,
                      metrics: tuple[str, ...] = SUMMARY_METRICS) -> pd.DataFrame:
    """``minuend`` minus ``subtrahend`` split by split (same seed), summarised like ``summarise`` (rows: metrics)."""
    by_seed = records.set_index(["method", "seed"])
    difference = (by_seed.loc[minuend, list(metrics)] - by_seed.loc[subtrahend, list(metrics)]).reset_index()
    return summarise(difference.assign(method="difference"), metrics).loc["difference"]

def paired_inflation(records: pd.DataFrame, metrics: tuple[str, ...] = SUMMARY_METRICS,
                     leaky: str = LEAKY, honest: str = LEAK_FREE) -> pd.DataFrame:
    """Leaky minus leak-free per seed, with a 95 % t-interval of that paired difference."""
    return paired_difference(records, leaky, honest, metrics)


def nadeau_bengio(differences: np.ndarray | list[float], n_train: int, n_test: int) -> dict[str, float]:
    """The corrected resampled t-test (Nadeau and Bengio, 2003) of paired differences over K resamples.

    The K training sets overlap, so the differences are correlated and the plain paired t-test is far too
    confident; the correction inflates the variance of the mean from ``var / K`` to
    ``(1 / K + n_test / n_train) * var``. Returns the mean difference, t, degrees of freedom (K - 1), the
    two-sided p-value and the corrected 95 % interval.
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
        half = float(stats.t.ppf(0.975, k - 1)) * math.sqrt(variance)
    return {"mean": mean, "t": t, "df": k - 1, "p_value": p, "ci_low": mean - half, "ci_high": mean + half}


def corrected_paired_test(records: pd.DataFrame, minuend: str, subtrahend: str, metric: str, n_train: int,
                          n_test: int) -> dict[str, float]:
    """``minuend`` minus ``subtrahend`` on ``metric``, split by split, tested with ``nadeau_bengio``.

    ``n_train`` counts the images a split does not test on (training and validation: both shape the model),
    ``n_test`` those it tests on.
    """
    by_split = records.pivot(index="seed", columns="method", values=metric)
    return nadeau_bengio((by_split[minuend] - by_split[subtrahend]).to_numpy(), n_train, n_test)

