"""Run every numbered notebook in order, headless, with papermill.

    python -m helpers.infra.pipeline                     # all notebooks, in place
    python -m helpers.infra.pipeline --only 01 02        # some of them
    python -m helpers.infra.pipeline --data-dir PATH --seed 23 --output-dir /tmp/run

Notebooks are found by their numbers (``notebooks/NN_name.ipynb``). Each is executed to
a temporary file and moved over the original only when it succeeds; the failed copy is kept under
``data/failed_runs/``. The whole run is one transaction (``all_or_nothing``): the output root's
``figures/`` and ``results/``, the notebooks it runs and the documents it regenerates at the end are
copied first and put back exactly as they were if a notebook fails, Ctrl-C stops the run or anything
else goes wrong, so a failed run leaves the tree as it found it.

Paths given to the runner (``--data-dir``, ``--output-dir``, ``--executed-dir``, and ``$CUFS_DIR`` /
``$CUFS_OUTPUT_DIR``) are resolved against the folder the command was run from before the kernels
(which run inside ``notebooks/``) see them. Kernels talk to the runner over local IPC sockets, not TCP.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from helpers import config
from helpers.config import PROGRESS_ENV_VAR
from helpers.reporting import results

NOTEBOOK_PATTERN = re.compile(r"^(\d{2})_.+\.ipynb$")


def numbered_notebooks(folder: Path | None = None) -> list[Path]:
    """``NN_*.ipynb`` files of ``notebooks/``, in numeric order."""
    folder = folder or config.project_root() / "notebooks"
    return sorted(p for p in folder.iterdir() if NOTEBOOK_PATTERN.match(p.name))


def select(notebooks: list[Path], only: list[str] | None) -> list[Path]:
    """Keep the notebooks whose number (``01``) or name (``01_data_preparation``) is in ``only``."""
    if not only:
        return notebooks
    wanted = set(only)
    chosen = [nb for nb in notebooks if nb.name[:2] in wanted or nb.stem in wanted]
    unknown = wanted - {nb.name[:2] for nb in chosen} - {nb.stem for nb in chosen}
    if unknown:
        raise SystemExit(f"No notebook numbered or named {sorted(unknown)} in {notebooks[0].parent}.")
    return chosen


def notebook_parameters(args: argparse.Namespace) -> dict:
    """Only the parameters the user gave: the notebooks' own defaults stay visible otherwise."""
    given = {"DATA_DIR": args.data_dir, "SEED": args.seed, "OUTPUT_DIR": args.output_dir}
    return {name: value for name, value in given.items() if value is not None}


def absolute_from_cwd(value: str | os.PathLike) -> str:
    """A user's path, made absolute against the folder the command was run from (``~`` expanded)."""
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else Path.cwd() / path)


def resolve_user_paths(args: argparse.Namespace, environ: dict | None = None) -> None:
    """Make every path argument and ``$CUFS_DIR``/``$CUFS_OUTPUT_DIR`` absolute, in place.

    The kernels run with ``notebooks/`` as their working folder, so a relative path would otherwise
    point somewhere else than the user meant.
    """
    environ = os.environ if environ is None else environ
    for name in ("data_dir", "output_dir", "executed_dir"):
        if getattr(args, name):
            setattr(args, name, absolute_from_cwd(getattr(args, name)))
    for variable in (config.DATA_ENV_VAR, config.OUTPUT_ENV_VAR):
        if environ.get(variable):
            environ[variable] = absolute_from_cwd(environ[variable])


def seed_value(text: str) -> int:
    """argparse type for ``--seed``: an integer that NumPy and Keras accept as a seed."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= config.MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"{value} is out of range: a seed is an integer from 0 to {config.MAX_SEED:,} (NumPy takes seeds below "
            "2**32 and the notebooks add up to a few thousand to yours for splits and ensemble members)")
    return value


def check_paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse, before anything runs, a data folder that does not exist and output paths that are files."""
    if args.data_dir and not Path(args.data_dir).is_dir():
        parser.error(f"--data-dir {args.data_dir}: no such folder")
    for option in ("output_dir", "executed_dir"):
        value = getattr(args, option)
        if value and Path(value).exists() and not Path(value).is_dir():
            parser.error(f"--{option.replace('_', '-')} {value}: exists and is not a folder")


