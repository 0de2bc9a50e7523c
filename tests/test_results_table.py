"""The README's findings and compact table say what the results files say, in words that follow the numbers."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from helpers.infra import storage
from helpers.reporting import results as results_files
from helpers.reporting import results_table

ROOT = Path(__file__).resolve().parent.parent


def committed() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "results").glob("*.json"))}


def test_the_compact_table_has_at_most_ten_rows_with_short_labels() -> None:
    rows = [line for line in results_table.render_readme_blocks(ROOT)[1].splitlines() if line.startswith("|")]
    assert 4 <= len(rows) - 2 <= 10
    assert all(len(row.split(" | ")[0]) <= 70 for row in rows[2:]), "labels stay short"


def test_the_findings_are_at_most_five_short_bullets() -> None:
    lines = results_table.findings(committed()).splitlines()
    assert 4 <= len(lines) <= 5 and all(line.startswith("- **") for line in lines)
    assert all(len(line.split()) <= 80 for line in lines), "a newcomer reads a bullet at a glance"
    assert "docs/results.md" in lines[-1]


def test_the_findings_follow_the_significance_of_the_headlines_paired_test() -> None:
    results = committed()
    paired = results["07_repeated_splits"]["selection"]["paired_vs_pixel_logreg"][results_files.NESTED]["auc"]
    text = results_table.findings(results)
    assert f"p = {paired['p_value']:.2f}" in text
    significant, tied = copy.deepcopy(results), copy.deepcopy(results)
    for changed, p_value in ((significant, 0.01), (tied, 0.4)):
        changed["07_repeated_splits"]["selection"]["paired_vs_pixel_logreg"][results_files.NESTED]["auc"].update(
            mean=0.02, p_value=p_value)
    assert "is significant at the 5 % level" in results_table.findings(significant)
    assert "the two cannot be told apart" in results_table.findings(tied)


def test_the_findings_place_the_seeds_range_against_the_report() -> None:
    results = committed()
    for low, high, words in ((0.95, 0.99, "every seed above"), (0.80, 0.90, "every seed below"),
                             (0.90, 0.99, "around")):
        changed = copy.deepcopy(results)
        rows = changed["05_analysis_seeds"]["rows"]
        for row, auc in zip(rows, [low, high] + [(low + high) / 2] * (len(rows) - 2), strict=True):
            row["test_auc"] = auc
        assert f"AUC of {low:.3f} to {high:.3f} ({words} the report's 0.938)" in results_table.findings(changed)


@pytest.mark.parametrize("established", [True, False])
def test_the_leak_sentence_follows_the_intervals(established: bool) -> None:
    results = copy.deepcopy(committed())
    inflation = results["06_the_leak"]["inflation"]
    for metric in inflation.get("prevalence_free_metrics", ["auc"]):
        inflation["paired"][metric]["ci_low"] = 0.01 if established else -0.01
    text = results_table.findings(results)
    assert ("established for" in text) == established
    assert ("cannot tell it apart from zero" in text) == (not established)


def test_the_committed_readme_and_results_page_are_current(tmp_path: Path) -> None:
    findings, table = results_table.render_readme_blocks(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert findings in readme and table in readme, "run python -m helpers.reporting.results_table"
    assert (ROOT / "docs" / "results.md").read_text(encoding="utf-8") == results_table.render_full_page(ROOT)


def copy_of_results(tmp_path: Path, names: tuple[str, ...], change=None) -> Path:
    """The committed results files ``names`` under ``tmp_path/results``, each changed by ``change(name, record)``."""
    for name in names:
        record = json.loads((ROOT / "results" / f"{name}.json").read_text(encoding="utf-8"))
        if change:
            change(name, record)
        storage.save_json(tmp_path / "results" / f"{name}.json", record)
    return tmp_path


def test_the_tables_are_generated_from_the_results_files(tmp_path: Path) -> None:
    metrics = {"accuracy": 0.9, "precision": 0.8, "recall": 0.7, "f1": 0.75, "auc": 0.95, "balanced_accuracy": 0.85}

    def change(name, record):
        record.update({"threshold": 0.42, "test_at_0.5": metrics, "test_at_threshold": metrics})

    copy_of_results(tmp_path, ("02_baseline_model",), change)
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{results_table.FINDINGS_START}\nSTALE\n{results_table.FINDINGS_END}\nmiddle\n"
                      f"{results_table.START}\nSTALE-ROW\n{results_table.END}\noutro\n", encoding="utf-8")
    assert results_table.refresh_readme(readme, tmp_path)
    text = readme.read_text(encoding="utf-8")
    assert "STALE" not in text and text.startswith("intro\n") and text.endswith("outro\n") and "\nmiddle\n" in text
    assert "| ours: baseline CNN @ validation threshold | 38 | 0.950 | 0.900 | 0.850 |" in text
    assert "| report: baseline CNN @ 0.5 | 38 | 0.523 | 0.342 | – |" in text
    full = (tmp_path / "docs" / "results.md").read_text(encoding="utf-8")
    assert "| Ours: baseline CNN @ 0.5 | 38 | 0.900 | 0.800 | 0.700 | 0.750 | 0.950 |" in full
    assert "@ validation threshold (0.420)" in full
    assert not results_table.refresh_readme(readme, tmp_path), "a second refresh changes nothing"


def test_a_readme_without_markers_is_refused(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("no table here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="markers"):
        results_table.refresh_readme(readme, tmp_path)


def test_each_file_says_where_it_came_from(tmp_path: Path) -> None:
    environment = {"device": "CPU: Example CPU (2 cores)", "tensorflow": "2.20.0", "keras": "3.13.2",
                   "keras_backend": "tensorflow", "python": "3.13.1", "precision": "float32", "seed": 23,
                   "git_commit": "abc123def456", "date": "2026-11-27", "wall_seconds": 42.4}
    copy_of_results(tmp_path, ("02_baseline_model",), lambda name, record: record.update(environment=environment))
    assert ("- `02_baseline_model`: CPU: Example CPU (2 cores); TensorFlow 2.20.0, Keras 3.13.2 (tensorflow), "
            "Python 3.13.1, float32; seed 23; commit abc123def456; 2026-11-27; 42 s") in results_table.render(tmp_path)


@pytest.mark.parametrize("met", [True, False])
def test_the_targets_are_read_from_the_stored_verdicts(tmp_path: Path, met: bool) -> None:
    def change(name, record):
        if name == "04_stability":
            record["verdicts"]["stability"].update(met=met, sd_accuracy=0.0166)
        else:
            record["verdicts"]["leak_free_target"].update(met=met, mean_auc=0.981, p_value_auc_vs_pixel_logreg=0.01)

    text = results_table.render(copy_of_results(tmp_path, ("04_stability", "07_repeated_splits"), change))
    verdict = "met." if met else "**not met**."
    assert f"training seeds 0.017 (target at most 0.015): {verdict}" in text
    assert "mean AUC 0.981 (target at least 0.98)" in text and f"p = 0.010 (below 0.05): {verdict}" in text


@pytest.mark.parametrize("chosen, ending", [("D", "the rule chose no change."), ("smoothing", "chose `smoothing`.")])
def test_the_levers_sentence_names_the_largest_gain_and_the_choice(chosen: str, ending: str) -> None:
    row = {"auc_gain_sd": 0.02, "splits_better": 3}
    levers = {"parameters": {"splits": 5}, "chosen": chosen, "summary": [
        {**row, "lever": "D", "auc_gain": 0.0}, {**row, "lever": "grey", "auc_gain": -0.011},
        {**row, "lever": "smoothing", "auc_gain": 0.014}]}
    sentence = results_table.lever_sentence(levers)
    assert sentence.startswith("Of 2 changes") and "`smoothing` (+0.014, sd 0.020" in sentence
    assert "better on 3 of 5" in sentence and sentence.endswith(ending)
    if chosen != "D":
        later = results_table.lever_sentence(levers, "D+ens2+tta")
        assert later.endswith("chose `smoothing`, measured on validation photos only: notebook 07 still evaluates "
                              "`D+ens2+tta`.")


def test_the_levers_sentence_sends_a_carried_choice_to_notebook_07() -> None:
    row = {"auc_gain_sd": 0.02, "splits_better": 5, "auc_gain": 0.02}
    levers = {"parameters": {"splits": 5, "scale": 0.25}, "chosen": "half+smoothing+sketch_add",
              "summary": [{**row, "lever": "D", "auc_gain": 0.0}, {**row, "lever": "half+smoothing+sketch_add"}]}
    carried = results_table.lever_sentence(levers, "D+smooth+sketch+ens2+tta", 0.5)
    assert carried.endswith("which notebook 07 evaluates on its test folds as `D+smooth+sketch+ens2+tta` (the "
                            "leak-free numbers above).")
    for variant, scale in (("D+smooth+sketch+ens2+tta", 0.25), ("D+smooth+ens2+tta", 0.5),
                           ("D+smooth+std+sketch+ens2+tta", 0.5)):
        assert "still evaluates" in results_table.lever_sentence(levers, variant, scale)


def test_a_choice_is_carried_only_as_the_variant_and_scale_the_study_makes_of_it() -> None:
    from helpers.studies import levers

    for name in ("D", "half", "quarter", "smoothing", "standardise", "sketch_add",
                 "half+standardise+smoothing+sketch_add"):
        variant, scale = levers.variant_of(name, 0.25, 2)
        assert results_table.carries({"chosen": name, "parameters": {"scale": 0.25}}, variant, scale), name
        assert not results_table.carries({"chosen": name, "parameters": {"scale": 0.25}}, variant, scale * 2), name
    assert not results_table.carries({"chosen": "grey", "parameters": {"scale": 0.25}}, "D+ens2+tta", 0.25)
    assert not results_table.carries({"chosen": "D", "parameters": {"scale": 0.25}}, "D+ema+ens2+tta", 0.25)
