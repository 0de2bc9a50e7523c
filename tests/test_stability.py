"""The stability study's smoke run (``helpers.studies.stability``)."""

from __future__ import annotations

import pytest

from helpers.studies import stability


@pytest.mark.slow
def test_stability_smoke_run_reports_both_models(real_photos_dir, tmp_path):
    out = tmp_path / "stability.json"
    assert stability.main(["--variant", "D+ens2+tta", "--runs", "2", "--scale", "0.25", "--epochs", "1",
                           "--data-dir", str(real_photos_dir), "--out", str(out)]) == 0
    document = stability.load(out)
    assert document["variant"] == "D+ens2+tta" and document["models_per_run"] == 2 and document["flip_tta"]
    assert [(r["run"], r["seed"], r["model"]) for r in document["rows"]] == [
        (0, 23, "single model"), (0, 23, "variance-reduced"), (1, 24, "single model"), (1, 24, "variance-reduced")]
    assert list(document["spread"]) == ["single model", "variance-reduced"]
    assert "accuracy_at_0.5_std" in document["spread"]["single model"]
    assert document["environment"]["device"]
