"""Summaries over repeated splits: means, sds and intervals, the leak's inflation, paired tests.

Every interval is Nadeau-Bengio corrected (no library has it): the splits' training sets overlap, so ``sd / sqrt(K)``
understates the uncertainty of a mean over K splits; the naive interval only shows what the correction does."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from helpers.methods import LEAK_FREE, LEAKY, PREVALENCE_FREE, SUMMARY_METRICS
from helpers.photos import EXPECTED_COUNTS

LEVEL = 0.95
INTERVAL_LABEL = "95 % interval, Nadeau-Bengio corrected"
N_PHOTOS = sum(EXPECTED_COUNTS.values())  # the pool of the 188-photo methods' K-folds


def corrected_t_interval(values: np.ndarray, n_test: float, n_train: float) -> tuple[float, float, float, float]:
    """(mean, sd, low, high) with the variance of the mean ``(1/K + n_test/n_train) · sd²`` over the finite values;
    ``n_test = 0`` gives the naive t-interval. sd and bounds are NaN below two values."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    k = len(values)
    if k < 2:
        return (float(values[0]) if k else math.nan), math.nan, math.nan, math.nan
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    half = float(stats.t.ppf((1 + LEVEL) / 2, k - 1)) * math.sqrt((1.0 / k + n_test / n_train) * sd * sd)
    return mean, sd, mean - half, mean + half


def nadeau_bengio(differences: np.ndarray | list[float], n_train: int, n_test: int) -> dict[str, float]:
    """Nadeau and Bengio's corrected resampled t-test of paired differences: mean, t, df, p-value and interval."""
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    if len(d) < 2:
        raise ValueError("the corrected t-test needs at least two resamples")
    mean, _, low, high = corrected_t_interval(d, n_test, n_train)
    variance = (1.0 / len(d) + n_test / n_train) * float(d.var(ddof=1))
    t = mean / math.sqrt(variance) if variance else 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    return {"mean": mean, "t": t, "df": len(d) - 1, "p_value": float(2 * stats.t.sf(abs(t), len(d) - 1)),
            "ci_low": low, "ci_high": high}


def _interval_row(values: np.ndarray, test_fraction: float) -> dict[str, float]:
    """Mean, sd, the corrected and the naive interval and the number of finite values."""
    mean, sd, low, high = corrected_t_interval(values, test_fraction, 1.0)
    _, _, naive_low, naive_high = corrected_t_interval(values, 0.0, 1.0)
    return {"mean": mean, "std": sd, "ci_low": low, "ci_high": high, "naive_ci_low": naive_low,
            "naive_ci_high": naive_high, "n": int(np.isfinite(np.asarray(values, dtype=float)).sum())}


def resampling_sizes(records: pd.DataFrame) -> pd.DataFrame:
    """Per method (in order of appearance): mean ``n_test`` and mean ``n_train`` (``n_not_tested``)."""
    sizes = records[["method", "n_test", "n_not_tested"]].astype({"n_test": float, "n_not_tested": float})
    return sizes.rename(columns={"n_not_tested": "n_train"}).groupby("method", sort=False).mean()


def summarise(records: pd.DataFrame, metrics: tuple[str, ...] = SUMMARY_METRICS) -> pd.DataFrame:
    """Per (method, metric), methods in order of appearance: mean, sd, corrected and naive intervals, K and sizes."""
    sizes = resampling_sizes(records)
    rows = []
    for method, group in records.groupby("method", sort=False):
        n_test, n_train = sizes.loc[method, "n_test"], sizes.loc[method, "n_train"]
        rows += [{"method": method, "metric": metric, **_interval_row(group[metric].to_numpy(), n_test / n_train),
                  "n_test": n_test, "n_train": n_train} for metric in metrics]
    return pd.DataFrame(rows).set_index(["method", "metric"])


