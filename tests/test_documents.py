"""The documents built from the results: the README's findings and compact table say what the results files say,
in words that follow the numbers, and MODEL_CARD.md cannot drift from them."""

from __future__ import annotations

import copy
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from helpers import evaluation
from helpers.infra import browser, storage
from helpers.reporting import documents
from helpers.reporting import results as results_files

ROOT = Path(__file__).resolve().parent.parent


def committed() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "results").glob("*.json"))}


def test_the_compact_table_has_at_most_ten_rows_with_short_labels() -> None:
    rows = [line for line in documents.render_readme_blocks(ROOT)[1].splitlines() if line.startswith("|")]
    assert 4 <= len(rows) - 2 <= 10
    assert all(len(row.split(" | ")[0]) <= 70 for row in rows[2:]), "labels stay short"


def test_the_findings_are_at_most_five_short_bullets() -> None:
    lines = documents.findings(committed()).splitlines()
    assert 4 <= len(lines) <= 5 and all(line.startswith("- **") for line in lines)
    assert all(len(line.split()) <= 80 for line in lines), "a newcomer reads a bullet at a glance"
    assert "docs/results.md" in lines[-1]


def test_the_findings_follow_the_significance_of_the_headlines_paired_test() -> None:
    results = committed()
    paired = results["07_repeated_splits"]["selection"]["paired_vs_pixel_logreg"][results_files.NESTED]["auc"]
    text = documents.findings(results)
    assert f"p = {paired['p_value']:.2f}" in text
    significant, tied = copy.deepcopy(results), copy.deepcopy(results)
    for changed, p_value in ((significant, 0.01), (tied, 0.4)):
        changed["07_repeated_splits"]["selection"]["paired_vs_pixel_logreg"][results_files.NESTED]["auc"].update(
            mean=0.02, p_value=p_value)
    assert "is significant at the 5 % level" in documents.findings(significant)
    assert "the two cannot be told apart" in documents.findings(tied)


def test_the_findings_place_the_seeds_range_against_the_report() -> None:
    results = committed()
    for low, high, words in ((0.95, 0.99, "every seed above"), (0.80, 0.90, "every seed below"),
                             (0.90, 0.99, "around")):
        changed = copy.deepcopy(results)
        rows = changed["05_analysis_seeds"]["rows"]
        for row, auc in zip(rows, [low, high] + [(low + high) / 2] * (len(rows) - 2), strict=True):
            row["test_auc"] = auc
        assert f"AUC of {low:.3f} to {high:.3f} ({words} the report's 0.938)" in documents.findings(changed)


@pytest.mark.parametrize("established", [True, False])
def test_the_leak_sentence_follows_the_intervals(established: bool) -> None:
    results = copy.deepcopy(committed())
    inflation = results["06_the_leak"]["inflation"]
    for metric in inflation.get("prevalence_free_metrics", ["auc"]):
        inflation["paired"][metric]["ci_low"] = 0.01 if established else -0.01
    text = documents.findings(results)
    assert ("established for" in text) == established
    assert ("cannot tell it apart from zero" in text) == (not established)