@contextlib.contextmanager
def ipc_kernel_manager() -> Iterator[object | None]:
    """A kernel manager on local IPC sockets (no TCP, hence no unencrypted-transport warning).

    Windows has no IPC transport: there the default manager (TCP on localhost) is used.
    """
    if os.name == "nt":
        yield None
        return
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    with tempfile.TemporaryDirectory(prefix="cufs-kernel-") as sockets:
        # The asynchronous manager, as nbclient's own: a blocking one would stall its event loop.
        manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
        try:
            yield manager
        finally:
            if manager.has_kernel:
                run_sync(manager.shutdown_kernel)(now=True)


def running_cell(executed: Path) -> tuple[int, str] | None:
    """The 1-based number and first line of the cell that was running when ``executed`` was last saved."""
    import nbformat

    try:
        notebook = nbformat.read(executed, as_version=4)
    except Exception:  # noqa: BLE001 - nothing was saved, or only part of it: no cell to name
        return None
    started = [(cell.metadata.get("papermill", {}).get("start_time") or "", number, cell)
               for number, cell in enumerate(notebook.cells, start=1) if cell.cell_type == "code"]
    started = [item for item in started if item[0]]
    if not started:
        return None
    _, number, cell = max(started, key=lambda item: item[0])
    return number, (cell.source.strip().splitlines() or [""])[0][:80]


def keep_failed_copy(tmp: Path, notebook: Path, failed_dir: Path) -> Path:
    """Move the executed copy (or, if the kernel died before anything was saved, the input) to ``failed_dir``."""
    failed_dir.mkdir(parents=True, exist_ok=True)
    kept = failed_dir / notebook.name
    if tmp.exists():
        shutil.move(tmp, kept)
    else:
        shutil.copyfile(notebook, kept)
    return kept


# What papermill records that changes at every run (times, absolute paths) and says nothing about results.
VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "exception", "input_path", "output_path")
VOLATILE_CELL_KEYS = ("papermill", "execution")