def summary_table(summary: pd.DataFrame, labels: dict[str, str] | None = None, digits: int = 3) -> pd.DataFrame:
    """The summary as text, one row per method and one column per metric: "mean ± sd [low, high]" (corrected)."""
    def cell(row: pd.Series) -> str:
        mean, sd, low, high = (f"{row[k]:.{digits}f}" for k in ("mean", "std", "ci_low", "ci_high"))
        return f"{mean} ± {sd} [{low}, {high}]"

    # unstack sorts both axes (pandas 2.0 has no sort=False): back to the summary's order
    table = summary.apply(cell, axis=1).unstack("metric")
    table = table.reindex(index=summary.index.unique("method"), columns=summary.index.unique("metric"))
    table = table.rename(index=labels or {})
    return table.rename_axis(index="method", columns=f"mean ± sd [{INTERVAL_LABEL}]")


def summary_dict(summary: pd.DataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """``{method: {metric: {"mean", "std", "ci_low", "ci_high", "naive_ci_low", "naive_ci_high"}}}``."""
    keys = ("mean", "std", "ci_low", "ci_high", "naive_ci_low", "naive_ci_high")
    return {method: {metric: {k: float(row[k]) for k in keys} for (_, metric), row in rows.iterrows()}
            for method, rows in summary.groupby(level="method", sort=False)}


def interval_dict(summary: pd.DataFrame) -> dict[str, object]:
    """What the results file says about its intervals: the method, the level and each method's sizes."""
    sizes = summary.groupby(level="method", sort=False)[["n_test", "n_train"]].first()
    return {"method": "Nadeau-Bengio corrected t-interval: variance of the mean (1/K + n_test/n_train) * var, "
                      "Student's t with K - 1 degrees of freedom",
            "level": LEVEL,
            "sizes": {m: {"n_test": float(r["n_test"]), "n_train": float(r["n_train"])} for m, r in sizes.iterrows()}}


def inflation(summary: pd.DataFrame) -> pd.DataFrame:
    """Per metric: the leaky protocol's mean, the leak-free mean, and their difference (the inflation)."""
    leaky, honest = summary.loc[LEAKY, "mean"], summary.loc[LEAK_FREE, "mean"]
    return pd.DataFrame({"report protocol": leaky, "leak-free": honest, "inflation": leaky - honest})


def paired_inflation(records: pd.DataFrame, metrics: tuple[str, ...] = SUMMARY_METRICS,
                     leaky: str = LEAKY, honest: str = LEAK_FREE) -> pd.DataFrame:
    """Leaky minus leak-free split by split (same seed): mean, sd and the corrected interval per metric. The two
    protocols resample different pools: the correction takes the larger ``n_test / n_train``, the more cautious."""
    sizes = resampling_sizes(records)
    fraction = float(max(sizes.loc[m, "n_test"] / sizes.loc[m, "n_train"] for m in (leaky, honest)))
    by_seed = records.set_index(["method", "seed"])
    difference = by_seed.loc[leaky, list(metrics)] - by_seed.loc[honest, list(metrics)]
    rows = {metric: {**_interval_row(difference[metric].to_numpy(), fraction), "test_fraction": fraction}
            for metric in metrics}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("metric")


def leak_table(summary: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The leak on the prevalence-free metrics: both means, their difference, the paired interval, whether 0 is in."""
    paired = paired_inflation(records, PREVALENCE_FREE)
    return inflation(summary).loc[list(PREVALENCE_FREE)].rename_axis("metric").assign(**{
        "paired mean": paired["mean"], "ci_low": paired["ci_low"], "ci_high": paired["ci_high"],
        "includes zero": (paired["ci_low"] <= 0) & (paired["ci_high"] >= 0)})


def corrected_paired_test(records: pd.DataFrame, minuend: str, subtrahend: str, metric: str, n_train: int,
                          n_test: int) -> dict[str, float]:
    """``minuend`` minus ``subtrahend`` on ``metric``, split by split, tested with ``nadeau_bengio``; ``n_train``
    counts the images a split does not test on (training and validation: both shape the model)."""
    by_split = records.pivot(index="seed", columns="method", values=metric)
    return nadeau_bengio((by_split[minuend] - by_split[subtrahend]).to_numpy(), n_train, n_test)