def test_the_committed_readme_and_results_page_are_current(tmp_path: Path) -> None:
    findings, table = documents.render_readme_blocks(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert findings in readme and table in readme, "run python -m helpers.reporting.documents"
    assert (ROOT / "docs" / "results.md").read_text(encoding="utf-8") == documents.render_full_page(ROOT)


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
    readme.write_text(f"intro\n{documents.FINDINGS_START}\nSTALE\n{documents.FINDINGS_END}\nmiddle\n"
                      f"{documents.START}\nSTALE-ROW\n{documents.END}\noutro\n", encoding="utf-8")
    assert documents.refresh_readme(readme, tmp_path)
    text = readme.read_text(encoding="utf-8")
    assert "STALE" not in text and text.startswith("intro\n") and text.endswith("outro\n") and "\nmiddle\n" in text
    assert "| ours: baseline CNN @ validation threshold | 38 | 0.950 | 0.900 | 0.850 |" in text
    assert "| report: baseline CNN @ 0.5 | 38 | 0.523 | 0.342 | – |" in text
    full = (tmp_path / "docs" / "results.md").read_text(encoding="utf-8")
    assert "| Ours: baseline CNN @ 0.5 | 38 | 0.900 | 0.800 | 0.700 | 0.750 | 0.950 |" in full
    assert "@ validation threshold (0.420)" in full
    assert not documents.refresh_readme(readme, tmp_path), "a second refresh changes nothing"


def test_a_readme_without_markers_is_refused(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("no table here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="markers"):
        documents.refresh_readme(readme, tmp_path)


def test_each_file_says_where_it_came_from(tmp_path: Path) -> None:
    environment = {"device": "CPU: Example CPU (2 cores)", "tensorflow": "2.20.0", "keras": "3.13.2",
                   "keras_backend": "tensorflow", "python": "3.13.1", "precision": "float32", "seed": 23,
                   "git_commit": "abc123def456", "date": "2026-11-27", "wall_seconds": 42.4}
    copy_of_results(tmp_path, ("02_baseline_model",), lambda name, record: record.update(environment=environment))
    assert ("- `02_baseline_model`: CPU: Example CPU (2 cores); TensorFlow 2.20.0, Keras 3.13.2 (tensorflow), "
            "Python 3.13.1, float32; seed 23; commit abc123def456; 2026-11-27; 42 s"
            ) in documents.render_table(tmp_path)


@pytest.mark.parametrize("met", [True, False])
def test_the_targets_are_read_from_the_stored_verdicts(tmp_path: Path, met: bool) -> None:
    def change(name, record):
        if name == "04_stability":
            record["verdicts"]["stability"].update(met=met, sd_accuracy=0.0166)
        else:
            record["verdicts"]["leak_free_target"].update(met=met, mean_auc=0.981, p_value_auc_vs_pixel_logreg=0.01)

    text = documents.render_table(copy_of_results(tmp_path, ("04_stability", "07_repeated_splits"), change))
    verdict = "met." if met else "**not met**."
    assert f"training seeds 0.017 (target at most 0.015): {verdict}" in text
    assert "mean AUC 0.981 (target at least 0.98)" in text and f"p = 0.010 (below 0.05): {verdict}" in text


@pytest.mark.parametrize("chosen, ending", [("D", "the rule chose no change."), ("smoothing", "chose `smoothing`.")])
def test_the_levers_sentence_names_the_largest_gain_and_the_choice(chosen: str, ending: str) -> None:
    row = {"auc_gain_sd": 0.02, "splits_better": 3}
    levers = {"parameters": {"splits": 5}, "chosen": chosen, "summary": [
        {**row, "lever": "D", "auc_gain": 0.0}, {**row, "lever": "grey", "auc_gain": -0.011},
        {**row, "lever": "smoothing", "auc_gain": 0.014}]}
    sentence = documents.lever_sentence(levers)
    assert sentence.startswith("Of 2 changes") and "`smoothing` (+0.014, sd 0.020" in sentence
    assert "better on 3 of 5" in sentence and sentence.endswith(ending)
    if chosen != "D":
        later = documents.lever_sentence(levers, "D+ens2+tta")
        assert later.endswith("chose `smoothing`, measured on validation photos only: notebook 07 still evaluates "
                              "`D+ens2+tta`.")


def test_the_levers_sentence_sends_a_carried_choice_to_notebook_07() -> None:
    row = {"auc_gain_sd": 0.02, "splits_better": 5, "auc_gain": 0.02}
    levers = {"parameters": {"splits": 5, "scale": 0.25}, "chosen": "half+smoothing+sketch_add",
              "summary": [{**row, "lever": "D", "auc_gain": 0.0}, {**row, "lever": "half+smoothing+sketch_add"}]}
    carried = documents.lever_sentence(levers, "D+smooth+sketch+ens2+tta", 0.5)
    assert carried.endswith("which notebook 07 evaluates on its test folds as `D+smooth+sketch+ens2+tta` (the "
                            "leak-free numbers above).")
    for variant, scale in (("D+smooth+sketch+ens2+tta", 0.25), ("D+smooth+ens2+tta", 0.5),
                           ("D+smooth+std+sketch+ens2+tta", 0.5)):
        assert "still evaluates" in documents.lever_sentence(levers, variant, scale)


def test_a_choice_is_carried_only_as_the_variant_and_scale_the_study_makes_of_it() -> None:
    from helpers.studies import levers

    for name in ("D", "half", "quarter", "smoothing", "standardise", "sketch_add",
                 "half+standardise+smoothing+sketch_add"):
        variant, scale = levers.variant_of(name, 0.25, 2)
        assert documents.carries({"chosen": name, "parameters": {"scale": 0.25}}, variant, scale), name
        assert not documents.carries({"chosen": name, "parameters": {"scale": 0.25}}, variant, scale * 2), name
    assert not documents.carries({"chosen": "grey", "parameters": {"scale": 0.25}}, "D+ens2+tta", 0.25)
    assert not documents.carries({"chosen": "D", "parameters": {"scale": 0.25}}, "D+ema+ens2+tta", 0.25)


def test_refresh_all_regenerates_the_documents_and_reprints_the_deck(tmp_path: Path, monkeypatch, capsys) -> None:
    written = {}
    monkeypatch.setattr(documents.config, "project_root", lambda: tmp_path)
    monkeypatch.setattr(documents, "refresh_readme", lambda: written.setdefault("readme", True))
    monkeypatch.setattr(documents, "refresh_card", lambda: written.setdefault("card", False))
    monkeypatch.setattr(documents, "write_deck", lambda destination: written.setdefault("deck", destination))
    monkeypatch.setattr(documents, "print_deck", lambda page, pdf: written.setdefault("pdf", pdf))
    monkeypatch.setattr(browser, "find_chromium", lambda: "/usr/bin/chromium")
    documents.refresh_all()
    assert written == {"readme": True, "card": False, "deck": tmp_path / "build" / "slides.html",
                       "pdf": tmp_path / "docs" / "slides.pdf"}
    assert "MODEL_CARD.md already up to date" in capsys.readouterr().out
    monkeypatch.setattr(browser, "find_chromium", lambda: None)
    written.clear()
    documents.refresh_all()
    assert "pdf" not in written and "no Chromium" in capsys.readouterr().out

    def not_ready(*args):
        raise results_files.ResultsNotReadyError("results/04_final_model.json is missing")

    monkeypatch.setattr(documents, "refresh_card", not_ready)
    monkeypatch.setattr(documents, "write_deck", not_ready)
    documents.refresh_all()
    printed = capsys.readouterr().out
    assert "MODEL_CARD.md not regenerated: results/04" in printed and "docs/slides.pdf not regenerated" in printed


# ---- MODEL_CARD.md ------------------------------------------------------------------------------------------------

def test_the_committed_card_is_what_the_committed_results_say():
    assert (ROOT / documents.CARD).read_text(encoding="utf-8") == documents.render_card(ROOT), (
        "MODEL_CARD.md differs from the results files: run `python -m helpers.reporting.documents`")


def test_the_card_states_uses_data_metrics_and_failures():
    text = documents.render_card(ROOT)
    for heading in ("## Intended use", "## Uses it must not serve", "## Data", "## Metrics",
                    "## Known failure modes (notebook 05)", "## What would change with other data"):
        assert heading in text
    assert "Inferring anyone's sex or gender" in text and "Any decision about a person" in text
    errors = json.loads((ROOT / "results" / "05_error_analysis.json").read_text())["errors"]
    assert all(e["filename"] in text for e in errors)


def corrected_auc(honest: dict, method: str = "final_cnn_leak_free") -> tuple[float, float, float]:
    """The leak-free AUC's mean and Nadeau-Bengio interval, by hand from the per-split records."""
    values = [r["auc"] for r in honest["records"] if r["method"] == method]
    k = len(values)
    n_test = np.mean([r["n_test"] for r in honest["records"] if r["method"] == method])  # 37 or 38 per split
    n_train = (268 if method == "final_cnn_report" else 188) - n_test  # the images of the pool not tested on
    half = stats.t.ppf(0.975, k - 1) * np.std(values, ddof=1) * math.sqrt(1 / k + n_test / n_train)
    return float(np.mean(values)), float(np.mean(values) - half), float(np.mean(values) + half)


def test_the_card_shows_corrected_intervals_over_the_repeated_splits():
    text = documents.render_card(ROOT)
    honest = json.loads((ROOT / "results" / "07_repeated_splits.json").read_text())
    for method in ("final_cnn_leak_free", "final_cnn_report", "pixel_logreg"):
        mean, low, high = corrected_auc(honest, method)
        assert f"| {mean:.3f} [{low:.3f}, {high:.3f}] |" in text, method
    # the naive t-interval of the mean (too narrow: the training sets overlap) is nowhere in the card
    values = [r["auc"] for r in honest["records"] if r["method"] == "final_cnn_leak_free"]
    naive = stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values))
    assert f"[{np.mean(values) - naive:.3f}, {np.mean(values) + naive:.3f}]" not in text
    assert "95 % interval, Nadeau-Bengio corrected" in text and "(1/K + n_test/n_train)" in text
    assert "The leak, split by split" in text and "specificity" in text and "sensitivity" in text


def test_a_results_file_with_the_corrected_schema_gives_the_same_card(tmp_path: Path):
    shutil.copytree(ROOT / "results", tmp_path / "results")
    path = tmp_path / "results" / "07_repeated_splits.json"
    result = json.loads(path.read_text())
    _, low, high = corrected_auc(result)
    result["summary"]["final_cnn_leak_free"]["auc"].update(ci_low=low, ci_high=high)  # as a re-run now writes
    for record in result["records"]:
        record["specificity"] = 2 * record["balanced_accuracy"] - record["recall"]
        record["n_not_tested"] = (268 if record["method"] == "final_cnn_report" else 188) - record["n_test"]
    path.write_text(json.dumps(result))
    assert documents.render_card(tmp_path) == documents.render_card(ROOT)


def test_a_changed_result_changes_the_card(tmp_path: Path):
    shutil.copytree(ROOT / "results", tmp_path / "results")
    path = tmp_path / "results" / "04_final_model.json"
    result = json.loads(path.read_text())
    result["test_at_0.5"]["auc"] = 0.5
    path.write_text(json.dumps(result))
    assert "| 0.500 [" in documents.render_card(tmp_path)
    assert documents.refresh_card(tmp_path / "card.md", tmp_path) is True
    assert documents.refresh_card(tmp_path / "card.md", tmp_path) is False


def test_quick_results_are_refused(tmp_path: Path):
    shutil.copytree(ROOT / "results", tmp_path / "results")
    path = tmp_path / "results" / "07_repeated_splits.json"
    result = json.loads(path.read_text())
    result["quick"] = True  # the field every results file of a notebook holds
    path.write_text(json.dumps(result))
    with pytest.raises(results_files.ResultsNotReadyError, match="quick run"):
        documents.render_card(tmp_path)


def test_wilson_interval_by_hand():
    low, high = evaluation.wilson_interval(50, 54)
    # z = 1.959964; centre = (p + z^2/2n) / (1 + z^2/n), p = 50/54
    assert low == pytest.approx(0.8244, abs=1e-4) and high == pytest.approx(0.9708, abs=1e-4)
    assert evaluation.wilson_interval(0, 10)[0] == 0.0 and evaluation.wilson_interval(10, 10)[1] == pytest.approx(1.0)


def test_auc_interval_by_hand():
    # Hanley-McNeil: A = 0.9, 27 positives, 27 negatives -> Q1 = 0.8182, Q2 = 0.8526, SE = 0.04400
    low, high = evaluation.auc_interval(0.9, 27, 27)
    assert (high - low) / 2 == pytest.approx(1.959964 * 0.04400, abs=2e-4)
    assert high <= 1.0

