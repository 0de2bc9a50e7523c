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


@pytest.fixture
def records() -> pd.DataFrame:
    rows = []
    for seed, (leaky, honest) in enumerate([(0.9, 0.6), (1.0, 0.8), (0.95, 1.0)]):
        rows.append({"method": "final_cnn_report", "seed": seed, "accuracy": leaky, "auc": leaky})
        rows.append({"method": "final_cnn_leak_free", "seed": seed, "accuracy": honest, "auc": 1 - honest / 2})
        rows.append({"method": "majority", "seed": seed, "accuracy": 0.7, "auc": 0.5})
    return pd.DataFrame(rows)


def test_summarise_mean_sd_and_t_interval(records):
    summary = summaries.summarise(records, ("accuracy", "auc"))
    row = summary.loc[("final_cnn_leak_free", "accuracy")]
    half = T_975_2 * 0.2 / math.sqrt(3)
    assert row["mean"] == pytest.approx(0.8)
    assert row["std"] == pytest.approx(0.2)
    assert row["ci_low"] == pytest.approx(0.8 - half)
    assert row["ci_high"] == pytest.approx(0.8 + half)
    assert row["n"] == 3
    constant = summary.loc[("majority", "auc")]
    assert (constant["mean"], constant["std"], constant["ci_low"], constant["ci_high"]) == pytest.approx(
        (0.5, 0.0, 0.5, 0.5))
    assert list(summary.index.get_level_values(0).unique()) == ["final_cnn_report", "final_cnn_leak_free", "majority"]
    as_dict = summaries.summary_dict(summary)
    assert set(as_dict["majority"]["accuracy"]) == {"mean", "std", "ci_low", "ci_high"}
    table = summaries.summary_table(summary, {"majority": "always male"})
    assert table.loc["always male", "accuracy"] == "0.700 ± 0.000 [0.700, 0.700]"


def test_t_interval_edge_cases():
    mean, sd, low, high = summaries.t_interval(np.array([0.5]))
    assert mean == 0.5 and math.isnan(sd) and math.isnan(low) and math.isnan(high)
    assert all(math.isnan(v) for v in summaries.t_interval(np.array([])))
    assert summaries.t_interval(np.array([1.0, np.nan, 3.0]))[0] == 2.0


def test_inflation_and_paired_inflation(records):
    summary = summaries.summarise(records, ("accuracy", "auc"))
    table = summaries.inflation(summary)
    assert table.loc["accuracy", "report protocol"] == pytest.approx(0.95)
    assert table.loc["accuracy", "leak-free"] == pytest.approx(0.8)
    assert table.loc["accuracy", "inflation"] == pytest.approx(0.15)
    paired = summaries.paired_inflation(records, ("accuracy", "auc"))
    assert paired.loc["accuracy", "mean"] == pytest.approx(0.15)
    assert paired.loc["accuracy", "std"] == pytest.approx(np.std([0.3, 0.2, -0.05], ddof=1))


def test_plot_and_json_helpers(records):
    records = records.assign(n_test=[54, 38, 38] * 3, C=[np.nan, 0.1, np.nan] * 3)
    fig = repeated.plot_repeated(records, ("accuracy", "auc"), labels={"majority": "always male"})
    assert isinstance(fig, plt.Figure)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["accuracy", "auc"]
    plt.close(fig)
    assert repeated.method_info(records) == {"final_cnn_report": 54, "final_cnn_leak_free": 38, "majority": 38}
    plain = repeated.records_for_json(records)
    assert "C" not in plain[0] and plain[1]["C"] == 0.1
    assert repeated.seeds(23, 3) == [23, 24, 25]
