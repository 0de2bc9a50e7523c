"""The recipe search: notebook 04's recipe is the table's D, and one run produces a complete row."""

from __future__ import annotations

import dataclasses

import numpy as np

from helpers import models, recipe_search, training


def test_the_chosen_recipe_is_candidate_d() -> None:
    chosen = recipe_search.CANDIDATES["D_bn90_p15_rlr5"]
    assert chosen.recipe == training.FINAL_RECIPE
    assert chosen.l2 == models.FINAL_L2
    assert chosen.batchnorm_momentum == training.FINAL_BATCHNORM_MOMENTUM


def test_candidate_names_match_their_settings() -> None:
    for name, candidate in recipe_search.CANDIDATES.items():
        assert ("bn99" in name) == (candidate.batchnorm_momentum == 0.99)
        assert ("l2e-3" in name) == (candidate.l2 == 1e-3)
        assert ("rlr5" in name) == (candidate.recipe.reduce_lr_patience == 5)


def test_one_run_gives_a_complete_row() -> None:
    rng = np.random.default_rng(0)

    def part(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = np.arange(n) % 2
        images = rng.random((n, 64, 48, 3), dtype=np.float32) * 0.2 + labels[:, None, None, None] * 0.8
        return images.astype(np.float32), labels

    sets = {"train": part(16), "validation": part(8), "test": part(8)}
    quick = recipe_search.Candidate(dataclasses.replace(training.FINAL_RECIPE, epochs=2))
    row = recipe_search.run_candidate("quick", quick, sets, seed=3, protocol="report")
    assert row["recipe"] == "quick" and row["seed"] == 3 and row["epochs_run"] == 2
    assert 0.0 <= row["test_auc"] <= 1.0 and 0.0 <= row["test_acc_05"] <= 1.0
    assert isinstance(row["one_sided_05"], bool)
    assert row["bn_momentum"] == 0.9 and row["l2"] == 1e-4
