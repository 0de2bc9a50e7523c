"""Tests of ``helpers.experiments``."""

from __future__ import annotations

from helpers import config, experiments


def test_a_quick_model_is_never_taken_for_the_full_one(real_photos_dir):
    full = experiments.final_model_fingerprint(real_photos_dir, 23, "D+ens2+tta")
    quick = experiments.final_model_fingerprint(real_photos_dir, 23, "D+ens2+tta", epochs_cap=config.QUICK_EPOCHS)
    assert full != quick and quick["recipe"]["epochs"] == config.QUICK_EPOCHS
    assert experiments.final_model_fingerprint(real_photos_dir, 23, "D+ens2+tta", epochs_cap=None) == full
