"""The headless runner: finding notebooks, selecting them, and failing loudly without damage."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers import pipeline, results_table, storage


def _write_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_numbered_notebooks_are_sorted_and_others_ignored(tmp_path: Path) -> None:
    for name in ("10_last.ipynb", "02_b.ipynb", "01_a.ipynb", "scratch.ipynb", "1_bad.ipynb"):
        _write_notebook(tmp_path / name, "SEED = 23")
    assert [p.name for p in pipeline.numbered_notebooks(tmp_path)] == ["01_a.ipynb", "02_b.ipynb", "10_last.ipynb"]


def test_select_by_number_or_name_and_reject_unknown(tmp_path: Path) -> None:
    paths = [tmp_path / "01_a.ipynb", tmp_path / "02_b.ipynb"]
    assert pipeline.select(paths, ["02"]) == [paths[1]]
    assert pipeline.select(paths, ["01_a"]) == [paths[0]]
    assert pipeline.select(paths, None) == paths
    with pytest.raises(SystemExit, match="07"):
        pipeline.select(paths, ["07"])


def test_a_failing_notebook_names_its_cell_and_stays_unchanged(tmp_path: Path) -> None:
    notebook = tmp_path / "01_fails.ipynb"
    _write_notebook(notebook, "SEED = 23", "x = SEED + 1", "raise ValueError('boom')")
    before = notebook.read_bytes()
    with pytest.raises(SystemExit) as failure:
        pipeline.run_notebook(notebook, notebook, {"SEED": 5}, tmp_path / "failed")
    message = str(failure.value)
    assert "01_fails.ipynb" in message and "ValueError" in message and "boom" in message
    assert "cell" in message
    assert notebook.read_bytes() == before
    assert (tmp_path / "failed" / "01_fails.ipynb").is_file()
    assert not list(tmp_path.glob(".*running*"))


def test_a_successful_run_injects_the_parameters(tmp_path: Path) -> None:
    notebook = tmp_path / "01_ok.ipynb"
    _write_notebook(notebook, "SEED = 23", "print(SEED * 2)")
    pipeline.run_notebook(notebook, notebook, {"SEED": 5}, tmp_path / "failed")
    executed = nbformat.read(notebook, as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert printed.strip() == "10"


def test_parameters_only_include_what_was_given() -> None:
    args = pipeline.argparse.Namespace(data_dir=None, seed=7, output_dir=None)
    assert pipeline.notebook_parameters(args) == {"SEED": 7}


def test_results_table_is_generated_from_results_files(tmp_path: Path) -> None:
    metrics = {"accuracy": 0.9, "precision": 0.8, "recall": 0.7, "f1": 0.75, "auc": 0.95}
    storage.save_json(tmp_path / "results" / "02_baseline_model.json", {
        "split_sizes": {"test": 38}, "threshold": 0.42, "test_at_0.5": metrics, "test_at_threshold": metrics,
    })
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{results_table.START}\nSTALE-ROW\n{results_table.END}\noutro\n", encoding="utf-8")
    assert results_table.refresh_readme(readme, tmp_path)
    text = readme.read_text(encoding="utf-8")
    assert "STALE-ROW" not in text and text.startswith("intro\n") and text.endswith("outro\n")
    assert "| Ours: baseline CNN @ 0.5 | 38 | 0.900 | 0.800 | 0.700 | 0.750 | 0.950 |" in text
    assert "| Report: baseline CNN @ 0.5 | 38 | 0.342 | 0.342 | – | 0.510 | 0.523 |" in text
    assert not results_table.refresh_readme(readme, tmp_path), "a second refresh changes nothing"


def test_readme_without_markers_is_refused(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("no table here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="markers"):
        results_table.refresh_readme(readme, tmp_path)
