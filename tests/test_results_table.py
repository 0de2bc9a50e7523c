"""The README's findings and compact table say what the results files say, in words that follow the numbers."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from helpers import results_table

ROOT = Path(__file__).resolve().parent.parent


def committed() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "results").glob("*.json"))}


def test_the_compact_table_has_at_most_ten_rows_with_short_labels() -> None:
    rows = results_table.compact_rows(committed())
    assert 4 <= len(rows) - 2 <= 10
    assert all(len(row.split(" | ")[0]) <= 70 for row in rows[2:]), "labels stay short"


def test_the_findings_follow_the_significance_of_the_paired_test() -> None:
    results = committed()
    paired = results["06_honest_evaluation"]["paired_vs_pixel_logreg"]["auc"]
    text = results_table.findings(results)
    assert f"p = {paired['p_value']:.2f}" in text
    significant = copy.deepcopy(results)
    significant["06_honest_evaluation"]["paired_vs_pixel_logreg"]["auc"].update(mean=0.02, p_value=0.01)
    tied = copy.deepcopy(results)
    tied["06_honest_evaluation"]["paired_vs_pixel_logreg"]["auc"].update(mean=0.02, p_value=0.4)
    assert "is significant at the 5 % level" in results_table.findings(significant)
    assert "does not beat the pixel baseline" in results_table.findings(tied)


def test_the_findings_say_above_only_where_the_report_is_beaten() -> None:
    results = committed()
    final = results["04_final_model"]
    for auc, word in ((0.99, "above"), (0.90, "below"), (0.9383, "equal to")):
        changed = copy.deepcopy(results)
        changed["04_final_model"]["test_at_0.5"] = {**final["test_at_0.5"], "auc": auc}
        assert f"test AUC of {auc:.3f}, {word} the report's 0.938" in results_table.findings(changed)


@pytest.mark.parametrize("established", [True, False])
def test_the_leak_sentence_follows_the_intervals(established: bool) -> None:
    results = copy.deepcopy(committed())
    inflation = results["06_honest_evaluation"]["inflation"]
    for metric in inflation.get("prevalence_free_metrics", ["auc"]):
        inflation["paired"][metric]["ci_low"] = 0.01 if established else -0.01
    text = results_table.findings(results)
    assert ("established for" in text) == established
    assert ("cannot tell apart from zero" in text) == (not established)


def test_the_committed_readme_and_results_page_are_current(tmp_path: Path) -> None:
    findings, table = results_table.render_readme_blocks(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert findings in readme and table in readme, "run python -m helpers.results_table"
    assert (ROOT / "docs" / "results.md").read_text(encoding="utf-8") == results_table.render_full_page(ROOT)