def strip_run_metadata(path: Path) -> None:
    """Remove per-run timestamps and paths from an executed notebook, so that a re-run's diff shows only
    what really changed (the parameters papermill injected stay recorded)."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    run = notebook.metadata.get("papermill", {})
    for key in VOLATILE_NOTEBOOK_KEYS:
        run.pop(key, None)
    for cell in notebook.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill draws a random id for it at every run
    nbformat.write(notebook, path)


def run_notebook(notebook: Path, destination: Path, parameters: dict, failed_dir: Path) -> None:
    """Execute ``notebook`` into ``destination`` atomically; raise SystemExit naming the failing cell."""
    import papermill
    from nbclient.exceptions import DeadKernelError

    tmp = destination.with_name(f".{destination.stem}.running.ipynb")
    declared = papermill.inspect_notebook(str(notebook))  # a notebook without SEED (07) is not handed one
    parameters = {name: value for name, value in parameters.items() if name in declared}
    try:
        with ipc_kernel_manager() as manager:
            extra = {"km": manager} if manager is not None else {}
            papermill.execute_notebook(
                str(notebook), str(tmp), parameters=parameters, kernel_name="python3",
                cwd=str(notebook.parent), progress_bar=False, log_output=False, **extra,
            )
    except papermill.PapermillExecutionError as err:
        kept = keep_failed_copy(tmp, notebook, failed_dir)
        raise SystemExit(
            f"FAILED {notebook.name}: cell {err.exec_count} (index {err.cell_index}) raised "
            f"{err.ename}: {err.evalue}\n  The executed copy is kept at {kept}; {notebook} is unchanged."
        ) from None
    except DeadKernelError:
        cell = running_cell(tmp)
        kept = keep_failed_copy(tmp, notebook, failed_dir)
        where = f"cell {cell[0]} ({cell[1]!r})" if cell else "a cell"
        raise SystemExit(
            f"FAILED {notebook.name}: the kernel died while running {where}. This is usually the machine running "
            f"out of memory; close other programs or use a larger machine.\n  The executed copy is kept at {kept}; "
            f"{notebook} is unchanged."
        ) from None
    except (KeyboardInterrupt, SystemExit):
        tmp.unlink(missing_ok=True)
        raise
    except Exception as err:  # the kernel did not start, a timeout, a broken notebook file
        kept = keep_failed_copy(tmp, notebook, failed_dir)
        raise SystemExit(
            f"FAILED {notebook.name}: {type(err).__name__}: {err}\n  The copy is kept at {kept}; "
            f"{notebook} is unchanged."
        ) from None
    strip_run_metadata(tmp)
    os.replace(tmp, destination)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the numbered notebooks in order with papermill.")
    parser.add_argument("--data-dir", help=f"photos folder or dataset root (default: ${config.DATA_ENV_VAR}, "
                        "then data/raw/, then a kagglehub download)")
    parser.add_argument("--seed", type=seed_value,
                        help=f"seed for splits, augmentation and training, 0 to {config.MAX_SEED} "
                             f"(default {config.SEED})")
    parser.add_argument("--output-dir", help="where figures/, results/ and data/ are written (default: the project)")
    parser.add_argument("--only", nargs="+", metavar="NN", help="run only these notebooks (numbers or names)")
    parser.add_argument("--executed-dir", help="write executed notebooks here instead of in place (and, unless "
                        "--output-dir says otherwise, their figures, results and artifacts too)")
    parser.add_argument("--no-readme", action="store_true",
                        help="do not refresh the README's results table or MODEL_CARD.md")
    args = parser.parse_args(argv)
    resolve_user_paths(args)
    check_paths(parser, args)
    if args.executed_dir and not args.output_dir:
        args.output_dir = args.executed_dir  # a run kept apart keeps its figures, results and artifacts apart too

    os.environ[PROGRESS_ENV_VAR] = "0"  # the kernels inherit it: no progress bars in saved outputs
    # The pipeline makes the class's results: never the test suite's quick setting, whatever the shell exported.
    quick_before = os.environ.get(config.QUICK_ENV)
    os.environ[config.QUICK_ENV] = "0"
    try:
        return run_all(args)
    finally:
        if quick_before is None:
            os.environ.pop(config.QUICK_ENV, None)
        else:
            os.environ[config.QUICK_ENV] = quick_before


def regenerated_documents() -> list[Path]:
    """The files the end of a run in place rewrites from the results (README.md and docs/results.md by
    ``results_table.refresh_readme``, MODEL_CARD.md by ``model_card.refresh``, the deck by ``refresh_slides``)."""
    from helpers.reporting import deck, model_card, results_table

    root = config.project_root()
    return [root / "README.md", root / results_table.FULL_TABLE, root / model_card.CARD,
            root / deck.DEFAULT_OUTPUT, root / "docs" / "slides.pdf"]


@contextlib.contextmanager
def all_or_nothing(paths: list[Path], scratch: Path) -> Iterator[None]:
    """Put ``paths`` (files or folders, present or not) back exactly as they were if the block raises anything.

    A notebook writes its figures and results while it runs, and the README, the model card and the deck are
    regenerated from them only at the end: a run that stopped at notebook 05 would leave the results of 01-04
    new and the documents old, a tree that contradicts itself (and fails the tests that compare them). So the
    run is one transaction: the paths are copied into a hidden folder under ``scratch`` (git-ignored) first; on
    any failure (SystemExit, KeyboardInterrupt, an exception) what the run wrote or created there is removed and
    the copies are moved back; on success the copies are deleted. The caches under data/processed and data/models
    are not part of it: they are keyed by fingerprints, so what a failed run left there is still right.
    """
    saved = Path(tempfile.mkdtemp(prefix=".pipeline-snapshot-", dir=scratch))
    copies: dict[Path, Path] = {}
    # `kill` or a CI timeout sends SIGTERM, which would end Python without a restore: treat it like Ctrl-C.
    in_main = threading.current_thread() is threading.main_thread()
    terminate = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
    try:
        for number, path in enumerate(dict.fromkeys(paths)):
            copy = saved / str(number)
            if path.is_dir():
                shutil.copytree(path, copy, symlinks=True)
            elif path.exists():
                shutil.copy2(path, copy)
            copies[path] = copy  # no copy: the path did not exist, and must not after a failure
        yield
    except BaseException:
        # A second Ctrl-C must not stop the restore halfway.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            for path, copy in copies.items():
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
                if os.path.lexists(copy):
                    shutil.move(copy, path)
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
        raise
    finally:
        shutil.rmtree(saved, ignore_errors=True)
        if in_main:
            signal.signal(signal.SIGTERM, terminate)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_all(args: argparse.Namespace) -> int:
    """Run the selected notebooks in order, then refresh the README's table and the model card; all or nothing."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # nor TensorFlow's C++ chatter on the terminal
    notebooks = select(numbered_notebooks(), args.only)
    parameters = notebook_parameters(args)
    target_dir = Path(args.executed_dir).resolve() if args.executed_dir else None
    destinations = [(target_dir / notebook.name) if target_dir else notebook for notebook in notebooks]
    output_root = config.output_root(args.output_dir)
    failed_dir = output_root / "data" / "failed_runs"
    refresh = not args.output_dir and not args.executed_dir and not args.no_readme
    kept = [output_root / "figures", output_root / "results", *destinations,
            *(regenerated_documents() if refresh else [])]
    total = time.perf_counter()
    with all_or_nothing(kept, config.processed_dir(args.output_dir)):
        for notebook, destination in zip(notebooks, destinations, strict=True):
            destination.parent.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            try:
                run_notebook(notebook, destination, parameters, failed_dir)
            except KeyboardInterrupt:  # Ctrl-C: one line instead of asyncio's traceback, and the shell's status
                print(f"\nInterrupted while running {notebook.name}: nothing was changed (the notebooks, figures "
                      "and results the run had written are put back as they were).", file=sys.stderr)
                raise SystemExit(130) from None
            print(f"ok  {notebook.name:<34} {time.perf_counter() - start:7.1f} s", flush=True)
        print(f"all {len(notebooks)} notebook(s) done in {time.perf_counter() - total:.1f} s")
        if refresh:
            from helpers.reporting import results_table

            changed = results_table.refresh_readme()
            print("README.md results table " + ("refreshed" if changed else "already up to date"))
            refresh_model_card()
            refresh_slides()
    return 0


def refresh_slides() -> None:
    """Rebuild build/slides.html and docs/slides.pdf from the new results, so that the committed deck tells this
    run's story (skipped, with the reason, when the results are incomplete or no Chromium is installed)."""
    from helpers.infra import browser
    from helpers.reporting import deck, results

    try:
        page = deck.write(config.project_root() / deck.DEFAULT_OUTPUT)
    except results.ResultsNotReadyError as err:
        print(f"docs/slides.pdf not regenerated: {err}")
        return
    if browser.find_chromium() is None:
        print("docs/slides.pdf not regenerated: no Chromium (apt-get install chromium, then make slides)")
        return
    deck.save_pdf(page, config.project_root() / "docs" / "slides.pdf")
    print("docs/slides.pdf regenerated")


def refresh_model_card() -> None:
    """Regenerate MODEL_CARD.md from the results files (skipped, with the reason, when they are incomplete)."""
    from helpers.reporting import model_card

    try:
        changed = model_card.refresh()
    except results.ResultsNotReadyError as err:
        print(f"MODEL_CARD.md not regenerated: {err}")
        return
    print("MODEL_CARD.md " + ("regenerated" if changed else "already up to date"))


if __name__ == "__main__":
    sys.exit(main())
