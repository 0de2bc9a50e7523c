"""The recipe search behind notebook 04's choice of training recipe (``results/04_recipe_search.csv``).

Every candidate recipe trains the final CNN on the report's protocol (seed-23 split) once per
training seed, and records the test AUC, the accuracy at 0.5 and at the validation threshold, and
whether all test scores fell on one side of 0.5. Full-resolution training is slow on a CPU
(about 40 epochs x 11-17 s per run); the committed table was measured on a GPU with Keras' JAX backend:

    KERAS_BACKEND=jax python -m helpers.recipe_search --seeds 23 1 2 --out results/04_recipe_search.csv
    python -m helpers.recipe_search --recipes D_bn90_p15_rlr5 --seeds 23 --leak-free-seeds 23   # one run each
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from . import config, data, evaluation, experiments, repeated, storage, training

Sets = dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Candidate:
    """A training recipe plus the two model settings that the search varies (no parameter count changes)."""

    recipe: training.Recipe
    l2: float = 1e-4
    batchnorm_momentum: float = 0.9


def _recipe(lr: float = 1e-3, batch: int = 16, monitor: str = "val_loss", patience: int = 8,
            reduce_lr: int | None = None) -> training.Recipe:
    mode = "max" if monitor == "val_auc" else "min"
    return training.Recipe(lr, batch, 40, monitor, mode, patience, reduce_lr_patience=reduce_lr)


# Named as in the committed table; D is the recipe notebook 04 uses (training.FINAL_RECIPE).
CANDIDATES: dict[str, Candidate] = {
    "A_naive_bn99": Candidate(_recipe(), batchnorm_momentum=0.99),
    "B_bn90": Candidate(_recipe()),
    "C_bn90_lr3e-4": Candidate(_recipe(lr=3e-4)),
    "D_bn90_p15_rlr5": Candidate(_recipe(patience=15, reduce_lr=5)),
    "E_bn80": Candidate(_recipe(), batchnorm_momentum=0.8),
    "F_bn90_auc_p15": Candidate(_recipe(monitor="val_auc", patience=15)),
    "G_bn90_lr3e-4_bs32_p15": Candidate(_recipe(lr=3e-4, batch=32, patience=15)),
    "H_bn90_l2e-3": Candidate(_recipe(), l2=1e-3),
    "I_bn99_lr3e-4_p15_rlr5": Candidate(_recipe(lr=3e-4, patience=15, reduce_lr=5), batchnorm_momentum=0.99),
    "J_bn90_p10": Candidate(_recipe(patience=10)),
    "K_bn90_p15_rlr5_l2e-3": Candidate(_recipe(patience=15, reduce_lr=5), l2=1e-3),
    "L_bn80_p15_rlr5": Candidate(_recipe(patience=15, reduce_lr=5), batchnorm_momentum=0.8),
    "N_bn90_p15": Candidate(_recipe(patience=15)),
}


def report_protocol_sets(data_dir: str | None = None, seed: int = config.SEED) -> Sets:
    """Train / validation / test arrays of the report's protocol (augment, then split)."""
    _, images, labels, splits = experiments.report_protocol_data(data_dir, seed=seed)
    return {role: experiments.take(images, labels, splits[role]) for role in repeated.ROLES}


def leak_free_sets(data_dir: str | None = None, seed: int = config.SEED) -> Sets:
    """Train / validation / test arrays of the leak-free protocol (split, then augment the training photos)."""
    roles = repeated.leak_free_split(data.prepared_photos(data_dir), seed)
    return {role: data.stack_images(frame) for role, frame in roles.items()}


def run_candidate(name: str, candidate: Candidate, sets: Sets, seed: int, protocol: str) -> dict[str, Any]:
    """Train one candidate with one training seed and measure it on the test set."""
    started = time.perf_counter()
    model, history = experiments.train_final(sets["train"], sets["validation"], seed, candidate.recipe,
                                             log_epochs=False, l2=candidate.l2,
                                             batchnorm_momentum=candidate.batchnorm_momentum)
    (x_val, y_val), (x_test, y_test) = sets["validation"], sets["test"]
    val_scores = training.predict_scores(model, x_val)
    test_scores = training.predict_scores(model, x_test)
    evaluated = evaluation.evaluate_with_validation_threshold(y_val, val_scores, y_test, test_scores)
    keras.backend.clear_session()
    return {
        "protocol": protocol, "recipe": name, "seed": seed, **candidate.recipe.as_dict(),
        "l2": candidate.l2, "bn_momentum": candidate.batchnorm_momentum,
        "epochs_run": len(history.history["loss"]), "best_epoch": training.best_epoch(history, candidate.recipe),
        "test_auc": round(evaluated["test_at_0.5"]["auc"], 4),
        "test_acc_05": round(evaluated["test_at_0.5"]["accuracy"], 4),
        "youden_thr_val": round(evaluated["threshold"], 4),
        "test_acc_youden": round(evaluated["test_at_threshold"]["accuracy"], 4),
        "one_sided_05": bool(np.all(test_scores >= 0.5) or np.all(test_scores < 0.5)),
        "val_auc": round(evaluated["validation_auc"], 4),
        "seconds": round(time.perf_counter() - started, 1),
        "backend": keras.backend.backend(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare training recipes of the final CNN over seeds.")
    parser.add_argument("--recipes", nargs="+", default=list(CANDIDATES), choices=list(CANDIDATES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[23, 1, 2], help="training seeds (split: 23)")
    parser.add_argument("--leak-free-seeds", nargs="*", type=int, default=[],
                        help="also run each recipe on the leak-free protocol with these split seeds")
    parser.add_argument("--data-dir", help="photos folder (default: $CUFS_DIR, data/raw/, kagglehub)")
    parser.add_argument("--out", default="recipe_search.csv", help="CSV written (atomically) after every run")
    args = parser.parse_args(argv)

    rows: list[dict[str, Any]] = []
    jobs = [("report", seed, None) for seed in args.seeds] + [("leak_free", None, s) for s in args.leak_free_seeds]
    report_sets = report_protocol_sets(args.data_dir) if args.seeds else None
    for name in args.recipes:
        for protocol, train_seed, split_seed in jobs:
            if protocol == "report":
                row = run_candidate(name, CANDIDATES[name], report_sets, train_seed, protocol)
            else:
                row = run_candidate(name, CANDIDATES[name], leak_free_sets(args.data_dir, split_seed), split_seed,
                                    protocol)
            rows.append(row)
            storage.save_csv(Path(args.out), pd.DataFrame(rows))
            print(f"{protocol:<9} {name:<24} seed {row['seed']:>3}: AUC {row['test_auc']:.3f}, "
                  f"acc@0.5 {row['test_acc_05']:.3f}, best epoch {row['best_epoch']}, {row['seconds']:.0f} s",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
