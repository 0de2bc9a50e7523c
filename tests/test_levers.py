"""Issue 19's training levers, the refit's threshold rule and the levers study's bookkeeping."""

from __future__ import annotations

import inspect
from dataclasses import replace

import keras
import numpy as np
import pandas as pd
import pytest
from support import synthetic_photos

from helpers import experiments, imaging, protocols, recipes, training
from helpers.studies import levers

TINY = (62, 50, 3)  # quarter size: about the smallest input the final model's four conv + pool stages accept


def tiny_set(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Separable stand-in images: dark men, bright women."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = np.clip(np.where(labels == 1, 0.7, 0.3)[:, None, None, None] + rng.normal(0, 0.1, (n, *TINY)), 0, 1)
    return images.astype(np.float32), labels


# ---- the recipe's new fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fields, message", [
    ({"cosine": True, "reduce_lr_patience": 5}, "one learning-rate schedule"),
    ({"warmup_epochs": 3}, "needs cosine"),
    ({"label_smoothing": 0.5}, "label_smoothing"),
])
def test_contradictory_recipes_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        recipes.Recipe(**fields)


def test_recipe_d_keeps_every_new_lever_off():
    recipe = recipes.FINAL_RECIPE
    assert (recipe.cosine, recipe.warmup_epochs, recipe.weight_decay, recipe.label_smoothing,
            recipe.reestimate_batchnorm) == (False, 0, None, 0.0, False)
    assert training.learning_rate_of(recipe, 9) == recipe.learning_rate


def test_the_cosine_schedule_warms_up_then_decays():
    recipe = recipes.Recipe(learning_rate=1e-3, epochs=40, cosine=True, warmup_epochs=3, reduce_lr_patience=None)
    schedule = training.learning_rate_of(recipe, steps_per_epoch=10)
    rate = lambda step: float(keras.ops.convert_to_numpy(schedule(step)))  # noqa: E731
    assert rate(0) == pytest.approx(1e-4)
    assert rate(15) == pytest.approx(1e-4 + 0.5 * 9e-4, rel=1e-3)  # half-way up the linear warm-up
    assert rate(30) == pytest.approx(1e-3)
    assert rate(30) > rate(200) > rate(400)
    assert rate(400) == pytest.approx(1e-5, rel=1e-2)  # alpha 0.01: a hundredth of the peak at the end


def test_adamw_decays_kernels_only_and_label_smoothing_reaches_the_loss():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    recipe = recipes.Recipe(weight_decay=1e-3, label_smoothing=0.1)
    training.compile_binary(model, recipe)
    assert isinstance(model.optimizer, keras.optimizers.AdamW)
    assert model.optimizer.weight_decay == pytest.approx(1e-3)
    kernel, bias = model.layers[0].kernel, model.layers[0].bias
    assert model.optimizer._use_weight_decay(kernel) and not model.optimizer._use_weight_decay(bias)
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(0.1)
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    training.compile_binary(plain, recipes.FINAL_RECIPE)
    assert type(plain.optimizer) is keras.optimizers.Adam and plain.loss == "binary_crossentropy"


def test_batchnorm_reestimation_sets_the_exact_statistics_of_the_training_images():
    training.set_seed(0)
    model = keras.Sequential([keras.Input((6, 5, 2)), keras.layers.Conv2D(3, 3, name="conv"),
                              keras.layers.BatchNormalization(momentum=0.9, name="bn"),
                              keras.layers.Conv2D(2, 3, name="conv2"),
                              keras.layers.BatchNormalization(momentum=0.8, name="bn2")])
    images = np.random.default_rng(1).normal(2.0, 3.0, (20, 6, 5, 2)).astype(np.float32)
    training.reestimate_batchnorm(model, images)
    conv = keras.ops.convert_to_numpy(model.get_layer("conv")(images))
    bn = model.get_layer("bn")
    assert np.allclose(keras.ops.convert_to_numpy(bn.moving_mean), conv.mean(axis=(0, 1, 2)), atol=1e-4)
    assert np.allclose(keras.ops.convert_to_numpy(bn.moving_variance), conv.var(axis=(0, 1, 2)), rtol=1e-3)
    # The second layer's statistics are those of its input once the first layer uses its new statistics.
    second = keras.ops.convert_to_numpy(model.get_layer("conv2")(bn(conv, training=False)))
    assert np.allclose(keras.ops.convert_to_numpy(model.get_layer("bn2").moving_mean), second.mean(axis=(0, 1, 2)),
                       atol=1e-4)
    assert (bn.momentum, model.get_layer("bn2").momentum) == (0.9, 0.8)  # restored


