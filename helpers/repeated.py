"""Notebook 06: honest evaluation over repeated splits, a leak-free protocol and classical baselines.

Two protocols build the data of one split (one seed):

* the **report's protocol** augments all 188 photos to 268 balanced images, *then* splits them
  (133 / 81 / 54, stratified): augmented copies of one photo can sit on both sides of the split;
* the **leak-free protocol** splits the 188 real photos first (93 / 57 / 38, stratified), balances
  the training part alone by augmentation, and validates and tests on real photos only.

Six methods are scored on every split (``METHODS``); each chooses its threshold on the validation
set (Youden's J; 0.5 for the majority class) and applies it to the test set. The protocols are in
``helpers.protocols``, the classical methods in ``helpers.baselines``, resizing in ``helpers.imaging``
and the summaries over splits in ``helpers.summaries``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import baselines, config, data, evaluation, plots

if TYPE_CHECKING:  # TensorFlow loads only when a split runs: the summaries and the model card need the constants
    import keras

    from .protocols import Roles

Arrays = tuple[np.ndarray, np.ndarray]

METHODS: dict[str, str] = {
    "baseline_cnn": "baseline CNN, class weights (photos split first)",
    "final_cnn_report": "final CNN, report's protocol (augment, then split: leaky)",
    "final_cnn_leak_free": "final CNN, leak-free (split, then augment training only)",
    "pixel_logreg": "logistic regression on 50x40 grey pixels",
    "eigenfaces_logreg": "PCA (30 eigenfaces, whitened) + logistic regression",
    "majority": "majority class (always male)",
}
# Short names in words for figures and tables (METHODS' long labels stay: nbval compares the methods table).
SHORT_LABELS: dict[str, str] = {
    "baseline_cnn": "baseline CNN",
    "final_cnn_report": "final CNN, report's protocol (leaky)",
    "final_cnn_leak_free": "final CNN, leak-free",
    "pixel_logreg": "logistic regression on pixels",
    "eigenfaces_logreg": "eigenfaces + logistic regression",
    "majority": "majority class (always male)",
}
CNN_METHODS = ("baseline_cnn", "final_cnn_report", "final_cnn_leak_free")
SUMMARY_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "specificity", "f1", "auc")
# The metrics that do not move with the share of female photos in the test set: the report's protocol tests on
# balanced sets, the leak-free one on the data's own share, so only these compare the two protocols fairly.
PREVALENCE_FREE = ("auc", "balanced_accuracy", "recall", "specificity")
METRIC_LABELS: dict[str, str] = {
    "auc": "test AUC",
    "balanced_accuracy": "balanced accuracy at the validation threshold",
    "recall": "sensitivity (female photos called female) at the validation threshold",
    "specificity": "specificity (male photos called male) at the validation threshold",
    "accuracy": "accuracy at the validation threshold",
    "precision": "precision at the validation threshold",
    "f1": "F1 at the validation threshold",
}
LEAKY, LEAK_FREE = "final_cnn_report", "final_cnn_leak_free"
MAJORITY = "majority"


# ---- methods ----------------------------------------------------------------------------------


def run_cnn(method: str, train: Arrays, validation: Arrays, test: Arrays, seed: int,
            epochs_cap: int | None = None, final_variant: str = "D") -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Train one CNN (``baseline_cnn`` or a ``final_cnn_*``) seeded, quietly; scores on validation and test.

    The final CNNs follow ``final_variant``, a candidate of ``helpers.recipe_search`` (e.g. ``D+online+ens2+tta``:
    recipe D with on-the-fly augmentation, an ensemble of 2 training seeds, flip TTA).
    """
    import keras

    from . import experiments, training

    keras.backend.clear_session()  # dozens of models in one kernel: free the previous graphs
    if method == "baseline_cnn":
        recipe = training.capped(training.BASELINE_RECIPE, epochs_cap)
        model, history = experiments.train_baseline(train, validation, seed, recipe, log_epochs=False)
        members, tta, histories = [model], False, [history]
    elif method in (LEAKY, LEAK_FREE):
        members, histories, tta = experiments.train_variant(train, validation, final_variant, seed, epochs_cap)
        recipe = training.capped(training.VARIANTS[training.parse_variant(final_variant)[0]], epochs_cap)
    else:
        raise ValueError(f"unknown CNN method {method!r}; expected one of {CNN_METHODS}")
    info = {"epochs_run": float(np.mean([len(h.history["loss"]) for h in histories])),
            "best_epoch": float(np.mean([training.best_epoch(h, recipe) for h in histories]))}
    scores = predict_padded(members, np.concatenate([validation[0], test[0]]), tta=tta)
    return scores[:len(validation[0])], scores[len(validation[0]):], info


