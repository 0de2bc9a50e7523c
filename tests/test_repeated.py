"""Notebook 06's repeated-split logic: protocols without leakage, classical baselines, summaries."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import baselines, evaluation, imaging, protocols, repeated, summaries, training

T_975_2 = 4.302652729911275  # t quantile 0.975 with 2 degrees of freedom (tables / scipy)


def synthetic_photos(n_male: int = 134, n_female: int = 54, size: tuple[int, int] = (20, 16),
                     seed: int = 0, separable: bool = False) -> pd.DataFrame:
    """A stand-in for the 188 photos: random small images; ``separable``: dark men, bright women."""
    rng = np.random.default_rng(seed)
    labels = np.array([0] * n_male + [1] * n_female)
    base = np.where(labels == 1, 0.7, 0.3) if separable else np.full(len(labels), 0.5)
    noise = rng.normal(0, 0.1 if separable else 0.25, (len(labels), *size, 3))
    images = np.clip(base[:, None, None, None] + noise, 0, 1).astype(np.float32)
    names = [f"m-{i:03d}-01.jpg" for i in range(n_male)] + [f"f-{i:03d}-01.jpg" for i in range(n_female)]
    return pd.DataFrame({"filename": names, "sex": labels, "image_array": list(images)})


@pytest.fixture(scope="module")
def photos() -> pd.DataFrame:
    return synthetic_photos()


# ---- protocols ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 23, 24, 99])
def test_leak_free_split_has_no_photo_in_two_roles(photos, seed):
    roles = protocols.leak_free_split(photos, seed)
    protocols.assert_disjoint(roles)  # raises on any shared source or augmented image outside training
    table = protocols.role_check(roles)
    assert (table["source shared with another role"] == 0).all()
    assert protocols.leaked_images(roles) == 0
    sources = [set(frame["source"]) for frame in roles.values()]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
    # every real photo is used exactly once as itself
    real = pd.concat([frame.loc[~frame["augmented"], "filename"] for frame in roles.values()])
    assert sorted(real) == sorted(photos["filename"])


@pytest.mark.parametrize("seed", [0, 23])
def test_leak_free_split_sizes_balance_and_real_evaluation_sets(photos, seed):
    roles = protocols.leak_free_split(photos, seed)
    train, val, test = roles["train"], roles["validation"], roles["test"]
    real_train = train[~train["augmented"]]
    assert (len(real_train), len(val), len(test)) == (93, 57, 38)
    # the training part alone is balanced by augmentation
    counts = np.bincount(train["sex"], minlength=2)
    assert counts[0] == counts[1] == np.bincount(real_train["sex"], minlength=2).max()
    assert train.loc[train["augmented"], "sex"].eq(1).all()
    # augmented copies come from training photos only; validation and test are real photos only
    assert set(train.loc[train["augmented"], "source"]) <= set(real_train["filename"])
    for frame in (val, test):
        assert not frame["augmented"].any()
        assert (frame["source"] == frame["filename"]).all()
        assert set(frame["filename"]) <= set(photos["filename"])
    # stratified, and the same photos as the split every 188-photo method uses
    split = protocols.photo_split(photos, seed)
    assert sorted(test["filename"]) == sorted(photos["filename"].to_numpy()[split["test"]])
    assert sorted(real_train["filename"]) == sorted(photos["filename"].to_numpy()[split["train"]])
    assert abs(test["sex"].mean() - photos["sex"].mean()) < 0.05


def test_leak_free_split_is_deterministic(photos):
    a = protocols.leak_free_split(photos, 5)["train"]
    b = protocols.leak_free_split(photos, 5)["train"]
    assert a["filename"].tolist() == b["filename"].tolist()
    assert np.array_equal(np.stack(a["image_array"]), np.stack(b["image_array"]))


def test_report_protocol_leaks_and_is_caught(photos):
    roles = protocols.report_protocol_split(photos, 23)
    assert [len(roles[r]) for r in protocols.ROLES] == [133, 81, 54]
    assert protocols.leaked_images(roles) > 0
    assert roles["test"]["augmented"].any()
    with pytest.raises(AssertionError):
        protocols.assert_disjoint(roles)


def test_assert_disjoint_on_hand_made_roles():
    def frame(names, sources, augmented):
        return pd.DataFrame({"filename": names, "source": sources, "augmented": augmented})

    clean = {"train": frame(["a", "aug-a"], ["a", "a"], [False, True]),
             "validation": frame(["b"], ["b"], [False]), "test": frame(["c"], ["c"], [False])}
    protocols.assert_disjoint(clean)
    shared = {**clean, "test": frame(["aug-b"], ["b"], [True])}
    with pytest.raises(AssertionError, match="two roles"):
        protocols.assert_disjoint(shared)
    assert protocols.leaked_images(shared) == 2  # the validation photo and its copy in test
    augmented_val = {**clean, "validation": frame(["aug-b"], ["b"], [True])}
    with pytest.raises(AssertionError, match="augmented images outside train"):
        protocols.assert_disjoint(augmented_val)
    protocols.assert_disjoint(augmented_val, augmented_only_in=None)


# ---- images -------------------------------------------------------------------------------------


def test_downsize_shapes_range_and_constant_images():
    images = np.full((3, 250, 200, 3), 0.4, np.float32)
    half = imaging.downsize(images, 0.5)
    assert half.shape == (3, 125, 100, 3)
    assert half.dtype == np.float32
    assert np.allclose(half, 0.4, atol=1e-5)
    assert imaging.downsize(images, 0.25).shape == (3, 62, 50, 3)
    full = imaging.downsize(images, 1.0)
    assert full.shape == images.shape and full is not images
    noisy = np.random.default_rng(0).random((2, 250, 200, 3), dtype=np.float32)
    small = imaging.downsize(noisy, 0.5)
    assert small.min() >= 0.0 and small.max() <= 1.0
    with pytest.raises(ValueError):
        imaging.downsize(images, 0)


def test_grey_pixels():
    images = np.zeros((2, 250, 200, 3), np.float32)
    images[1] = 1.0
    features = imaging.grey_pixels(images)
    assert features.shape == (2, 50 * 40)
    assert np.allclose(features[0], 0.0) and np.allclose(features[1], 1.0, atol=1e-5)


def test_capped_recipe():
    assert training.capped(training.FINAL_RECIPE, None) is training.FINAL_RECIPE
    assert training.capped(training.FINAL_RECIPE, 2).epochs == 2
    assert training.capped(training.FINAL_RECIPE, 500).epochs == training.FINAL_RECIPE.epochs
    assert training.capped(training.FINAL_RECIPE, 2).patience == training.FINAL_RECIPE.patience


# ---- methods ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pixel_logreg", "eigenfaces_logreg"])
def test_classical_baselines_separate_bright_from_dark(method):
    toy = synthetic_photos(40, 20, size=(20, 16), seed=3, separable=True)
    images, labels = np.stack(toy["image_array"]), toy["sex"].to_numpy()
    features = imaging.grey_pixels(images, (10, 8))
    split = protocols.photo_split(toy, 0)
    train, val, test = ((features[split[r]], labels[split[r]]) for r in protocols.ROLES)
    val_scores, test_scores, info = baselines.run_classical(method, train, val, test)
    assert info["C"] in baselines.C_GRID
    assert val_scores.shape == val[1].shape and test_scores.shape == test[1].shape
    record = repeated.evaluate_method(method, val[1], val_scores, test[1], test_scores)
    assert record["auc"] > 0.9
    assert record["balanced_accuracy"] > 0.8


def test_classical_pipeline_components_fit_small_training_sets():
    pipeline = baselines.classical_pipeline("eigenfaces_logreg", 1.0, n_train=12, n_features=80)
    assert pipeline.named_steps["pca"].n_components == 11
    assert baselines.classical_pipeline("eigenfaces_logreg", 1.0, 93, 2000).named_steps["pca"].n_components == 30
    with pytest.raises(ValueError):
        baselines.classical_pipeline("svm", 1.0, 10, 10)


def test_majority_class_metrics_exactly():
    y_train = np.array([0] * 66 + [1] * 27)
    y_val = np.array([0] * 41 + [1] * 16)
    y_test = np.array([0] * 27 + [1] * 11)
    dummy = (np.zeros((len(y_train), 4)), y_train)
    val_scores, test_scores, info = baselines.run_classical(
        "majority", dummy, (np.zeros((57, 4)), y_val), (np.zeros((38, 4)), y_test))
    assert info == {"majority_class": 0}
    assert np.all(test_scores == 0) and np.all(val_scores == 0)
    record = repeated.evaluate_method("majority", y_val, val_scores, y_test, test_scores, threshold=0.5)
    assert record["accuracy"] == pytest.approx(27 / 38)
    assert record["recall"] == 0.0
    assert record["precision"] == 0.0
    assert record["f1"] == 0.0
    assert record["auc"] == 0.5
    assert record["balanced_accuracy"] == 0.5
    assert record["threshold"] == 0.5


def test_evaluate_method_uses_the_validation_threshold():
    y_val = np.array([0, 0, 1, 1])
    val_scores = np.array([0.1, 0.2, 0.3, 0.4])
    y_test = np.array([0, 1, 1])
    test_scores = np.array([0.25, 0.35, 0.9])
    record = repeated.evaluate_method("m", y_val, val_scores, y_test, test_scores, seed=7)
    assert record["threshold"] == pytest.approx(evaluation.youden_threshold(y_val, val_scores)) == 0.3
    assert record["accuracy"] == 1.0  # at 0.5 it would be 2/3
    assert record["validation_auc"] == 1.0
    assert (record["seed"], record["n_validation"], record["n_test"]) == (7, 4, 3)


def test_run_split_on_tiny_images():
    tiny = synthetic_photos(size=(64, 48), seed=1)
    lines: list[str] = []
    methods = ("final_cnn_leak_free", "pixel_logreg", "eigenfaces_logreg", "majority")
    records, leakage = repeated.run_split(tiny, 3, folds=5, repeats=2, seed=23, image_scale=1.0, epochs_cap=1,
                                          final_variant="D+ens2+tta", methods=methods, log=lines.append)
    assert [r["method"] for r in records] == list(methods)
    assert len(lines) == len(methods) and lines[0].startswith("split 3 | final_cnn_leak_free")
    assert leakage["leak_free"] == 0 and leakage["report_protocol"] > 0
    by_method = {r["method"]: r for r in records}
    assert all(r["split"] == 3 and r["seed"] == 26 for r in records)
    assert all(r["n_test"] in (37, 38) and r["n_validation"] in (56, 57) for r in records)
    assert by_method["final_cnn_leak_free"]["epochs_run"] == 1
    assert by_method["pixel_logreg"]["n_train"] + by_method["pixel_logreg"]["n_validation"] + \
        by_method["pixel_logreg"]["n_test"] == 188
    assert by_method["majority"]["auc"] == 0.5
    assert by_method["majority"]["specificity"] == 1.0 and by_method["majority"]["recall"] == 0.0
    # the correction's n_train counts the photos not tested on, not the augmented training images
    assert all(r["n_not_tested"] == 188 - r["n_test"] for r in records)
    assert by_method["final_cnn_leak_free"]["n_train"] > by_method["pixel_logreg"]["n_train"]
    for record in records:
        assert 0.0 <= record["auc"] <= 1.0 and record["seconds"] >= 0


def test_kfold_tests_every_photo_equally_often_and_keeps_roles_apart():
    labels = np.array([0] * 134 + [1] * 54)
    splits = protocols.kfold_splits(labels, folds=5, repeats=2, seed=23)
    assert len(splits) == 10
    tested = np.concatenate([s["test"] for s in splits])
    assert np.array_equal(np.bincount(tested, minlength=188), np.full(188, 2))
    for s in splits:
        joined = np.concatenate([s["train"], s["validation"], s["test"]])
        assert np.array_equal(np.sort(joined), np.arange(188))
        assert len(s["test"]) in (37, 38) and len(s["validation"]) in (56, 57)
        assert abs(labels[s["test"]].mean() - 54 / 188) < 0.02  # stratified
    assert protocols.kfold_splits(labels, 5, 2, 23)[4]["test"].tolist() == splits[4]["test"].tolist()


def test_kfold_roles_leak_free_and_report(photos):
    plan = protocols.kfold_roles(photos, 0, folds=5, repeats=2, seed=23)
    protocols.assert_disjoint(plan["leak_free"])
    assert protocols.leaked_images(plan["report"]) > 0
    assert len(plan["report"]["test"]) in (53, 54)
    assert set(plan["leak_free"]["test"]["filename"]) == set(photos["filename"].iloc[plan["photo_splits"]["test"]])


def test_predict_padded_matches_plain_prediction():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(1, "sigmoid")])
    images = np.random.default_rng(0).random((37, 4, 4, 1), dtype=np.float32)
    padded = repeated.predict_padded(model, images, batch_size=16)
    assert padded.shape == (37,)
    assert np.allclose(padded, training.predict_scores(model, images), atol=1e-6)


# ---- summaries ----------------------------------------------------------------------------------

# Sizes of the fixture's splits: 38 test photos of 188 (150 not tested on), 54 test images of the leaky 268.
PHOTO_FRACTION, LEAKY_FRACTION = 38 / 150, 54 / 214


@pytest.fixture
def records() -> pd.DataFrame:
    rows = []
    for seed, (leaky, honest) in enumerate([(0.9, 0.6), (1.0, 0.8), (0.95, 1.0)]):
        rows.append({"method": "final_cnn_report", "seed": seed, "accuracy": leaky, "auc": leaky,
                     "n_test": 54, "n_not_tested": 214})
        rows.append({"method": "final_cnn_leak_free", "seed": seed, "accuracy": honest, "auc": 1 - honest / 2,
                     "n_test": 38, "n_not_tested": 150})
        rows.append({"method": "majority", "seed": seed, "accuracy": 0.7, "auc": 0.5, "n_test": 38,
                     "n_not_tested": 150})
    return pd.DataFrame(rows)


def test_summarise_mean_sd_and_corrected_interval(records):
    summary = summaries.summarise(records, ("accuracy", "auc"))
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
    as_dict = summaries.summary_dict(summary)
    assert set(as_dict["majority"]["accuracy"]) == {"mean", "std", "ci_low", "ci_high", "naive_ci_low",
                                                    "naive_ci_high"}
    assert as_dict["final_cnn_leak_free"]["accuracy"]["ci_low"] == pytest.approx(0.8 - corrected_half)
    table = summaries.summary_table(summary, {"majority": "always male"})
    assert table.loc["always male", "accuracy"] == "0.700 ± 0.000 [0.700, 0.700]"
    assert table.columns.name == "mean ± sd [95 % interval, Nadeau-Bengio corrected]"
    intervals = summaries.interval_dict(summary)
    assert "Nadeau-Bengio" in intervals["method"] and intervals["level"] == 0.95
    assert intervals["sizes"]["final_cnn_report"] == {"n_test": 54.0, "n_train": 214.0}


@pytest.mark.parametrize(("k", "n_test", "n_train"), [(10, 38, 150), (2, 54, 214), (25, 1, 9)])
def test_the_corrected_interval_is_wider_by_exactly_the_nadeau_bengio_factor(k, n_test, n_train):
    values = np.random.default_rng(k).normal(0.9, 0.05, k)
    mean, sd, naive_low, naive_high = summaries.t_interval(values)
    same_mean, same_sd, low, high = summaries.corrected_t_interval(values, n_test, n_train)
    assert (same_mean, same_sd) == (mean, sd)
    assert (low + high) / 2 == pytest.approx(mean)  # widened, not moved
    assert (high - low) / (naive_high - naive_low) == pytest.approx(math.sqrt(1 + k * n_test / n_train))
    assert high - low > naive_high - naive_low


def test_t_interval_edge_cases():
    mean, sd, low, high = summaries.t_interval(np.array([0.5]))
    assert mean == 0.5 and math.isnan(sd) and math.isnan(low) and math.isnan(high)
    assert all(math.isnan(v) for v in summaries.t_interval(np.array([])))
    assert summaries.t_interval(np.array([1.0, np.nan, 3.0]))[0] == 2.0
    assert math.isnan(summaries.corrected_t_interval(np.array([0.5]), 38, 150)[2])


def test_the_interval_agrees_with_the_paired_test():
    differences = [0.02, 0.04, 0.00, 0.06]
    test = summaries.nadeau_bengio(differences, n_train=150, n_test=38)
    _, _, low, high = summaries.corrected_t_interval(np.array(differences), 38, 150)
    assert (test["ci_low"], test["ci_high"]) == pytest.approx((low, high))


def test_not_tested_counts_the_pool_not_the_augmented_training_set():
    old = pd.DataFrame({"method": ["final_cnn_report", "final_cnn_leak_free", "pixel_logreg"],
                        "n_train": [133, 134, 93], "n_validation": [81, 57, 57], "n_test": [54, 38, 38]})
    # written before n_not_tested existed: 268 - 54 for the leaky protocol, 188 - 38 for the photos' methods
    assert summaries.not_tested(old).tolist() == [214, 150, 150]
    new = old.assign(n_not_tested=[200, 140, 140])
    assert summaries.not_tested(new).tolist() == [200, 140, 140]
    with pytest.raises(KeyError, match="n_test"):
        summaries.resampling_sizes(old.drop(columns="n_test"))


def test_interval_comparison_shows_the_factor(records):
    table = summaries.interval_comparison(summaries.summarise(records, ("auc",)))
    row = table.loc["final_cnn_leak_free"]
    assert row["ratio of the widths"] == pytest.approx(math.sqrt(1 + 3 * PHOTO_FRACTION))
    assert row["expected ratio sqrt(1 + K n_test / n_train)"] == pytest.approx(row["ratio of the widths"])


def test_inflation_and_paired_inflation(records):
    summary = summaries.summarise(records, ("accuracy", "auc"))
    table = summaries.inflation(summary)
    assert table.loc["accuracy", "report protocol"] == pytest.approx(0.95)
    assert table.loc["accuracy", "leak-free"] == pytest.approx(0.8)
    assert table.loc["accuracy", "inflation"] == pytest.approx(0.15)
    paired = summaries.paired_inflation(records, ("accuracy", "auc"))
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
    table = summaries.leak_table(summaries.summarise(records, repeated.PREVALENCE_FREE), records)
    assert list(table.index) == list(repeated.PREVALENCE_FREE)
    assert table.loc["auc", "includes zero"] == False  # noqa: E712 (a numpy bool)
    assert table.loc["balanced_accuracy", "includes zero"] == True  # noqa: E712
    assert table.loc["auc", "paired mean"] == pytest.approx(table.loc["auc", "inflation"])
    assert {"report protocol", "leak-free", "inflation", "ci_low", "ci_high"} <= set(table.columns)


# ---- records and figures ------------------------------------------------------------------------


def test_specificity_by_hand_and_in_every_record():
    y_test = np.array([0, 0, 0, 0, 1, 1])
    scores = np.array([0.1, 0.2, 0.6, 0.7, 0.8, 0.3])
    assert repeated.specificity(y_test, scores, 0.5) == 0.5  # two of the four male photos under the threshold
    assert math.isnan(repeated.specificity(np.array([1, 1]), np.array([0.2, 0.9]), 0.5))
    record = repeated.evaluate_method("m", np.array([0, 1]), np.array([0.2, 0.8]), y_test, scores, threshold=0.5)
    assert record["specificity"] == 0.5
    assert record["balanced_accuracy"] == pytest.approx((record["recall"] + record["specificity"]) / 2)
    assert "specificity" in repeated.SUMMARY_METRICS and set(repeated.PREVALENCE_FREE) <= set(repeated.SUMMARY_METRICS)


def test_with_specificity_fills_old_records_from_the_identity():
    old = pd.DataFrame({"balanced_accuracy": [0.75, 0.5], "recall": [0.5, 0.0]})
    assert repeated.with_specificity(old)["specificity"].tolist() == [1.0, 1.0]
    new = old.assign(specificity=[0.9, np.nan])
    assert repeated.with_specificity(new)["specificity"].tolist() == [0.9, 1.0]


def figure_records() -> pd.DataFrame:
    rows = []
    for seed in range(4):
        for method, auc, bal in (("final_cnn_report", 0.97 + 0.01 * seed, 0.93), ("final_cnn_leak_free",
                                 0.99 - 0.01 * seed, 0.90 + 0.01 * seed), ("pixel_logreg", 0.95, 0.85),
                                 ("majority", 0.5, 0.5)):
            rows.append({"method": method, "seed": seed, "auc": auc, "balanced_accuracy": bal,
                         "recall": 0.0 if method == "majority" else 0.8, "specificity": 1.0 if method == "majority"
                         else 0.94 + 0.02 * seed})
    return pd.DataFrame(rows)


def test_plot_repeated_keeps_the_majority_class_off_the_dots_and_the_axes_readable():
    fig = repeated.plot_repeated(figure_records())
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["AUC", "balanced accuracy", "sensitivity", "specificity"]
    auc, _, _, specificity = panels
    assert [t.get_text() for t in auc.get_yticklabels()] == [
        "final CNN, report's protocol (leaky)", "final CNN, leak-free", "logistic regression on pixels"]
    assert auc.get_xlabel().startswith("test AUC") and "majority class: 0.50, off the scale to the left" in \
        auc.get_xlabel()
    assert auc.get_xlim()[0] > 0.9  # set by the non-trivial methods, not stretched to 0.5
    dashed = [line for line in specificity.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_xdata()[0] == 1.0  # majority's specificity lies inside the range
    assert all(t.get_fontsize() >= 11 for ax in panels for t in ax.get_xticklabels() + ax.get_yticklabels())
    assert not any(ax.get_legend() for ax in panels) and len(fig.legends) == 1  # the legend sits off the data
    assert "majority class" in [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)


def test_plot_leak_pairs_draws_one_line_per_split():
    records = figure_records()
    fig = repeated.plot_leak_pairs(records)
    auc, balanced = fig.axes[:2]
    assert len(auc.get_lines()) == 4 + 1  # one per split, and the mean
    pairs = np.array([line.get_ydata() for line in auc.get_lines()[:4]])  # (leak-free, leaky) per split
    assert pairs.tolist() == pytest.approx(np.array([[0.99, 0.97], [0.98, 0.98], [0.97, 0.99], [0.96, 1.0]]))
    assert auc.get_title() == "AUC: leaky higher on 2 of 4 splits"
    assert balanced.get_ylabel() == "balanced accuracy at the validation threshold"
    assert [t.get_text() for t in auc.get_xticklabels()][0].startswith("leak-free")
    assert all(t.get_fontsize() >= 11 for t in auc.get_yticklabels())
    plt.close(fig)


def test_json_helpers(records):
    records = records.assign(n_test=[54, 38, 38] * 3, C=[np.nan, 0.1, np.nan] * 3)
    assert repeated.method_info(records) == {"final_cnn_report": 54, "final_cnn_leak_free": 38, "majority": 38}
    plain = repeated.records_for_json(records)
    assert "C" not in plain[0] and plain[1]["C"] == 0.1
