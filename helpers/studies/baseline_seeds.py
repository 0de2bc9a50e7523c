"""What to expect when notebook 02 is re-run: its baseline CNN over training seeds, and over seeds drawing the split.

    python -m helpers.studies.baseline_seeds                  # -> results/02_baseline_seeds.json
    python -m helpers.studies.baseline_seeds --runs 2 --draws 2 --epochs 2 --out /tmp/b.json   # a smoke run

``rows``: run ``r`` trains notebook 02's model and recipe (class weights, early stopping) with the training seed
``SEED + r`` on the split of seed ``SEED``, so run 0 is notebook 02's model. ``draws``: draw ``d`` is notebook 02
run with ``--seed SEED + d``: that seed draws the split *and* the training, exactly as the notebook's ``SEED``
parameter does. Each run is scored on the test photos at 0.5 and at the threshold chosen on the validation photos.
Notebooks 02 and 08 read the results: whether the scores collapse to one side of 0.5 is a property of the draw, not
of the recipe, and another CPU draws too.
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
            "validation_share_at_0.5": float(np.mean(val_scores >= 0.5)), "test_photos": len(y_test),
            "test_female": int(np.sum(y_test))}


def spread(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Mean, standard deviation (n - 1), minimum and maximum of each metric over the runs."""
    table = pd.DataFrame(rows)[list(METRICS)]
    return {f"{metric}_{stat}": float(table[metric].agg(stat)) for metric in METRICS
            for stat in ("mean", "std", "min", "max")}


def train_and_score(images: np.ndarray, labels: np.ndarray, split_seed: int, training_seed: int,
                    recipe: training.Recipe) -> dict[str, Any]:
    """Notebook 02 once: the split of ``split_seed``, the model trained with ``training_seed``, scored."""
    splits = data.split_indices(labels, seed=split_seed)
    sets = {role: (images[index], labels[index]) for role, index in splits.items()}
    model, history = experiments.train_baseline(sets["train"], sets["validation"], training_seed, recipe,
                                                log_epochs=False)
    scores = {role: training.predict_scores(model, sets[role][0]) for role in ("validation", "test")}
    row = score_run(training_seed, sets["validation"][1], scores["validation"], sets["test"][1], scores["test"])
    best = training.best_epoch(history, recipe)
    keras.backend.clear_session()
    return {**row, "split_seed": split_seed, "best_epoch": best, "epochs_run": len(history.history["loss"]),
            "train_loss": float(history.history["loss"][best - 1]),
            "validation_loss": float(history.history["val_loss"][best - 1])}


def run(runs: int = 5, epochs: int | None = None, data_dir: str | None = None, seed: int = config.SEED,
        draws: int = 15, log=print) -> dict[str, Any]:
    """Train notebook 02's baseline ``runs`` times on the split of ``seed`` (training seeds ``seed``, ``seed + 1``,
    ...), then ``draws`` times with the seeds ``seed``, ``seed + 1``, ... drawing the split and the training."""
    if runs < 2 or draws < 2:
        raise ValueError("a spread needs at least 2 runs and 2 draws")
    started = time.perf_counter()
    images, labels = data.stack_images(data.prepared_photos(data_dir))
    recipe = training.capped(training.BASELINE_RECIPE, epochs)
    rows, drawn = [], []
    for kind, count, seeds_of in (("training seed", runs, lambda s: (seed, s)), ("seed", draws, lambda s: (s, s))):
        for number in range(count):
            split_seed, training_seed = seeds_of(seed + number)
            row = train_and_score(images, labels, split_seed, training_seed, recipe)
            (rows if kind == "training seed" else drawn).append(row)
            log(f"{kind} {seed + number}: AUC {row['auc']:.3f} | accuracy at 0.5 {row['accuracy_at_0.5']:.3f} "
                f"| at the validation threshold {row['threshold']:.3f}: {row['accuracy_at_threshold']:.3f}")
    return {"runs": runs, "split_seed": seed, "epochs_override": epochs, "quick": epochs is not None,
            "recipe": recipe.as_dict(), "rows": rows, "spread": spread(rows), "draws": drawn,
            "draw_spread": spread(drawn),
            "environment": environment.describe(seed=seed, wall_seconds=time.perf_counter() - started)}


def path(root: str | Path | None = None) -> Path:
    """``results/02_baseline_seeds.json`` under the output root (``$CUFS_OUTPUT_DIR`` or the project)."""
    return config.results_dir(root) / f"{RESULTS_NAME}.json"


def load(source: str | Path | None = None) -> dict[str, Any]:
    """The document notebook 08 reads: the committed results unless ``source`` names another file."""
    return results.load(RESULTS_NAME, source=source or config.project_root() / "results" / f"{RESULTS_NAME}.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Spread of notebook 02's test metrics over training seeds.")
    parser.add_argument("--runs", type=int, default=5, help="training seeds on the split of seed 23")
    parser.add_argument("--draws", type=int, default=15, help="seeds that draw the split and the training")
    parser.add_argument("--epochs", type=int, help="cap the epochs (smoke runs only)")
    parser.add_argument("--data-dir", help="photos folder (default: $CUFS_DIR, data/raw/, kagglehub)")
    parser.add_argument("--out", help="default: results/02_baseline_seeds.json under $CUFS_OUTPUT_DIR or the project")
    args = parser.parse_args(argv)
    document = run(args.runs, args.epochs, args.data_dir, draws=args.draws)
    out = Path(args.out) if args.out else path()
    results.write_study(RESULTS_NAME, document, out)
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