@pytest.mark.slow
def test_fit_reestimates_batchnorm_only_when_the_recipe_asks():
    train, validation = tiny_set(24, 0), tiny_set(10, 1)
    recipe = recipes.Recipe(epochs=1, patience=1, reestimate_batchnorm=True)
    training.set_seed(3)
    model = keras.Sequential([keras.Input(TINY), keras.layers.Conv2D(2, 3), keras.layers.BatchNormalization(),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1, activation="sigmoid")])
    training.fit(model, train, validation, recipe, log_epochs=False)
    conv = keras.ops.convert_to_numpy(model.layers[0](train[0]))
    assert np.allclose(keras.ops.convert_to_numpy(model.layers[1].moving_mean), conv.mean(axis=(0, 1, 2)), atol=1e-4)


# ---- the refit ------------------------------------------------------------------------------------------------


class FakeHistory:
    def __init__(self, history: dict) -> None:
        self.history = history


def test_the_refit_repeats_the_learning_rates_up_to_the_best_epoch():
    recipe = recipes.FINAL_RECIPE
    history = FakeHistory({"val_loss": [0.9, 0.5, 0.4, 0.6], "learning_rate": [1e-3, 1e-3, 5e-4, 5e-4]})
    assert training.refit_schedule(history, recipe) == [1e-3, 1e-3, 5e-4]
    assert training.refit_schedule(FakeHistory({"val_loss": [0.9, 0.5]}), recipe) == [1e-3, 1e-3]


@pytest.mark.slow
def test_fit_fixed_trains_one_epoch_per_rate_at_that_rate():
    train = tiny_set(16, 0)
    model = keras.Sequential([keras.Input(TINY), keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(1, activation="sigmoid")])
    training.fit_fixed(model, train, recipes.FINAL_RECIPE, [1e-2, 3e-3, 7e-4])
    assert model.optimizer.iterations.numpy() == 3  # 3 epochs of one batch of 16
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(7e-4)
    with pytest.raises(ValueError, match="at least one epoch"):
        training.fit_fixed(model, train, recipes.FINAL_RECIPE, [])
    with pytest.raises(ValueError, match="on-the-fly"):
        training.fit_fixed(model, train, replace(recipes.FINAL_RECIPE, online_augmentation=True), [1e-3])


@pytest.mark.slow
def test_the_refit_threshold_comes_from_validation_scores_before_the_refit():
    assert "test" not in " ".join(inspect.signature(experiments.refit_variant).parameters)  # no test set to touch
    train, validation, refit_train = tiny_set(24, 0), tiny_set(12, 1), tiny_set(36, 2)
    refit = experiments.refit_variant(train, validation, refit_train, "D+ens2+tta", seed=5, epochs_cap=2)
    pre_scores = training.predict_scores(refit.pre_refit_models, validation[0], tta=True)
    assert np.allclose(refit.validation_scores, pre_scores)
    from helpers import evaluation

    assert refit.threshold == evaluation.youden_threshold(validation[1], pre_scores)
    assert len(refit.models) == 2 and refit.tta and all(1 <= e <= 2 for e in refit.epochs)
    # Each refit model trained its pre-refit best epoch count on refit_train: 36 images in batches of 16.
    assert [int(m.optimizer.iterations.numpy()) for m in refit.models] == [3 * e for e in refit.epochs]
    assert all(m is not p for m, p in zip(refit.models, refit.pre_refit_models, strict=True))


