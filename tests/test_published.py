"""Tests of ``helpers.published``: the report's numbers, as typed into the code, are those docs/report.md states."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import published

REPORT = (Path(__file__).resolve().parent.parent / "docs" / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("table", ["BASELINE_AT_HALF", "BASELINE_AT_OPTIMAL", "FINAL_MODEL"])
def test_every_published_metric_is_restated_in_docs_report(table):
    missing = [f"{name} {value:.4f}" for name, value in getattr(published, table).items()
               if f"{value:.4f}" not in REPORT]
    assert not missing, f"docs/report.md does not state {missing} of published.{table}"


@pytest.mark.parametrize(("layers", "params"), [("BASELINE_LAYERS", "BASELINE_PARAMS"),
                                                 ("FINAL_LAYERS", "FINAL_PARAMS")])
def test_the_parameter_tables_add_up_and_match_docs_report(layers, params):
    totals = getattr(published, params)
    assert sum(count for _, _, count in getattr(published, layers)) == totals["total"]
    assert totals["trainable"] + totals["non_trainable"] == totals["total"]
    assert f"{totals['total']:,}" in REPORT and f"{totals['trainable']:,}" in REPORT
