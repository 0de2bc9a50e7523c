"""Notebook 06: honest evaluation over repeated splits, a leak-free protocol and classical baselines.

Two protocols build the data of one split (one seed):

* the **report's protocol** augments all 188 photos to 268 balanced images, *then* splits them
  (133 / 81 / 54, stratified): augmented copies of one photo can sit on both sides of the split;
* the **leak-free protocol** splits the 188 real photos first (93 / 57 / 38, stratified), balances
  the training part alone by augmentation, and validates and tests on real photos only.

Six methods are scored on every split (``METHODS``); each chooses its threshold on the validation
set (Youden's J; 0.5 for the majority class) and applies it to the test set. ``summarise`` turns the
per-split records into mean, standard deviation and a 95 % t-interval per method and metric.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from . import augmentation, config, data, evaluation, experiments, plots, training

Arrays = tuple[np.ndarray, np.ndarray]
Roles = dict[str, pd.DataFrame]

ROLES = ("train", "validation", "test")
METHODS: dict[str, str] = {
    "baseline_cnn": "baseline CNN, class weights (photos split first)",
    "final_cnn_report": "final CNN, report's protocol (augment, then split: leaky)",
    "final_cnn_leak_free": "final CNN, leak-free (split, then augment training only)",
    "pixel_logreg": "logistic regression on 50x40 grey pixels",
    "eigenfaces_logreg": "PCA (30 eigenfaces, whitened) + logistic regression",
    "majority": "majority class (always male)",
}
CNN_METHODS = ("baseline_cnn", "final_cnn_report", "final_cnn_leak_free")
CLASSICAL_METHODS = ("pixel_logreg", "eigenfaces_logreg", "majority")
SUMMARY_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "auc")
LEAKY, LEAK_FREE = "final_cnn_report", "final_cnn_leak_free"

GREY_SHAPE = (50, 40)  # rows x columns: the 250 x 200 photo shrunk 5 times
EIGENFACES = 30
C_GRID = (0.001, 0.01, 0.1, 1.0, 10.0)  # logistic regression's inverse regularisation, chosen on validation
MAX_ITER = 5000


# ---- images -----------------------------------------------------------------------------------


def scaled_size(shape: tuple[int, ...], scale: float) -> tuple[int, int]:
    """(rows, columns) of an image of ``shape`` (rows, columns, ...) scaled by ``scale``; at least 1 each."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))


def resize_images(images: np.ndarray, size: tuple[int, int], batch_size: int = 64) -> np.ndarray:
    """A batch (N, H, W, C) resized to ``size`` = (rows, columns): bilinear with antialiasing, float32."""
    images = np.asarray(images, dtype=np.float32)
    if images.shape[1:3] == tuple(size):
        return images.copy()
    out = [
        keras.ops.convert_to_numpy(keras.ops.image.resize(images[i:i + batch_size], size, antialias=True))
        for i in range(0, len(images), batch_size)
    ]
    if not out:
        return np.zeros((0, *size, images.shape[-1]), np.float32)
    return np.clip(np.concatenate(out), 0.0, 1.0).astype(np.float32)


def downsize(images: np.ndarray, scale: float) -> np.ndarray:
    """A batch (N, H, W, C) scaled by ``scale`` (0.5: 250 x 200 -> 125 x 100); ``scale == 1`` copies it."""
    return resize_images(images, scaled_size(images.shape[1:3], scale))


def grey_pixels(images: np.ndarray, shape: tuple[int, int] = GREY_SHAPE) -> np.ndarray:
    """Grey-level (BT.601 luma) images resized to ``shape`` and flattened: the classical methods' features."""
    images = np.asarray(images, dtype=np.float32)
    grey = images @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return resize_images(grey[..., None], shape).reshape(len(images), -1)


# ---- protocols and their checks ---------------------------------------------------------------


