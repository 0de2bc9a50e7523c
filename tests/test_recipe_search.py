"""The recipe search ranks on validation data only, and writes exactly what notebook 04 reads."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import recipes
from helpers.studies import recipe_search


def _rows() -> pd.DataFrame:
    rows = []
    for candidate, val_auc, models, test_auc in (("A", 0.90, 1, 0.99), ("B", 0.95, 1, 0.80), ("C", 0.95, 1, 0.70),
                                                 ("D", 0.80, 1, 1.0), ("E+ens3", 0.953, 3, 0.5)):
        for _seed in (1, 2):
            rows.append({"candidate": candidate, "val_auc": val_auc, "val_loss": 0.3 if candidate == "C" else 0.4,
                         "ensemble": models, "test_auc": test_auc, "test_accuracy": test_auc})
    return pd.DataFrame(rows)


def test_ranking_follows_validation_prefers_the_cheaper_of_tied_candidates_then_the_lower_loss():
    ranking = recipe_search.rank(_rows())
    # E+ens3 has the best validation AUC, but B and C are within the tolerance with one model each.
    assert ranking["candidate"].tolist() == ["C", "B", "E+ens3", "A", "D"]
    assert ranking["rank"].tolist() == [1, 2, 3, 4, 5]
    assert ranking["tied_with_best"].tolist() == [True, True, True, False, False]
    clear_winner = _rows().assign(val_auc=lambda t: np.where(t["candidate"] == "E+ens3", 0.99, t["val_auc"]))
    assert recipe_search.rank(clear_winner)["candidate"].iloc[0] == "E+ens3"


def test_a_test_column_cannot_influence_the_ranking():
    rows = _rows()
    before = recipe_search.rank(rows)
    rng = np.random.default_rng(0)
    for _ in range(5):
        shuffled = rows.assign(test_auc=rng.random(len(rows)), test_accuracy=rng.random(len(rows)))
        pd.testing.assert_frame_equal(recipe_search.rank(shuffled), before)
    # Even a perfect test score does not lift the worst validation candidate.
    assert recipe_search.rank(rows.assign(test_auc=np.where(rows["candidate"] == "D", 1.0, 0.0)))[
        "candidate"].iloc[-1] == "D"


@pytest.mark.parametrize(("name", "parsed"), [
    ("D", ("D", 1, False)), ("D+tta", ("D", 1, True)), ("D+online+ens3", ("D+online", 3, False)),
    ("D+online+ema+ens2+tta", ("D+online+ema", 2, True)),
])
def test_candidate_names_parse(name, parsed):
    variant = recipes.Variant.parse(name)
    assert (variant.recipe, variant.models, variant.flip_tta) == parsed
    assert variant.name == name  # the name a results file writes is the one read
    with pytest.raises(ValueError, match="cannot read the variant"):
        recipes.Variant.parse("E+tta")  # an unknown recipe
    with pytest.raises(ValueError, match="cannot read the variant"):
        recipes.Variant.parse("D+ens2+ens3")
    with pytest.raises(ValueError, match="no variant"):
        recipes.Variant.parse("D+ens0")


def test_training_variants_are_recipe_d_plus_one_change_each():
    variants = recipes.RECIPES
    assert variants["D"] == recipes.FINAL_RECIPE
    assert variants["D+online"].online_augmentation and variants["D+online"].ema_momentum is None
    assert variants["D+ema"].ema_momentum == 0.9 and not variants["D+ema"].online_augmentation
    for variant in variants.values():
        assert (variant.learning_rate, variant.patience) == (recipes.FINAL_RECIPE.learning_rate,
                                                             recipes.FINAL_RECIPE.patience)


@pytest.mark.slow
def test_a_tiny_search_writes_what_notebook_08_reads(real_photos_dir, tmp_path, capsys):
    """One candidate, one split seed, quarter size, one epoch: the file's structure and the rule that only validation
    numbers are ranked (the ranking of several candidates is tested below without training)."""
    out = tmp_path / "search.json"
    assert recipe_search.main(["--candidates", "D", "--split-seeds", "23", "--scale", "0.25", "--epochs", "1",
                               "--data-dir", str(real_photos_dir), "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert set(document) == {"ranking_rule", "parameters", "rows", "ranking", "chosen", "chosen_test", "environment"}
    assert "validation" in document["ranking_rule"] and document["environment"]["device"]
    assert len(document["rows"]) == 2 * 4  # protocols x inference variants
    assert not any(key.startswith("test") for row in document["rows"] for key in row)
    assert {row["candidate"] for row in document["chosen_test"]} == {document["chosen"]}
    assert {row["protocol"] for row in document["chosen_test"]} == {"leak_free", "report"}
    table = recipe_search.summary_table(document)  # notebook 08's summary code
    assert table.index[0] == document["chosen"] and table["rank"].tolist() == list(range(1, 5))
    assert set(table["ensemble"]) == {1, 2}


def test_untied_candidates_follow_by_validation_auc_whatever_their_cost():
    rows = pd.DataFrame([
        {"candidate": "best", "val_auc": 0.99, "val_loss": 0.1, "ensemble": 1},
        {"candidate": "far, one model", "val_auc": 0.90, "val_loss": 0.2, "ensemble": 1},
        {"candidate": "nearer, two models", "val_auc": 0.95, "val_loss": 0.2, "ensemble": 2},
    ])
    assert recipe_search.rank(rows)["candidate"].tolist() == ["best", "nearer, two models", "far, one model"]


def test_the_studies_write_under_the_output_folder_wherever_they_run(tmp_path, monkeypatch):
    from helpers.reporting import results
    from helpers.studies import split_study

    written = []
    monkeypatch.setattr(results, "write_study", lambda name, document, out: written.append(out) or document)
    monkeypatch.setenv("CUFS_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.chdir(tmp_path)  # not the project root: a relative default would land in tmp_path/results
    split_study.write(recipe_search.RESULTS_NAME, {})
    assert written == [(tmp_path / "out").resolve() / "results" / "04_recipe_search.json"]


def test_the_kfold_default_seed_is_the_configured_one():
    import inspect

    from helpers import config, protocols

    assert inspect.signature(protocols.kfold_splits).parameters["seed"].default == config.SEED
