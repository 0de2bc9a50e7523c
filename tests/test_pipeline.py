"""The headless runner: finding notebooks, selecting them, and failing loudly without damage."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers import config
from helpers.infra import pipeline


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_successful_run_injects_the_parameters(tmp_path: Path) -> None:
    notebook = tmp_path / "01_ok.ipynb"
    _write_notebook(notebook, "SEED = 23", "print(SEED * 2)")
    pipeline.run_notebook(notebook, notebook, {"SEED": 5}, tmp_path / "failed")
    executed = nbformat.read(notebook, as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert printed.strip() == "10"


# ---- paths, arguments, faults ---------------------------------------------------------------------------


def test_relative_paths_are_taken_from_where_the_command_runs(tmp_path: Path, monkeypatch) -> None:
    import os

    seen = {}

    def fake_run(notebook, destination, parameters, failed_dir):
        seen.update(destination=destination, parameters=parameters, cufs_dir=os.environ["CUFS_DIR"])

    (tmp_path / "data" / "raw").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CUFS_DIR", "../cufs")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(pipeline, "run_notebook", fake_run)
    monkeypatch.setattr(pipeline, "numbered_notebooks", lambda folder=None: [tmp_path / "01_x.ipynb"])
    assert pipeline.main(["--data-dir", "data/raw", "--output-dir", "out", "--executed-dir", "~/executed"]) == 0
    assert seen["parameters"] == {"DATA_DIR": str(tmp_path / "data" / "raw"), "OUTPUT_DIR": str(tmp_path / "out")}
    assert seen["destination"] == tmp_path / "home" / "executed" / "01_x.ipynb"
    assert seen["cufs_dir"] == str(tmp_path.parent / "cufs")
    assert os.environ["CUFS_DIR"] == "../cufs", "the shell's variables are left as they were"


@pytest.mark.slow
def test_relative_paths_reach_the_kernel_as_meant(tmp_path: Path, monkeypatch) -> None:
    # The kernel runs inside notebooks/; the user ran the command from the project root.
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    (project / "mydata").mkdir()
    (project / "env-data").mkdir()
    notebook = project / "notebooks" / "01_paths.ipynb"
    _write_notebook(notebook, "DATA_DIR = None\nOUTPUT_DIR = None",
                    "import os\nfrom pathlib import Path\nassert Path(DATA_DIR).is_dir(), DATA_DIR\n"
                    "assert Path(os.environ['CUFS_DIR']).is_dir(), os.environ['CUFS_DIR']\n"
                    "Path(OUTPUT_DIR).mkdir(parents=True, exist_ok=True)\n"
                    "(Path(OUTPUT_DIR) / 'marker').write_text('x')")
    monkeypatch.chdir(project)
    monkeypatch.setenv("CUFS_DIR", "env-data")
    monkeypatch.setattr(pipeline, "numbered_notebooks", lambda folder=None: [notebook])
    assert pipeline.main(["--data-dir", "mydata", "--output-dir", "out"]) == 0
    assert (project / "out" / "marker").is_file()
    assert not (project / "notebooks" / "out").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["--seed", "-5"], "out of range"),
    (["--seed", "4294967296"], "out of range"),
    (["--seed", str(config.MAX_SEED + 1)], "out of range"),
    (["--seed", "abc"], "invalid int value"),
    (["--data-dir", "no/such/folder"], "no such folder"),
])
def test_bad_arguments_are_refused_before_anything_runs(argv, message, capsys, monkeypatch) -> None:
    monkeypatch.setattr(pipeline, "run_notebook", lambda *a, **k: pytest.fail("nothing may run"))
    with pytest.raises(SystemExit) as exit_info:
        pipeline.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_largest_seed_leaves_room_for_every_derived_seed(tmp_path: Path, monkeypatch) -> None:
    """The notebooks add the split number, 1000 per ensemble member and 500 for sketches to the seed; NumPy,
    scikit-learn and Keras must take every such seed derived from the largest one the runner accepts."""
    import keras
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    seen = {}
    monkeypatch.setattr(pipeline, "run_notebook", lambda notebook, destination, parameters, _: seen.update(parameters))
    monkeypatch.setattr(pipeline, "numbered_notebooks", lambda folder=None: [tmp_path / "01_x.ipynb"])
    assert pipeline.main(["--seed", str(config.MAX_SEED), "--executed-dir", str(tmp_path / "run")]) == 0
    assert seen["SEED"] == config.MAX_SEED
    largest = config.MAX_SEED + 99 + 1000 * 9 + 500 + 3  # 100 splits, 10 members: far beyond the notebooks'
    keras.utils.set_random_seed(largest)
    np.random.default_rng(largest)
    next(StratifiedKFold(2, shuffle=True, random_state=largest).split(np.zeros(4), [0, 1, 0, 1]))


@pytest.mark.slow
def test_a_notebook_gets_only_the_parameters_it_declares(tmp_path: Path) -> None:
    """07 has no SEED: handing it one would make papermill warn about an unknown parameter at every run."""
    notebook, destination = tmp_path / "07_reads.ipynb", tmp_path / "out" / "07_reads.ipynb"
    _write_notebook(notebook, "OUTPUT_DIR = None", "assert 'SEED' not in globals(), 'SEED was injected'\nx = 1")
    destination.parent.mkdir()
    pipeline.run_notebook(notebook, destination, {"SEED": 29, "OUTPUT_DIR": str(tmp_path)}, tmp_path / "failed")
    executed = nbformat.read(destination, as_version=4)
    injected = [c.source for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "OUTPUT_DIR" in injected[0] and "SEED" not in injected[0]


def test_output_dir_that_is_a_file_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit):
        pipeline.main(["--output-dir", str(tmp_path / "file")])
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.slow
def test_a_dead_kernel_names_the_notebook_and_the_cell(tmp_path: Path) -> None:
    notebook = tmp_path / "04_dies.ipynb"
    _write_notebook(notebook, "SEED = 23", "x = 1", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "y = 2")
    before = notebook.read_bytes()
    with pytest.raises(SystemExit) as failure:
        pipeline.run_notebook(notebook, notebook, {}, tmp_path / "failed")
    message = str(failure.value)
    assert message.startswith("FAILED 04_dies.ipynb: the kernel died while running cell 3")
    assert "out of memory" in message
    assert notebook.read_bytes() == before
    assert (tmp_path / "failed" / "04_dies.ipynb").is_file()
    assert not list(tmp_path.glob(".*running*"))


@pytest.mark.slow
def test_kernels_run_without_the_unencrypted_tcp_warning(tmp_path: Path, capfd) -> None:
    notebook = tmp_path / "01_ok.ipynb"
    _write_notebook(notebook, "SEED = 23", "print('hello')")
    pipeline.run_notebook(notebook, notebook, {}, tmp_path / "failed")
    captured = capfd.readouterr()
    assert "without encryption" not in captured.out + captured.err


@pytest.mark.slow
def test_run_metadata_that_changes_every_run_is_stripped(tmp_path: Path) -> None:
    notebook = tmp_path / "01_ok.ipynb"
    _write_notebook(notebook, "SEED = 23", "print(SEED)")
    pipeline.run_notebook(notebook, notebook, {"SEED": 7}, tmp_path / "failed")
    executed = nbformat.read(notebook, as_version=4)
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in executed.cells)
    run = executed.metadata["papermill"]
    assert run["parameters"] == {"SEED": 7}
    assert not set(pipeline.VOLATILE_NOTEBOOK_KEYS) & set(run)
    first = notebook.read_bytes()
    pipeline.run_notebook(notebook, notebook, {"SEED": 7}, tmp_path / "failed")
    assert notebook.read_bytes() == first, "a re-run with the same results must leave the file byte-identical"


def test_executed_dir_keeps_the_whole_run_apart(tmp_path: Path, monkeypatch) -> None:
    seen = {}

    def fake_run(notebook, destination, parameters, failed_dir):
        seen.update(destination=destination, parameters=parameters)

    monkeypatch.setattr(pipeline, "run_notebook", fake_run)
    monkeypatch.setattr(pipeline, "numbered_notebooks", lambda folder=None: [tmp_path / "01_x.ipynb"])

    def left_alone() -> None:
        pytest.fail("the project's documents are left alone")

    monkeypatch.setattr(pipeline.documents, "refresh_all", left_alone)
    assert pipeline.main(["--executed-dir", str(tmp_path / "run")]) == 0
    assert seen["destination"] == tmp_path / "run" / "01_x.ipynb"
    assert seen["parameters"] == {"OUTPUT_DIR": str(tmp_path / "run")}, "figures and results go there too"


@pytest.mark.parametrize("path", pipeline.numbered_notebooks(), ids=lambda p: p.name)
def test_committed_notebooks_hold_no_per_run_metadata(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    assert not set(pipeline.VOLATILE_NOTEBOOK_KEYS) & set(notebook.metadata.get("papermill", {}))
    assert all(not {"papermill", "execution"} & set(cell.metadata) for cell in notebook.cells)


# ---- a failed or interrupted run leaves the tree as it was ----------------------------------------------------

WRITE = ("import os\nfrom pathlib import Path\nout = Path(os.environ['CUFS_OUTPUT_DIR'])\n"
         "def write(name, data):\n    (out / name).parent.mkdir(parents=True, exist_ok=True)\n"
         "    (out / name).write_bytes(data)\n")


def _three_notebooks(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """01 writes a new figure and rewrites a results file, 02 rewrites another and writes a figure in a new
    folder, 03 raises; the output root already holds figures and results of an earlier run."""
    folder, out = tmp_path / "notebooks", tmp_path / "out"
    folder.mkdir()
    _write_notebook(folder / "01_a.ipynb", "SEED = 23", WRITE,
                    "write('figures/01_new.png', b'new')\nwrite('results/01.json', b'{\"run\": 2}')")
    _write_notebook(folder / "02_b.ipynb", "SEED = 23", WRITE,
                    "write('results/02.json', b'{\"run\": 2}')\nwrite('figures/02/curves.png', b'new')")
    _write_notebook(folder / "03_c.ipynb", "SEED = 23", "raise ValueError('boom')")
    for name, data in {"figures/old.png": b"old", "results/01.json": b'{"run": 1}', "results/02.json": b'{"run": 1}',
                       "results/archive/01.json": b'{"run": 0}'}.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    monkeypatch.setenv("CUFS_OUTPUT_DIR", str(out))
    monkeypatch.setattr(pipeline, "numbered_notebooks", lambda _=None: sorted(folder.glob("*.ipynb")))
    return folder, out


def _tree(tmp_path: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``tmp_path``, except the git-ignored data/ of the output."""
    return {str(p.relative_to(tmp_path)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(tmp_path.rglob("*")) if p.relative_to(tmp_path).parts[:2] != ("out", "data")}


def _snapshots_left(out: Path) -> list[Path]:
    return list((out / "data").rglob(".pipeline-snapshot-*"))


@pytest.mark.slow
def test_a_failing_notebook_undoes_what_the_earlier_ones_wrote(tmp_path: Path, monkeypatch) -> None:
    folder, out = _three_notebooks(tmp_path, monkeypatch)
    before = _tree(tmp_path)
    with pytest.raises(SystemExit) as failure:
        pipeline.main([])
    assert "FAILED 03_c.ipynb" in str(failure.value)
    assert _tree(tmp_path) == before, "every notebook, figure and results file as before the run, nothing new"
    assert (out / "data" / "failed_runs" / "03_c.ipynb").is_file(), "the failed copy is still kept"
    assert not _snapshots_left(out)


def test_ctrl_c_undoes_the_run_and_exits_130(tmp_path: Path, monkeypatch, capsys) -> None:
    folder, out = _three_notebooks(tmp_path, monkeypatch)
    before = _tree(tmp_path)

    def runner(notebook, destination, parameters, failed_dir):  # what the notebooks write, without kernels
        (out / "results" / f"{notebook.name[:2]}.json").write_text('{"run": 2}')
        (out / "figures" / notebook.stem).mkdir()
        (out / "figures" / notebook.stem / "new.png").write_bytes(b"new")
        if notebook.name.startswith("02"):
            raise KeyboardInterrupt
        destination.write_text("executed")

    monkeypatch.setattr(pipeline, "run_notebook", runner)
    with pytest.raises(SystemExit) as stopped:
        pipeline.main([])
    assert stopped.value.code == 130
    message = capsys.readouterr().err
    assert "Interrupted while running 02_b.ipynb" in message and "nothing was changed" in message
    assert len(message.strip().splitlines()) == 1, "one line, no traceback"
    assert _tree(tmp_path) == before
    assert not _snapshots_left(out)


def test_sigterm_undoes_the_run_like_ctrl_c(tmp_path: Path, monkeypatch, capsys) -> None:
    """`kill` or a CI timeout: the run is undone and no snapshot is left behind."""
    import os
    import signal

    folder, out = _three_notebooks(tmp_path, monkeypatch)
    before = _tree(tmp_path)

    def runner(notebook, destination, parameters, failed_dir):
        (out / "results" / f"{notebook.name[:2]}.json").write_text('{"run": 2}')
        if notebook.name.startswith("02"):
            os.kill(os.getpid(), signal.SIGTERM)
        destination.write_text("executed")

    monkeypatch.setattr(pipeline, "run_notebook", runner)
    with pytest.raises(SystemExit) as stopped:
        pipeline.main([])
    assert stopped.value.code == 130 and "nothing was changed" in capsys.readouterr().err
    assert _tree(tmp_path) == before
    assert not _snapshots_left(out)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is only there during a run


def test_a_failure_while_regenerating_the_documents_restores_them(tmp_path: Path, monkeypatch) -> None:
    folder, out = _three_notebooks(tmp_path, monkeypatch)
    project = out  # the documents are regenerated only when the run writes into the project itself
    for name in ("README.md", "MODEL_CARD.md", "docs/results.md", "docs/slides.pdf"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(f"old {name}")
    monkeypatch.setattr(pipeline.config, "project_root", lambda: project)
    before = _tree(tmp_path)

    def rewrite(*names, base=project):
        for name in names:
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_text("new")

    monkeypatch.setattr(pipeline, "run_notebook", lambda nb, *_: rewrite(f"results/{nb.name[:2]}.json", base=out))

    def broken_documents():
        rewrite("README.md", "docs/results.md", "MODEL_CARD.md", "build/slides.html", "docs/slides.pdf")
        raise RuntimeError("the browser crashed")

    monkeypatch.setattr(pipeline.documents, "refresh_all", broken_documents)
    with pytest.raises(RuntimeError, match="browser crashed"):
        pipeline.main([])
    after = _tree(tmp_path)
    assert after.pop("out/build") is None, "a folder outside figures/ and results/ may stay, empty"
    assert after == before
    assert not _snapshots_left(out)


@pytest.mark.slow
def test_a_successful_run_keeps_its_outputs_and_no_snapshot(tmp_path: Path, monkeypatch) -> None:
    folder, out = _three_notebooks(tmp_path, monkeypatch)
    before = _tree(tmp_path)
    assert pipeline.main(["--only", "01", "02"]) == 0
    assert (out / "figures" / "01_new.png").read_bytes() == b"new"
    assert (out / "figures" / "02" / "curves.png").read_bytes() == b"new"
    assert (out / "results" / "01.json").read_bytes() == (out / "results" / "02.json").read_bytes() == b'{"run": 2}'
    assert (out / "figures" / "old.png").read_bytes() == b"old"
    assert (folder / "01_a.ipynb").read_bytes() != before["notebooks/01_a.ipynb"], "executed in place"
    assert (folder / "03_c.ipynb").read_bytes() == before["notebooks/03_c.ipynb"]
    assert not _snapshots_left(out)