def predict_padded(model: keras.Model | list[keras.Model], images: np.ndarray, batch_size: int = 32,
                   tta: bool = False) -> np.ndarray:
    """``training.predict_scores`` on images zero-padded to whole batches, then trimmed.

    Every batch then has one shape: one graph trace per model instead of two, which keeps
    TensorFlow's "frequent retracing" warning out of a loop that trains dozens of models.
    Inference mode treats each image on its own, so the padding changes no score.
    """
    from . import training

    missing = -len(images) % batch_size
    padded = np.concatenate([images, np.zeros((missing, *images.shape[1:]), images.dtype)]) if missing else images
    return training.predict_scores(model, padded, batch_size, tta=tta)[:len(images)]


def evaluate_method(method: str, y_val: np.ndarray, val_scores: np.ndarray, y_test: np.ndarray,
                    test_scores: np.ndarray, threshold: float | None = None, **extra: Any) -> dict[str, Any]:
    """One record: test metrics at the threshold chosen on validation (Youden's J unless ``threshold`` is given)."""
    if threshold is None:
        threshold = evaluation.youden_threshold(y_val, val_scores)
    validation_auc = evaluation.binary_metrics(y_val, val_scores)["auc"]
    metrics = evaluation.binary_metrics(y_test, test_scores, threshold)
    metrics["specificity"] = specificity(y_test, test_scores, threshold)
    # The test scores travel with the record: notebook 06 draws the reliability curve of every split from them.
    return {"method": method, "validation_auc": validation_auc, **metrics,
            "n_validation": len(y_val), "n_test": len(y_test),
            "test_labels": [int(y) for y in y_test], "test_scores": [round(float(p), 5) for p in test_scores], **extra}


