"""Run every numbered notebook in order, headless, with papermill.

    python -m helpers.pipeline                     # all notebooks, in place
    python -m helpers.pipeline --only 01 02        # some of them
    python -m helpers.pipeline --data-dir PATH --seed 23 --output-dir /tmp/run

Notebooks are found by their numbers (``notebooks/NN_name.ipynb``). Each is executed to
a temporary file and moved over the original only when it succeeds, so a failure never
leaves a half-run notebook behind; the failed copy is kept under ``data/failed_runs/``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from pathlib import Path

from . import config
from .data import PROGRESS_ENV_VAR

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


def run_notebook(notebook: Path, destination: Path, parameters: dict, failed_dir: Path) -> None:
    """Execute ``notebook`` into ``destination`` atomically; raise SystemExit naming the failing cell."""
    import papermill

    tmp = destination.with_name(f".{destination.stem}.running.ipynb")
    try:
        papermill.execute_notebook(
            str(notebook), str(tmp), parameters=parameters, kernel_name="python3",
            cwd=str(notebook.parent), progress_bar=False, log_output=False,
        )
    except papermill.PapermillExecutionError as err:
        failed_dir.mkdir(parents=True, exist_ok=True)
        kept = failed_dir / notebook.name
        shutil.move(tmp, kept)
        raise SystemExit(
            f"FAILED {notebook.name}: cell {err.exec_count} (index {err.cell_index}) raised "
            f"{err.ename}: {err.evalue}\n  The executed copy is kept at {kept}; {notebook} is unchanged."
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, destination)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the numbered notebooks in order with papermill.")
    parser.add_argument("--data-dir", help=f"photos folder or dataset root (default: ${config.DATA_ENV_VAR}, "
                        "then data/raw/, then a kagglehub download)")
    parser.add_argument("--seed", type=int, help=f"seed for splits, augmentation and training (default {config.SEED})")
    parser.add_argument("--output-dir", help="where figures/, results/ and data/ are written (default: the project)")
    parser.add_argument("--only", nargs="+", metavar="NN", help="run only these notebooks (numbers or names)")
    parser.add_argument("--executed-dir", help="write executed notebooks here instead of in place")
    parser.add_argument("--no-readme", action="store_true", help="do not refresh the README's results table")
    args = parser.parse_args(argv)

    os.environ[PROGRESS_ENV_VAR] = "0"  # the kernels inherit it: no progress bars in saved outputs
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # nor TensorFlow's C++ chatter on the terminal
    notebooks = select(numbered_notebooks(), args.only)
    parameters = notebook_parameters(args)
    target_dir = Path(args.executed_dir).resolve() if args.executed_dir else None
    failed_dir = config.output_root(args.output_dir) / "data" / "failed_runs"
    total = time.perf_counter()
    for notebook in notebooks:
        destination = (target_dir / notebook.name) if target_dir else notebook
        if target_dir:
            target_dir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        run_notebook(notebook, destination, parameters, failed_dir)
        print(f"ok  {notebook.name:<34} {time.perf_counter() - start:7.1f} s", flush=True)
    print(f"all {len(notebooks)} notebook(s) done in {time.perf_counter() - total:.1f} s")
    if not args.output_dir and not args.executed_dir and not args.no_readme:
        from . import results_table

        changed = results_table.refresh_readme()
        print("README.md results table " + ("refreshed" if changed else "already up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