def with_provenance(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the ``source``/``augmented`` columns (real photos are their own source)."""
    if {"source", "augmented"} <= set(frame.columns):
        return frame.reset_index(drop=True)
    return frame.assign(source=frame["filename"], augmented=False).reset_index(drop=True)


def photo_split(photos: pd.DataFrame, seed: int) -> dict[str, np.ndarray]:
    """The stratified split of the real photos that every 188-photo method of one seed shares (93 / 57 / 38)."""
    return data.split_indices(photos["sex"].to_numpy(), seed=seed, stratify=True)


def frames_by_role(frame: pd.DataFrame, splits: dict[str, np.ndarray]) -> Roles:
    """One frame per role (train, validation, test) from a frame and its split indices."""
    frame = with_provenance(frame)
    return {role: frame.iloc[splits[role]].reset_index(drop=True) for role in ROLES}


def leak_free_split(photos: pd.DataFrame, seed: int,
                    strength: augmentation.AugmentationStrength | None = None) -> Roles:
    """Split the real photos first, then balance the **training** part alone by augmentation (seeded).

    Validation and test keep real photos only, so no person is ever on two sides of the split.
    Each frame has the ``source`` (photo of origin) and ``augmented`` columns.
    """
    roles = frames_by_role(photos, photo_split(photos, seed))
    train = roles["train"][["filename", "sex", "image_array"]]
    roles["train"] = augmentation.balance_by_augmentation(train, seed, strength or augmentation.AugmentationStrength())
    return roles


def report_protocol_split(photos: pd.DataFrame, seed: int) -> Roles:
    """The report's protocol: augment all photos to balance the classes (seed), then split (seed, stratified)."""
    balanced = augmentation.balance_by_augmentation(photos[["filename", "sex", "image_array"]], seed=seed)
    return frames_by_role(balanced, data.split_indices(balanced["sex"].to_numpy(), seed=seed, stratify=True))


def role_check(roles: Roles) -> pd.DataFrame:
    """Per role: images (male, female), augmented images, and images whose source photo is also in another role."""
    sources = {role: set(frame["source"]) for role, frame in roles.items()}
    rows = {}
    for role, frame in roles.items():
        elsewhere = set().union(*(s for other, s in sources.items() if other != role))
        rows[role] = {
            "images": len(frame),
            "male": int((frame["sex"] == 0).sum()) if "sex" in frame else 0,
            "female": int((frame["sex"] == 1).sum()) if "sex" in frame else 0,
            "augmented": int(frame["augmented"].sum()),
            "source shared with another role": int(frame["source"].isin(elsewhere).sum()),
        }
    return pd.DataFrame(rows).T


def leaked_images(roles: Roles) -> int:
    """Validation and test images whose source photo is also in another role: 0 for an honest protocol."""
    table = role_check(roles)
    return int(table.loc[[r for r in ("validation", "test") if r in table.index],
                         "source shared with another role"].sum())


def assert_disjoint(roles: Roles, augmented_only_in: str | None = "train") -> None:
    """Raise ``AssertionError`` unless no source photo is in two roles and (optionally) only ``train`` is augmented."""
    table = role_check(roles)
    shared = table["source shared with another role"]
    if shared.any():
        raise AssertionError(f"source photos in two roles: {shared[shared > 0].to_dict()}")
    if augmented_only_in is not None:
        augmented = table["augmented"].drop(augmented_only_in, errors="ignore")
        if augmented.any():
            raise AssertionError(f"augmented images outside {augmented_only_in}: {augmented[augmented > 0].to_dict()}")


# ---- methods ----------------------------------------------------------------------------------


def capped(recipe: training.Recipe, epochs_cap: int | None) -> training.Recipe:
    """``recipe`` with at most ``epochs_cap`` epochs (None: the recipe's own)."""
    return recipe if epochs_cap is None else dataclasses.replace(recipe, epochs=min(recipe.epochs, int(epochs_cap)))


def run_cnn(method: str, train: Arrays, validation: Arrays, test: Arrays, seed: int,
            epochs_cap: int | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Train one CNN (``baseline_cnn`` or a ``final_cnn_*``) seeded, quietly; scores on validation and test."""
    keras.backend.clear_session()  # dozens of models in one kernel: free the previous graphs
    if method == "baseline_cnn":
        recipe = capped(training.BASELINE_RECIPE, epochs_cap)
        model, history = experiments.train_baseline(train, validation, seed, recipe, log_epochs=False)
    elif method in (LEAKY, LEAK_FREE):
        recipe = capped(training.FINAL_RECIPE, epochs_cap)
        model, history = experiments.train_final(train, validation, seed, recipe, log_epochs=False)
    else:
        raise ValueError(f"unknown CNN method {method!r}; expected one of {CNN_METHODS}")
    info = {"epochs_run": len(history.history["loss"]), "best_epoch": training.best_epoch(history, recipe)}
    scores = predict_padded(model, np.concatenate([validation[0], test[0]]))
    return scores[:len(validation[0])], scores[len(validation[0]):], info


def predict_padded(model: keras.Model, images: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """``training.predict_scores`` on images zero-padded to whole batches, then trimmed.

    Every batch then has one shape: one graph trace per model instead of two, which keeps
    TensorFlow's "frequent retracing" warning out of a loop that trains dozens of models.
    Inference mode treats each image on its own, so the padding changes no score.
    """
    missing = -len(images) % batch_size
    padded = np.concatenate([images, np.zeros((missing, *images.shape[1:]), images.dtype)]) if missing else images
    return training.predict_scores(model, padded, batch_size)[:len(images)]


def classical_pipeline(method: str, c: float, n_train: int, n_features: int) -> Pipeline:
    """The unfitted scikit-learn pipeline of a classical method (class-weighted logistic regression)."""
    logreg = LogisticRegression(C=c, class_weight="balanced", max_iter=MAX_ITER)
    if method == "pixel_logreg":
        return make_pipeline(StandardScaler(), logreg)
    if method == "eigenfaces_logreg":
        components = max(1, min(EIGENFACES, n_train - 1, n_features))
        return make_pipeline(PCA(components, whiten=True, random_state=0), logreg)  # PCA centres the pixels
    raise ValueError(f"unknown classical method {method!r}")


def run_classical(method: str, train: Arrays, validation: Arrays, test: Arrays
                  ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Fit a classical method on the training features only; scores on validation and test.

    The logistic regressions choose ``C`` from ``C_GRID`` by validation AUC (ties: the smaller C,
    i.e. the stronger regularisation). ``majority`` predicts the training set's majority class
    with a constant score (0 when that is male).
    """
    (x_train, y_train), (x_val, y_val), (x_test, _) = train, validation, test
    if method == "majority":
        majority = float(np.bincount(np.asarray(y_train, dtype=int), minlength=2).argmax())
        return np.full(len(x_val), majority), np.full(len(x_test), majority), {"majority_class": int(majority)}
    best: tuple[float, float, Pipeline] | None = None
    for c in C_GRID:
        pipeline = classical_pipeline(method, c, len(x_train), x_train.shape[1]).fit(x_train, y_train)
        val_scores = pipeline.predict_proba(x_val)[:, 1]
        auc = roc_auc_score(y_val, val_scores) if len(np.unique(y_val)) == 2 else 0.5
        if best is None or auc > best[0] + 1e-12:
            best = (auc, c, pipeline)
    assert best is not None
    _, c, pipeline = best
    return pipeline.predict_proba(x_val)[:, 1], pipeline.predict_proba(x_test)[:, 1], {"C": c}


def evaluate_method(method: str, y_val: np.ndarray, val_scores: np.ndarray, y_test: np.ndarray,
                    test_scores: np.ndarray, threshold: float | None = None, **extra: Any) -> dict[str, Any]:
    """One record: test metrics at the threshold chosen on validation (Youden's J unless ``threshold`` is given)."""
    if threshold is None:
        threshold = evaluation.youden_threshold(y_val, val_scores)
    validation_auc = evaluation.binary_metrics(y_val, val_scores)["auc"]
    metrics = evaluation.binary_metrics(y_test, test_scores, threshold)
    return {"method": method, "validation_auc": validation_auc, **metrics,
            "n_validation": len(y_val), "n_test": len(y_test), **extra}


def run_split(photos: pd.DataFrame, seed: int, image_scale: float = 0.5, epochs_cap: int | None = None,
              methods: tuple[str, ...] = tuple(METHODS), log: Callable[[str], None] | None = print
              ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Every method on the split of ``seed``; returns the records and the leakage count per protocol.

    The 188-photo methods share one stratified photo split. CNN images are scaled by ``image_scale``
    (after augmentation, identically for all three CNNs); the classical methods use 50 x 40 grey pixels.
    ``log`` gets one line per method (AUC, accuracy, seconds).
    """
    images, labels = data.stack_images(photos)
    splits = photo_split(photos, seed)
    leak_free = leak_free_split(photos, seed)
    report = report_protocol_split(photos, seed)
    assert_disjoint(leak_free)
    leakage = {"report_protocol": leaked_images(report), "leak_free": leaked_images(leak_free)}

    def cnn_arrays(roles: Roles) -> tuple[Arrays, ...]:
        return tuple((downsize(x, image_scale), y) for x, y in (data.stack_images(roles[r]) for r in ROLES))

    photo_cnn = tuple((downsize(images[splits[r]], image_scale), labels[splits[r]]) for r in ROLES)
    features = grey_pixels(images)
    photo_features = tuple((features[splits[r]], labels[splits[r]]) for r in ROLES)
    cnn_data = {"baseline_cnn": lambda: photo_cnn, LEAKY: lambda: cnn_arrays(report),
                LEAK_FREE: lambda: cnn_arrays(leak_free)}

    records = []
    for method in methods:
        started = time.perf_counter()
        if method in CNN_METHODS:
            train, val, test = cnn_data[method]()
            val_scores, test_scores, info = run_cnn(method, train, val, test, seed, epochs_cap)
        else:
            train, val, test = photo_features
            val_scores, test_scores, info = run_classical(method, train, val, test)
        threshold = 0.5 if method == "majority" else None
        record = evaluate_method(method, val[1], val_scores, test[1], test_scores, threshold,
                                 seed=seed, n_train=len(train[1]), **info)
        record["seconds"] = round(time.perf_counter() - started, 1)
        records.append(record)
        if log:
            log(f"seed {seed} | {method:<20} | test AUC {record['auc']:.3f} | acc {record['accuracy']:.3f} "
                f"| bal. acc {record['balanced_accuracy']:.3f} | {record['n_train']:>3} train / "
                f"{record['n_test']} test | {record['seconds']:6.1f} s")
    return records, leakage


# ---- summaries --------------------------------------------------------------------------------


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


# ---- figure -----------------------------------------------------------------------------------


def plot_repeated(records: pd.DataFrame, metrics: tuple[str, ...] = SUMMARY_METRICS,
                  labels: dict[str, str] | None = None) -> plt.Figure:
    """One panel per metric: a box per method with every split as a dot (seaborn)."""
    long = records.melt(id_vars=["method", "seed"], value_vars=list(metrics), var_name="metric")
    long["method"] = long["method"].map(lambda m: (labels or {}).get(m, m))
    order = list(dict.fromkeys(long["method"]))
    ncols = 3
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6 * ncols, 0.5 * len(order) * nrows + 1.5 * nrows),
                             sharey=True, squeeze=False)
    for ax in axes.flat[len(metrics):]:
        ax.axis("off")
    for ax, metric in zip(axes.flat, metrics, strict=False):
        subset = long[long["metric"] == metric]
        sns.boxplot(data=subset, x="value", y="method", order=order, ax=ax, color="#dce6f2", fliersize=0, width=0.6)
        with plots.seeded_jitter():
            sns.stripplot(data=subset, x="value", y="method", order=order, ax=ax, color="#1f4e79", size=5,
                          jitter=0.15)
        ax.set(title=metric, xlabel="", ylabel="", xlim=(-0.03, 1.03))
        ax.grid(axis="x", alpha=0.3)
    k = records["seed"].nunique()
    fig.suptitle(f"Test metrics over {k} splits (one dot per split; threshold chosen on validation)")
    fig.tight_layout()
    return fig


def records_for_json(records: pd.DataFrame) -> list[dict[str, Any]]:
    """The per-split records as plain dicts, a column a method lacks (e.g. ``C`` for a CNN) left out."""
    return [{k: v for k, v in row.items() if not (isinstance(v, float) and math.isnan(v)) or k in SUMMARY_METRICS}
            for row in records.to_dict("records")]


def method_info(records: pd.DataFrame) -> dict[str, int]:
    """Test images per split for each method (constant across splits by construction)."""
    return {method: int(group["n_test"].iloc[0]) for method, group in records.groupby("method", sort=False)}


def seeds(first: int = config.SEED, n_splits: int = 5) -> list[int]:
    """The split seeds: ``first``, ``first + 1``, ..."""
    return [first + i for i in range(n_splits)]