def test_the_refit_training_set_is_training_plus_validation_and_never_a_test_photo():
    photos = synthetic_photos()
    splits = protocols.kfold_splits(photos["sex"].to_numpy(), 5, 2, 23)[0]
    frame = protocols.refit_training_set(photos, splits, 23)
    names = photos["filename"].to_numpy()
    assert set(frame["source"]) == set(names[splits["train"]]) | set(names[splits["validation"]])
    assert not set(frame["source"]) & set(names[splits["test"]])
    assert (frame["sex"] == 0).sum() == (frame["sex"] == 1).sum()  # balanced by augmentation
    with pytest.raises(AssertionError, match="test photo"):
        protocols.refit_training_set(photos, {**splits, "test": splits["train"][:1]}, 23)


def test_the_inner_split_divides_the_training_photos_only_and_keeps_the_classes():
    labels = synthetic_photos()["sex"].to_numpy()
    splits = protocols.kfold_splits(labels, 5, 2, 23)[0]
    inner = protocols.inner_split(labels, splits["train"], 23)
    assert sorted(np.concatenate([inner["train"], inner["validation"]])) == sorted(splits["train"])
    assert not set(inner["train"]) & set(inner["validation"])
    assert abs(labels[inner["validation"]].mean() - labels[splits["train"]].mean()) < 0.05
    assert len(inner["validation"]) == round(len(splits["train"]) / 3)


# ---- inputs ---------------------------------------------------------------------------------------------------


def test_grey_rgb_is_the_luma_on_three_channels():
    images = np.random.default_rng(0).random((3, 5, 4, 3)).astype(np.float32)
    grey = imaging.grey_rgb(images)
    assert grey.shape == images.shape and grey.dtype == np.float32
    assert np.allclose(grey[..., 0], images @ imaging.BT601) and np.array_equal(grey[..., 0], grey[..., 2])


def test_per_image_standardisation_uses_each_image_alone():
    rng = np.random.default_rng(0)
    images = np.concatenate([rng.random((2, 5, 4, 3)), np.full((1, 5, 4, 3), 0.4)]).astype(np.float32)
    out = imaging.standardise_per_image(images)
    assert np.allclose(out[:2].mean(axis=(1, 2, 3)), 0, atol=1e-5)
    assert np.allclose(out[:2].std(axis=(1, 2, 3)), 1, atol=1e-4)
    assert np.all(out[2] == 0)  # a flat image stays finite
    assert np.allclose(imaging.standardise_per_image(images[:1]), out[:1])  # no other image changes it


# ---- the study's bookkeeping ----------------------------------------------------------------------------------


def rows_for(lever: str, auc_shift: float, members: int = 2, splits: int = 3, seconds: float = 10.0) -> list[dict]:
    """Fake study rows: validation scores that separate the classes, made worse by a lever's ``auc_shift``."""
    labels = [0, 0, 0, 1, 1, 1]
    rows = []
    for split in range(splits):
        for member in range(members):
            scores = [0.1, 0.2, 0.6 + auc_shift, 0.5, 0.7, 0.9]  # one male above one female unless shifted down
            rows.append({"lever": lever, "split": split, "seed": 23 + split + 1000 * member, "member": member,
                         "validation_labels": labels, "validation_scores": scores, "epochs_run": 10,
                         "best_epoch": 5, "train_images": 100, "seconds": seconds})
    return rows


