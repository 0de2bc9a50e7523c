"""Notebook 05's study over seeds: what it counts, and that its reading imports no TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers.studies import analysis_seeds


def _row(seed: int, female: dict | None, male: dict | None, f_as_m: int, m_as_f: int) -> dict:
    return {"seed": seed, "errors": f_as_m + m_as_f, "female_called_male": f_as_m, "male_called_female": m_as_f,
            "test_images": 54, "grad_cam_enrichment": {"decided female": female, "decided male": male}}


def test_counts_follow_each_reading_seed_by_seed() -> None:
    document = {"rows": [
        _row(1, {"top": 1.2, "face": 0.8, "side": 1.1}, {"top": 0.9, "face": 1.2, "side": 1.0}, 2, 1),
        _row(2, {"top": 0.7, "face": 0.9, "side": 1.3}, {"top": 1.0, "face": 0.8, "side": 1.1}, 0, 3),
        _row(3, {"top": 1.0, "face": 1.1, "side": 0.9}, None, 1, 1),  # decided male on no test image
    ]}
    seen = analysis_seeds.counts(document)
    assert seen["seeds"] == 3 and seen["seeds_with_both_decisions"] == 2
    assert seen["female_face_below_area"] == 2
    assert seen["female_hair_above_face"] == 1  # seed 2's top band (0.7) lies below its face box (0.9)
    assert seen["male_face_above_area"] == 1
    assert seen["male_face_above_female_face"] == 1
    assert (seen["female_called_male"], seen["male_called_female"]) == (3, 5)
    assert (seen["seeds_more_female_errors"], seen["seeds_more_male_errors"]) == (1, 1)
    assert (seen["errors_min"], seen["errors_max"]) == (2, 3)
    table = analysis_seeds.enrichment_table(document)
    assert len(table) == 5 and set(table["decision"]) == {"decided female", "decided male"}


def test_one_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 seeds"):
        analysis_seeds.run(seeds=(23,))


def test_the_model_card_and_the_deck_can_read_it_without_the_scientific_stack() -> None:
    code = ("import sys, helpers.studies.analysis_seeds; "
            "print(sorted({'tensorflow', 'keras', 'numpy', 'pandas'} & {m.split('.')[0] for m in sys.modules}))")
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == "[]"
