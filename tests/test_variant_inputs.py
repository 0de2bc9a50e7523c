"""The chosen variant's input levers: the standardisation layer, the ``std``/``sketch`` tokens, the sketches a
final CNN may train on in notebook 06 (both protocols), and the study's choice read as a variant."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest
from support import synthetic_photos

from helpers import experiments, imaging, models, protocols, recipes, sketches
from helpers.studies import levers, multisplit


def synthetic_sketches(photos: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One sketch per synthetic photo, in the shapes of ``sketches.load_paired``: (pairs, sketch frame)."""
    names = photos["filename"].tolist()
    sketch_names = [name.replace(".jpg", "-sz1.jpg") for name in names]
    pairs = pd.DataFrame({"filename": names, "sketch": sketch_names, "person": [n[:5] for n in names],
                          "sex": photos["sex"].tolist()})
    frame = pd.DataFrame({"filename": sketch_names, "photo": names, "sex": photos["sex"].tolist(),
                          "image_array": [1.0 - image for image in photos["image_array"]]})
    return pairs, frame


def test_the_standardisation_layer_matches_numpy_and_adds_no_parameter():
    images = np.random.default_rng(0).uniform(0, 1, (4, 24, 20, 3)).astype(np.float32)
    layer = models.PerImageStandardisation()
    out = np.asarray(layer(images))
    np.testing.assert_allclose(out, imaging.standardise_per_image(images), atol=1e-5)
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, atol=1e-4)
    plain, standardised = models.build_final_model(), models.build_final_model(standardise=True)
    assert standardised.count_params() == plain.count_params() == 423_361
    assert standardised.layers[0].name == "per_image_standardisation"
    assert [type(x).__name__ for x in standardised.layers[1:]] == [type(x).__name__ for x in plain.layers]


def test_a_saved_standardised_model_carries_its_standardisation(tmp_path):
    keras.utils.set_random_seed(1)
    model = models.build_final_model(input_shape=(64, 48, 3), standardise=True)
    images = np.random.default_rng(1).uniform(0, 1, (3, 64, 48, 3)).astype(np.float32)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[0].name == "per_image_standardisation"
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)
    # brightness and contrast of a photo no longer move its score
    np.testing.assert_allclose(model.predict(images * 0.5 + 0.2, verbose=0), model.predict(images, verbose=0),
                               atol=1e-4)


def test_variant_names_read_the_input_tokens():
    name = "D+smooth+std+sketch+ens2+tta"
    assert recipes.Variant.parse(name) == recipes.Variant("D+smooth", 2, True, standardise=True, sketches=True)
    assert recipes.Variant.parse(name).name == name
    assert recipes.Variant.parse("D+ens2+tta") == recipes.Variant(models=2, flip_tta=True)
    assert recipes.Variant.parse(name).training().label_smoothing == 0.1
    assert recipes.Variant.parse(name).training(3).epochs == 3
    with pytest.raises(ValueError, match="cannot read"):
        recipes.Variant.parse("E+std")


def test_train_variant_refuses_missing_or_unwanted_sketches():
    x = np.zeros((4, 16, 16, 3), np.float32)
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="needs sketches"):
        experiments.train_variant((x, y), (x, y), "D+sketch", epochs_cap=1)
    with pytest.raises(ValueError, match="takes no sketches"):
        experiments.train_variant((x, y), (x, y), "D", epochs_cap=1, sketches=(x, y))


@pytest.mark.parametrize("protocol", ["leak_free", "report"])
def test_no_held_out_persons_sketch_reaches_training(protocol):
    photos = synthetic_photos()
    sketch_data = synthetic_sketches(photos)
    roles = protocols.kfold_roles(photos, 2, 5, 2, 23)[protocol]

    def people(frame):
        return set(frame["source"] if "source" in frame else frame["filename"])

    held_out = people(roles["validation"]) | people(roles["test"])
    chosen = sketches.training_sketch_set(roles, sketch_data, seed=7)
    sources = set(chosen["source"])
    sketch_to_photo = dict(zip(sketch_data[1]["filename"], sketch_data[1]["photo"], strict=True))
    used_people = {sketch_to_photo[s] for s in sources}
    assert used_people and not used_people & held_out
    assert used_people == people(roles["train"]) - held_out  # every allowed person's sketch is used
    assert (chosen["sex"] == 1).sum() == (chosen["sex"] == 0).sum()  # balanced like the photos
    if protocol == "report":
        assert people(roles["train"]) & held_out  # the report's leak: people in several roles, sketches kept out


@pytest.mark.slow
def test_run_split_trains_the_final_cnns_on_the_allowed_sketches():
    tiny = synthetic_photos(size=(64, 48), seed=2)
    sketch_data = synthetic_sketches(tiny)
    with pytest.raises(ValueError, match="needs sketch_data"):
        multisplit.run_split(tiny, 0, final_variant="D+sketch", methods=("majority",), log=None)
    with pytest.raises(ValueError, match="takes no sketches"):
        multisplit.run_split(tiny, 0, final_variant="D", methods=("majority",), log=None, sketch_data=sketch_data)
    records, _ = multisplit.run_split(tiny, 0, image_scale=1.0, epochs_cap=1, final_variant="D+smooth+std+sketch",
                                      methods=("final_cnn_leak_free", "final_cnn_report", "baseline_cnn"),
                                      log=None, sketch_data=sketch_data)
    by_method = {r["method"]: r for r in records}
    plan = protocols.kfold_roles(tiny, 0, 5, 2, 23)
    for method, protocol in (("final_cnn_leak_free", "leak_free"), ("final_cnn_report", "report")):
        expected = sketches.training_sketch_set(plan[protocol], sketch_data, seed=23 + 500)
        assert by_method[method]["n_sketches"] == len(expected) > 0
    assert by_method["baseline_cnn"]["n_sketches"] == 0


def test_the_studys_choice_reads_as_a_variant():
    assert levers.variant_of("D", 0.25, 2) == ("D+ens2+tta", 0.25)
    assert levers.variant_of("half+standardise+smoothing+sketch_add", 0.25, 2) == (
        "D+smooth+std+sketch+ens2+tta", 0.5)
    for unsupported in ("grey", "sketch_pretrain"):
        with pytest.raises(ValueError, match="no final-CNN variant"):
            levers.variant_of(unsupported, 0.25, 2)
    with pytest.raises(ValueError, match="does not hold"):
        levers.variant_of("cosine", 0.25, 2)
    variant, scale = levers.chosen_variant()
    assert recipes.Variant.parse(variant).name == variant  # the committed choice is a variant notebook 06 can train
    assert 0 < scale <= 1
