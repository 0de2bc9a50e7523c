"""Reading the results files that summaries (the deck, the model card, the README) are built from.

Light on purpose: JSON and the standard library only, so that ``make slides`` runs without TensorFlow or the
scientific stack.
"""

from __future__ import annotations

import os
import statistics
from typing import Any

from . import config, storage


class ResultsNotReadyError(RuntimeError):
    """Results a summary needs are missing, come from a quick run, or predate a step; says what to run."""


def full_run_results(names: tuple[str, ...], root: str | os.PathLike | None = None,
                     required_keys: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The named results files of a full run, refused when missing, written by a quick (smoke-test) run, or
    lacking a key in ``required_keys`` (``{name: key}``, e.g. a step added after they were written)."""
    folder = config.results_dir(root)
    results = {}
    for name in names:
        path = folder / f"{name}.json"
        if not path.is_file():
            raise ResultsNotReadyError(f"{path} is missing: run `make pipeline` (or restore the committed results "
                                       "with `git checkout results/`).")
        result = storage.load_json(path)
        if result.get("quick") or result.get("parameters", {}).get("QUICK"):
            raise ResultsNotReadyError(f"{path} was written by a quick run (a smoke test, not evidence): run "
                                       "`make pipeline` to produce full results.")
        results[name] = result
    for name, key in (required_keys or {}).items():
        if key not in results[name]:
            raise ResultsNotReadyError(f"{folder / name}.json has no '{key}': it predates that step. Run "
                                       "`make pipeline`.")
    return results


def spread_over_splits(records: list[dict[str, Any]], method: str, metric: str) -> dict[str, float]:
    """Mean, sd (n - 1), min, max and count of one method's metric over the per-split records of a results
    file (notebook 06's ``records``)."""
    values = [float(r[metric]) for r in records if r["method"] == method]
    if not values:
        raise ResultsNotReadyError(f"no per-split '{metric}' for {method!r} in the records: run `make pipeline`.")
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values), "n": len(values)}
