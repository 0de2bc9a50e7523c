"""What to expect when notebook 02 is re-run: its baseline CNN on the report's split, over training seeds.

    python -m helpers.studies.baseline_seeds                  # 5 training seeds -> results/02_baseline_seeds.json
    python -m helpers.studies.baseline_seeds --runs 2 --epochs 2 --out /tmp/b.json   # a smoke run

Run ``r`` trains notebook 02's model and recipe (class weights, early stopping) with the training seed
``SEED + r`` on the split of seed ``SEED``, so run 0 is notebook 02's model. Each run is scored on the test
photos at 0.5 and at the threshold chosen on the validation photos. Notebook 07 reads the results: whether the
scores collapse to one side of 0.5 is a property of the draw, not of the recipe, and another CPU draws too.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from helpers import config, data, evaluation, experiments, training
from helpers.infra import environment
from helpers.reporting import results

RESULTS_NAME = "02_baseline_seeds"
METRICS = ("auc", "accuracy_at_0.5", "accuracy_at_threshold", "threshold", "called_female_at_0.5")


def score_run(seed: int, y_val: np.ndarray, val_scores: np.ndarray, y_test: np.ndarray,
              test_scores: np.ndarray) -> dict[str, Any]:
    """One run's test AUC, accuracies at 0.5 and at the validation threshold, and how many photos 0.5 calls female."""
    evaluated = evaluation.evaluate_with_validation_threshold(y_val, val_scores, y_test, test_scores)
    threshold = evaluated["threshold"]
    return {"seed": seed, "auc": evaluated["test_at_0.5"]["auc"],
            "accuracy_at_0.5": evaluated["test_at_0.5"]["accuracy"],
            "accuracy_at_threshold": evaluated["test_at_threshold"]["accuracy"], "threshold": threshold,
            "called_female_at_0.5": int(np.sum(test_scores >= 0.5)),
            "flipped_by_threshold": int(np.sum((test_scores >= 0.5) != (test_scores >= threshold))),
            "test_photos": len(y_test)}


def spread(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Mean, standard deviation (n - 1), minimum and maximum of each metric over the runs."""
    table = pd.DataFrame(rows)[list(METRICS)]
    return {f"{metric}_{stat}": float(table[metric].agg(stat)) for metric in METRICS
            for stat in ("mean", "std", "min", "max")}


def run(runs: int = 5, epochs: int | None = None, data_dir: str | None = None, seed: int = config.SEED,
        log=print) -> dict[str, Any]:
    """Train notebook 02's baseline ``runs`` times (training seeds ``seed``, ``seed + 1``, ...) on one split."""
    if runs < 2:
        raise ValueError("a spread needs at least 2 runs")
    started = time.perf_counter()
    images, labels = data.stack_images(data.prepared_photos(data_dir))
    splits = data.split_indices(labels, seed=seed)
    sets = {role: (images[index], labels[index]) for role, index in splits.items()}
    recipe = training.capped(training.BASELINE_RECIPE, epochs)
    rows = []
    for number in range(runs):
        model, history = experiments.train_baseline(sets["train"], sets["validation"], seed + number, recipe,
                                                    log_epochs=False)
        scores = {role: training.predict_scores(model, sets[role][0]) for role in ("validation", "test")}
        row = score_run(seed + number, sets["validation"][1], scores["validation"], sets["test"][1], scores["test"])
        rows.append({**row, "best_epoch": training.best_epoch(history, recipe),
                     "epochs_run": len(history.history["loss"])})
        keras.backend.clear_session()
        log(f"training seed {seed + number}: AUC {row['auc']:.3f} | accuracy at 0.5 {row['accuracy_at_0.5']:.3f} "
            f"| at the validation threshold {row['threshold']:.3f}: {row['accuracy_at_threshold']:.3f}")
    return {"runs": runs, "split_seed": seed, "epochs_override": epochs, "quick": epochs is not None,
            "recipe": recipe.as_dict(), "rows": rows, "spread": spread(rows),
            "environment": environment.describe(seed=seed, wall_seconds=time.perf_counter() - started)}


def path(root: str | Path | None = None) -> Path:
    """``results/02_baseline_seeds.json`` under the output root (``$CUFS_OUTPUT_DIR`` or the project)."""
    return config.results_dir(root) / f"{RESULTS_NAME}.json"


def load(source: str | Path | None = None) -> dict[str, Any]:
    """The document notebook 07 reads: the committed results unless ``source`` names another file."""
    return results.load(RESULTS_NAME, source=source or config.project_root() / "results" / f"{RESULTS_NAME}.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Spread of notebook 02's test metrics over training seeds.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--epochs", type=int, help="cap the epochs (smoke runs only)")
    parser.add_argument("--data-dir", help="photos folder (default: $CUFS_DIR, data/raw/, kagglehub)")
    parser.add_argument("--out", help="default: results/02_baseline_seeds.json under $CUFS_OUTPUT_DIR or the project")
    args = parser.parse_args(argv)
    document = run(args.runs, args.epochs, args.data_dir)
    out = Path(args.out) if args.out else path()
    results.write_study(RESULTS_NAME, document, out)
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