def specificity(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Share of male photos (label 0) predicted male (``score < threshold``); NaN without male photos.

    With the recall (sensitivity) it makes balanced accuracy: neither depends on the share of female photos.
    """
    y_true = np.asarray(y_true).astype(int)
    negatives = y_true == 0
    if not negatives.any():
        return math.nan
    return float(np.mean(np.asarray(scores, dtype=float)[negatives] < threshold))


def run_split(photos: pd.DataFrame, number: int, folds: int = 5, repeats: int = 2, seed: int = config.SEED,
              image_scale: float = 0.5, epochs_cap: int | None = None, final_variant: str = "D",
              methods: tuple[str, ...] = tuple(METHODS), log: Callable[[str], None] | None = print
              ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Every method on split ``number`` of a repeated stratified K-fold; returns the records and the leakage.

    The 188-photo methods share the photos' split; the report's protocol has its own K-fold of the 268
    balanced images. CNN images are scaled by ``image_scale`` (after augmentation, identically for all three
    CNNs); the classical methods use 50 x 40 grey pixels. ``log`` gets one line per method.

    Each record's ``n_not_tested`` counts the images of the K-fold's pool that the split does not test on (the
    photos for the 188-photo methods, the 268 balanced images for the report's protocol): the ``n_train`` of
    the Nadeau-Bengio correction, which augmented training copies must not inflate.
    """
    from .imaging import downsize, grey_pixels  # these two import TensorFlow: only here, when a split runs
    from .protocols import ROLES, assert_disjoint, kfold_roles, leaked_images

    split_seed = seed + number  # the training seed of this split's models
    images, labels = data.stack_images(photos)
    plan = kfold_roles(photos, number, folds, repeats, seed)
    splits, leak_free, report = plan["photo_splits"], plan["leak_free"], plan["report"]
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
            val_scores, test_scores, info = run_cnn(method, train, val, test, split_seed, epochs_cap, final_variant)
        else:
            train, val, test = photo_features
            val_scores, test_scores, info = baselines.run_classical(method, train, val, test)
        threshold = 0.5 if method == MAJORITY else None
        pool = sum(len(report[r]) for r in ROLES) if method == LEAKY else len(photos)
        record = evaluate_method(method, val[1], val_scores, test[1], test_scores, threshold,
                                 split=number, seed=split_seed, n_train=len(train[1]),
                                 n_not_tested=pool - len(test[1]), **info)
        record["seconds"] = round(time.perf_counter() - started, 1)
        records.append(record)
        if log:
            log(f"split {number} | {method:<20} | test AUC {record['auc']:.3f} | acc {record['accuracy']:.3f} "
                f"| bal. acc {record['balanced_accuracy']:.3f} | {record['n_train']:>3} train / "
                f"{record['n_test']} test | {record['seconds']:6.1f} s")
    return records, leakage


# ---- figures ----------------------------------------------------------------------------------

FONT = {"ticks": 12, "labels": 13, "titles": 14}  # readable on a projector: no tick label below 11 pt
SHORT_METRICS: dict[str, str] = {"auc": "AUC", "balanced_accuracy": "balanced accuracy", "recall": "sensitivity",
                                 "specificity": "specificity", "accuracy": "accuracy", "precision": "precision",
                                 "f1": "F1"}


def _limits(values: np.ndarray, pad: float = 0.08, least: float = 0.02) -> tuple[float, float]:
    """Axis limits around ``values`` with a margin: the panel's range comes from its own data."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    margin = max(pad * (high - low), least)
    return low - margin, high + margin


def plot_repeated(records: pd.DataFrame, metrics: tuple[str, ...] = PREVALENCE_FREE,
                  labels: dict[str, str] | None = None, reference: str | None = MAJORITY) -> plt.Figure:
    """One panel per metric: a box per method with every split as a dot (seaborn).

    The ``reference`` method (the majority class: AUC 0.5, sensitivity 0) is not drawn as dots: its value would
    stretch every axis and crush the differences that matter. It is a dashed line where it falls inside the
    panel's range, and its value is named under the axis where it does not.
    """
    names = {**SHORT_LABELS, **(labels or {})}
    shown = records[records["method"] != reference] if reference else records
    long = shown.melt(id_vars=["method", "seed"], value_vars=list(metrics), var_name="metric")
    long["method"] = long["method"].map(lambda m: names.get(m, m))
    order = list(dict.fromkeys(long["method"]))
    ncols = 2 if len(metrics) > 1 else 1
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.5 * ncols, (0.6 * len(order) + 1.6) * nrows + 1.0),
                             sharey=True, squeeze=False, layout="constrained")
    for ax in axes.flat[len(metrics):]:
        ax.axis("off")
    reference_label = "majority class" if reference == MAJORITY else names.get(reference, reference)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        subset = long[long["metric"] == metric]
        sns.boxplot(data=subset, x="value", y="method", order=order, ax=ax, color="#dce6f2", fliersize=0, width=0.6)
        with plots.seeded_jitter():
            sns.stripplot(data=subset, x="value", y="method", order=order, ax=ax, color="#1f4e79", size=6,
                          jitter=0.15)
        low, high = _limits(subset["value"].to_numpy(dtype=float))
        xlabel = METRIC_LABELS.get(metric, metric)
        if reference and (reference_values := records.loc[records["method"] == reference, metric]).notna().any():
            value = float(reference_values.mean())
            if low <= value <= high:
                ax.axvline(value, color="#7f7f7f", linestyle="--", linewidth=1.5)
            else:  # off the scale: say where, instead of stretching the axis
                side = "left" if value < low else "right"
                xlabel += f"\n({reference_label}: {value:.2f}, off the scale to the {side})"
        ax.set_xlim(low, high)
        ax.set_title(SHORT_METRICS.get(metric, metric), fontsize=FONT["titles"])
        ax.set_xlabel(xlabel, fontsize=FONT["labels"])
        ax.set_ylabel("")
        ax.tick_params(labelsize=FONT["ticks"])
        ax.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor="#dce6f2", edgecolor="#4d4d4d",
                             label="box: middle half of the splits, line: median"),
               plt.Line2D([], [], marker="o", linestyle="", color="#1f4e79", markersize=7, label="one split")]
    if reference:
        handles.append(plt.Line2D([], [], color="#7f7f7f", linestyle="--", label=reference_label))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False,
               fontsize=FONT["ticks"])
    k = records["seed"].nunique()
    fig.suptitle(f"Test metrics over {k} splits (one dot per split; every threshold chosen on validation)",
                 fontsize=FONT["titles"])
    return fig


def plot_leak_pairs(records: pd.DataFrame, metrics: tuple[str, ...] = ("auc", "balanced_accuracy"),
                    leaky: str = LEAKY, honest: str = LEAK_FREE) -> plt.Figure:
    """Per split, the leak-free and the leaky final CNN as two dots joined by a line (one line per split).

    Same splits and training seeds, only the protocol differs: a line rising to the right is a split where the
    leak flatters the model. The mean over the splits is the thick black line.
    """
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 5.8), squeeze=False,
                             layout="constrained")
    colours = {"up": "#c44e52", "down": "#4c72b0"}
    for ax, metric in zip(axes.flat, metrics, strict=True):
        by_split = records.pivot(index="seed", columns="method", values=metric)[[honest, leaky]].dropna()
        for pair in by_split.to_numpy():
            ax.plot([0, 1], pair, color=colours["up" if pair[1] > pair[0] else "down"], alpha=0.7, linewidth=1.5,
                    marker="o", markersize=6)
        ax.plot([0, 1], by_split.mean().to_numpy(), color="black", linewidth=3.5, marker="D", markersize=9)
        higher = int((by_split[leaky] > by_split[honest]).sum())
        ax.set_title(f"{SHORT_METRICS.get(metric, metric)}: leaky higher on {higher} of {len(by_split)} splits",
                     fontsize=FONT["titles"])
        ax.set_xticks([0, 1], ["leak-free\n(split, then augment)", "report's protocol\n(augment, then split)"])
        ax.set_xlim(-0.35, 1.35)
        ax.set_ylim(*_limits(by_split.to_numpy(dtype=float)))
        ax.set_ylabel(METRIC_LABELS.get(metric, metric), fontsize=FONT["labels"])
        ax.tick_params(labelsize=FONT["ticks"])
        ax.grid(axis="y", alpha=0.3)
    handles = [plt.Line2D([], [], color=colours["up"], marker="o", label="a split where the leaky score is higher"),
               plt.Line2D([], [], color=colours["down"], marker="o", label="a split where it is not"),
               plt.Line2D([], [], color="black", linewidth=3.5, marker="D", label="mean over the splits")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False,
               fontsize=FONT["ticks"])
    fig.suptitle("The final CNN on the same splits, leak-free and with the report's protocol",
                 fontsize=FONT["titles"])
    return fig


def records_for_json(records: pd.DataFrame) -> list[dict[str, Any]]:
    """The per-split records as plain dicts, a column a method lacks (e.g. ``C`` for a CNN) left out."""
    return [{k: v for k, v in row.items() if not (isinstance(v, float) and math.isnan(v)) or k in SUMMARY_METRICS}
            for row in records.to_dict("records")]


def with_specificity(records: pd.DataFrame) -> pd.DataFrame:
    """``records`` with a ``specificity`` for every row; results files written before it was recorded get it
    from the identity balanced accuracy = (sensitivity + specificity) / 2, exact at the same threshold."""
    derived = 2 * records["balanced_accuracy"] - records["recall"]
    given = records["specificity"] if "specificity" in records else pd.Series(np.nan, index=records.index)
    return records.assign(specificity=given.fillna(derived))


def method_info(records: pd.DataFrame) -> dict[str, int]:
    """Test images per split for each method (constant across splits by construction)."""
    return {method: int(group["n_test"].iloc[0]) for method, group in records.groupby("method", sort=False)}