def test_the_summary_pairs_each_lever_with_the_reference_split_by_split_and_the_rule_prefers_no_change():
    rows = pd.DataFrame(rows_for("D", 0.0, members=5) + rows_for("grey", -0.15, seconds=5.0)
                        + rows_for("cosine", -0.08, seconds=20.0))
    table = levers.summary(rows, members=2).set_index("lever")
    assert table.loc["D", "ensemble_auc"] == pytest.approx(8 / 9)
    assert table.loc["grey", "ensemble_auc"] == pytest.approx(1.0)
    assert table.loc["grey", "auc_gain"] == pytest.approx(1 / 9) and table.loc["grey", "splits_better"] == 3
    assert table.loc["D", "auc_gain"] == 0 and table.loc["grey", "seconds_per_model"] == 5.0
    assert table.loc["D", "auc_gain_p"] == 1.0 and table.loc["grey", "auc_gain_p"] == 0.0  # one gain on every split
    noisy = levers.p_value(np.array([0.02, -0.01, 0.03, 0.0, 0.01]))
    assert 0.05 < noisy < 1  # a mean gain of 0.01 with this spread over 5 overlapping splits is not established
    assert levers.choose(table.reset_index()) == "grey"  # cosine ties with grey but costs more
    close = table.reset_index().assign(ensemble_auc=lambda t: t["ensemble_auc"].where(t["lever"] != "D", 0.998))
    assert levers.choose(close) == "D"  # within the tie tolerance, no change wins
    sizes = levers.ensemble_sizes(rows)
    assert sizes["models"].tolist() == [1, 2, 3, 5] and sizes["train_seconds"].tolist() == [10, 20, 30, 50]


def test_the_default_levers_skip_the_one_that_repeats_the_reference():
    reference = levers.LEVERS[levers.REFERENCE].config(0.25)
    assert levers.LEVERS["quarter"].config(0.25) == reference
    assert levers.LEVERS["half"].config(0.25) != reference
    assert levers.LEVERS["cosine"].config(0.25)["recipe"]["cosine"] is True


@pytest.mark.slow
def test_a_tiny_study_writes_validation_columns_only_and_can_be_resumed(real_photos_dir, tmp_path, capsys):
    import json

    out = tmp_path / "levers.json"
    common = ["--splits", "1", "--seeds", "1", "--reference-seeds", "2", "--epochs", "1", "--scale", "0.25",
              "--data-dir", str(real_photos_dir), "--out", str(out)]
    assert levers.main(["--levers", "D", "sketch_add", "--no-refit", *common]) == 0
    document = json.loads(out.read_text())
    assert [(r["lever"], r["member"]) for r in document["rows"]] == [("D", 0), ("D", 1), ("sketch_add", 0)]
    assert not any("test" in key for row in document["rows"] for key in row)
    assert {len(r["validation_scores"]) for r in document["rows"]} <= {56, 57}  # a split's validation photos
    sketch_row = document["rows"][-1]
    assert sketch_row["train_images"] > document["rows"][0]["train_images"]  # the sketches joined the photos
    assert document["chosen"] in {"D", "sketch_add"} and "validation" in document["choice_rule"].lower()
    # Resumed with the refit: the levers' rows are kept as they were, the refit rows are added.
    assert levers.main(["--levers", "D", "sketch_add", "--keep", *common]) == 0
    resumed = json.loads(out.read_text())
    assert resumed["rows"] == document["rows"]
    assert {(r["method"], r["kind"]) for r in resumed["refit_rows"]} == {
        (m, k) for m in ("final CNN", "pixel logreg") for k in ("pre-refit", "refit")}
    assert {r["method"] for r in resumed["refit_summary"]} == {"final CNN", "pixel logreg"}


def test_levers_combine_into_one_change_and_clashing_levers_are_refused():
    both = levers.lever_named("half+standardise+cosine")
    assert (both.scale, both.standardise, both.grey, both.sketches) == (0.5, True, False, None)
    assert both.config(0.25)["recipe"]["cosine"] and both.config(0.25)["scale"] == 0.5
    assert "per-image standardisation" in both.description
    with pytest.raises(ValueError, match="cannot combine"):
        levers.combine(["sketch_add", "sketch_pretrain"])
    with pytest.raises(ValueError, match="cannot combine"):
        levers.combine(["half", "quarter"])
    with pytest.raises(KeyError):
        levers.lever_named("half+nonsense")
