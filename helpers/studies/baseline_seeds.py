"""What a re-run of notebook 02 can give (``python -m helpers.studies.baseline_seeds``): ``rows`` train with seed
``SEED + r`` on the split of ``SEED``; ``draws`` are notebook 02 run with ``--seed SEED + d`` (split and training)."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import keras
import numpy as np
import pandas as pd

from helpers import config, data, evaluation, experiments, recipes, training
from helpers.studies.split_study import committed, parser, stamp, write

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
                    recipe: recipes.Recipe) -> dict[str, Any]:
    """Notebook 02 once: the split of ``split_seed``, the model trained with ``training_seed``, scored."""
    splits = data.split_indices(labels, seed=split_seed)
    sets = {role: (images[index], labels[index]) for role, index in splits.items()}
    model, history = experiments.train_baseline(sets["train"], sets["validation"], training_seed, recipe,
                                                log_epochs=False)
    scores = {role: training.predict_scores(model, sets[role][0]) for role in ("validation", "test")}
    row = score_run(training_seed, sets["validation"][1], scores["validation"], sets["test"][1], scores["test"])
    best = training.best_epoch(history, recipe)
    keras.backend.clear_session()
    row.update(split_seed=split_seed, best_epoch=best, epochs_run=len(history.history["loss"]),
               train_loss=float(history.history["loss"][best - 1]),
               validation_loss=float(history.history["val_loss"][best - 1]))
    print(f"split seed {split_seed}, training seed {training_seed}: AUC {row['auc']:.3f} | accuracy at 0.5 "
          f"{row['accuracy_at_0.5']:.3f} | at the validation threshold {row['threshold']:.3f}: "
          f"{row['accuracy_at_threshold']:.3f}")
    return row


def run(runs: int = 5, epochs: int | None = None, data_dir: str | None = None, draws: int = 15) -> dict[str, Any]:
    """Notebook 02's baseline ``runs`` times on the split of ``SEED``, then ``draws`` times (the module's rows)."""
    if runs < 2 or draws < 2:
        raise ValueError("a spread needs at least 2 runs and 2 draws")
    started, seed = time.perf_counter(), config.SEED
    images, labels = data.stack_images(data.prepared_photos(data_dir))
    recipe = recipes.BASELINE_RECIPE.capped(epochs)
    rows = [train_and_score(images, labels, seed, seed + number, recipe) for number in range(runs)]
    drawn = [train_and_score(images, labels, seed + number, seed + number, recipe) for number in range(draws)]
    return {"runs": runs, "split_seed": seed, "epochs_override": epochs, "quick": epochs is not None,
            "recipe": recipe.as_dict(), "rows": rows, "spread": spread(rows), "draws": drawn,
            "draw_spread": spread(drawn), "environment": stamp(seed, started)}


load = partial(committed, RESULTS_NAME)  # notebooks 02 and 08's document: the committed one, or the file given


def main(argv: list[str] | None = None) -> int:
    command = parser("Spread of notebook 02's test metrics over training seeds.")
    command.add_argument("--runs", type=int, default=5, help="training seeds on the split of seed 23")
    command.add_argument("--draws", type=int, default=15, help="seeds that draw the split and the training")
    args = command.parse_args(argv)
    write(RESULTS_NAME, run(args.runs, args.epochs, args.data_dir, args.draws), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
