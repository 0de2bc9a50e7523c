"""Run the numbered notebooks in order, headless, with papermill, as one transaction (docs/development.md)."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from helpers import config
from helpers.reporting import documents

# What papermill records that changes at every run (times, absolute paths) and says nothing about results.
VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "exception", "input_path", "output_path")
# The files the end of a run in place rewrites from the results.
DOCUMENTS = ("README.md", "docs/results.md", "MODEL_CARD.md", "build/slides.html", "docs/slides.pdf")


def numbered_notebooks(folder: Path | None = None) -> list[Path]:
    """``NN_*.ipynb`` files of ``notebooks/``, in numeric order."""
    folder = folder or config.project_root() / "notebooks"
    return sorted(p for p in folder.iterdir() if re.fullmatch(r"\d{2}_.+\.ipynb", p.name))


def select(notebooks: list[Path], only: list[str] | None) -> list[Path]:
    """Keep the notebooks whose number (``01``) or name (``01_data_preparation``) is in ``only``."""
    if unknown := set(only or ()) - {key for nb in notebooks for key in (nb.name[:2], nb.stem)}:
        raise SystemExit(f"No notebook numbered or named {sorted(unknown)} in {notebooks[0].parent}.")
    return [nb for nb in notebooks if not only or {nb.name[:2], nb.stem} & set(only)]


def user_folder(value: str) -> str:
    """``value`` made absolute, ``~`` expanded: the kernels run in ``notebooks/``, where a relative path differs."""
    path = os.path.abspath(os.path.expanduser(value))
    if os.path.exists(path) and not os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"{path}: exists and is not a folder")
    return path


def run_notebook(notebook: Path, destination: Path, parameters: dict, failed_dir: Path) -> None:
    """Execute ``notebook`` into ``destination`` atomically; raise SystemExit naming the failing cell."""
    import papermill
    from nbclient.exceptions import DeadKernelError
    from traitlets.config import Config

    tmp = destination.with_name(f".{destination.stem}.running.ipynb")
    declared = papermill.inspect_notebook(str(notebook))  # a notebook without SEED (07) is not handed one
    try:
        with tempfile.TemporaryDirectory(prefix="cufs-kernel-") as sockets:
            # Local IPC sockets, not TCP (no unencrypted-transport warning); Windows has only TCP.
            ipc = {"transport": "ipc", "ip": os.path.join(sockets, "kernel")} if os.name != "nt" else {}
            papermill.execute_notebook(
                str(notebook), str(tmp), parameters={k: v for k, v in parameters.items() if k in declared},
                kernel_name="python3", cwd=str(notebook.parent), progress_bar=False, record_timing=False,
                config=Config(KernelManager=ipc))
    except (KeyboardInterrupt, SystemExit):
        tmp.unlink(missing_ok=True)
        raise
    except Exception as err:  # noqa: BLE001 - also a kernel that did not start, a timeout, a broken notebook file
        if isinstance(err, papermill.PapermillExecutionError):
            what = f"cell {err.exec_count} (index {err.cell_index}) raised {err.ename}: {err.evalue}"
        elif isinstance(err, DeadKernelError):
            what = (f"the kernel died while running {running_cell(tmp)}. This is usually the machine running out "
                    "of memory; close other programs or use a larger machine.")
        else:
            what = f"{type(err).__name__}: {err}"
        failed_dir.mkdir(parents=True, exist_ok=True)
        kept = shutil.move(tmp, failed_dir / notebook.name) if tmp.exists() else shutil.copy(notebook, failed_dir)
        raise SystemExit(f"FAILED {notebook.name}: {what}\n  The executed copy is kept at {kept}; "
                         f"{notebook} is unchanged.") from None
    strip_run_metadata(tmp)
    os.replace(tmp, destination)


def running_cell(executed: Path) -> str:
    """The cell that was running when ``executed`` was last saved: papermill stamps each cell as it starts."""
    import nbformat

    with contextlib.suppress(Exception):  # nothing was saved, or only part of it: no cell to name
        cells = nbformat.read(executed, as_version=4).cells
        number = max(n for n, c in enumerate(cells, start=1) if c.metadata.get("papermill", {}).get("start_time"))
        return f"cell {number} ({(cells[number - 1].source.strip().splitlines() or [''])[0][:80]!r})"
    return "a cell"


def strip_run_metadata(path: Path) -> None:
    """Remove per-run timestamps and paths, so that a re-run's diff shows only what changed (the parameters stay)."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    for key in VOLATILE_NOTEBOOK_KEYS:
        notebook.metadata.papermill.pop(key, None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill draws a random id for it at every run
    nbformat.write(notebook, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the numbered notebooks in order with papermill.")
    parser.add_argument("--data-dir", type=user_folder, help="photos folder or dataset root (default: "
                        f"${config.DATA_ENV_VAR}, then data/raw/, then a kagglehub download)")
    parser.add_argument("--seed", type=int, help=f"seed for splits, augmentation and training, 0 to "
                        f"{config.MAX_SEED} (default {config.SEED})")
    parser.add_argument("--output-dir", type=user_folder,
                        help="where figures/, results/ and data/ are written (default: the project)")
    parser.add_argument("--only", nargs="+", metavar="NN", help="run only these notebooks (numbers or names)")
    parser.add_argument("--executed-dir", type=user_folder, help="write executed notebooks here instead of in place "
                        "(and, unless --output-dir says otherwise, their figures and results too)")
    args = parser.parse_args(argv)
    if args.seed is not None and not 0 <= args.seed <= config.MAX_SEED:
        parser.error(f"--seed {args.seed} is out of range: a seed is an integer from 0 to {config.MAX_SEED:,} (NumPy "
                     "takes seeds below 2**32 and the notebooks add up to a few thousand to it for splits and members)")
    # The kernels inherit these: no progress bars in saved outputs, never the test suite's quick setting (the
    # pipeline makes the class's results), and the path variables made absolute like the options.
    quiet = {config.PROGRESS_ENV_VAR: "0", config.QUICK_ENV: "0"}
    quiet |= {name: os.path.abspath(os.path.expanduser(os.environ[name]))
              for name in (config.DATA_ENV_VAR, config.OUTPUT_ENV_VAR) if os.environ.get(name)}
    if args.data_dir and not Path(args.data_dir).is_dir():
        parser.error(f"--data-dir {args.data_dir}: no such folder")
    with mock.patch.dict(os.environ, quiet):
        args.output_dir = args.output_dir or args.executed_dir  # a run kept apart keeps its outputs apart too
        return run_all(args)


def run_all(args: argparse.Namespace) -> int:
    """Run the selected notebooks in order, then regenerate the documents from the results; all or nothing."""
    notebooks = select(numbered_notebooks(), args.only)
    destinations = [Path(args.executed_dir, notebook.name) if args.executed_dir else notebook for notebook in notebooks]
    given = {"DATA_DIR": args.data_dir, "SEED": args.seed, "OUTPUT_DIR": args.output_dir}
    parameters = {name: value for name, value in given.items() if value is not None}  # else the notebook's defaults
    output_root = config.output_root(args.output_dir)
    refresh = output_root == config.project_root()  # the documents describe the project's own results
    kept = [output_root / "figures", output_root / "results", *destinations,
            *([config.project_root() / name for name in DOCUMENTS] if refresh else [])]
    total = time.perf_counter()
    with all_or_nothing(kept, config.processed_dir(args.output_dir)):
        for notebook, destination in zip(notebooks, destinations, strict=True):
            destination.parent.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            try:
                run_notebook(notebook, destination, parameters, output_root / "data" / "failed_runs")
            except KeyboardInterrupt:  # Ctrl-C: one line instead of asyncio's traceback, and the shell's status
                print(f"\nInterrupted while running {notebook.name}: nothing was changed (the notebooks, figures "
                      "and results the run had written are put back as they were).", file=sys.stderr)
                raise SystemExit(130) from None
            print(f"ok  {notebook.name:<34} {time.perf_counter() - start:7.1f} s", flush=True)
        print(f"all {len(notebooks)} notebook(s) done in {time.perf_counter() - total:.1f} s")
        if refresh:
            documents.refresh_all()
    return 0


@contextlib.contextmanager
def all_or_nothing(paths: list[Path], scratch: Path) -> Iterator[None]:
    """Put ``paths`` (files or folders, present or not) back exactly as they were if the block raises anything:
    a run that stopped halfway would leave new results beside old documents."""
    saved = Path(tempfile.mkdtemp(prefix=".pipeline-snapshot-", dir=scratch))
    copies: dict[Path, Path] = {}
    terminate = signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill`, a CI timeout: as for Ctrl-C
    try:
        for path in dict.fromkeys(paths):
            copy = saved / str(len(copies))
            if path.is_dir():
                shutil.copytree(path, copy, symlinks=True)
            elif path.exists():
                shutil.copy2(path, copy)
            copies[path] = copy  # no copy: the path did not exist, and must not after a failure
        yield
    except BaseException:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop the restore halfway
        try:
            for path, copy in copies.items():
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
                if os.path.lexists(copy):
                    shutil.move(copy, path)
        finally:
            signal.signal(signal.SIGINT, previous)
        raise
    finally:
        shutil.rmtree(saved, ignore_errors=True)
        signal.signal(signal.SIGTERM, terminate)


if __name__ == "__main__":
    sys.exit(main())
