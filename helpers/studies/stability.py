"""What to expect when notebook 04 is re-run: the chosen variant on the report's split, over training seeds.

    python -m helpers.studies.stability      # 5 runs of notebook 04's variant -> results/04_stability.json
    python -m helpers.studies.stability --runs 2 --scale 0.25 --epochs 1 --out /tmp/s.json   # a smoke run

Run ``r`` trains the variant's models with the seeds ``23 + r, 23 + r + 1000, ...`` on the report's split
(seed 23, augment then split), so run 0 is exactly the model notebook 04 presents. Each run is scored twice
on the test set, at 0.5 and at the threshold chosen on validation: the **single model** (the run's first
model, used plainly) and the **variance-reduced model** (the chosen variant: its ensemble, with flip TTA if
chosen). The spread of these numbers over the runs is what a re-run on the same data can give.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from helpers import config, evaluation, experiments, imaging, training
from helpers.infra import environment
from helpers.reporting import results

RESULTS_NAME = "04_stability"


def default_out() -> Path:
    """Where the command writes by default: ``results/04_stability.json`` under ``$CUFS_OUTPUT_DIR`` or the project
    (never relative to the folder the command is run from)."""
    return config.results_dir() / f"{RESULTS_NAME}.json"


def score(models: list[keras.Model], tta: bool, sets: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Test AUC and accuracy at 0.5 and at the validation threshold of a model or an ensemble."""
    evaluated, _ = evaluation.evaluate_model(models, sets["validation"], sets["test"], tta=tta)
    return {"auc": evaluated["test_at_0.5"]["auc"], "accuracy_at_0.5": evaluated["test_at_0.5"]["accuracy"],
            "accuracy_at_threshold": evaluated["test_at_threshold"]["accuracy"], "threshold": evaluated["threshold"]}


def run(variant: str, runs: int = 5, scale: float = 1.0, epochs: int | None = None,
        data_dir: str | None = None, log=print) -> dict[str, Any]:
    """Train ``runs`` copies of ``variant`` and score each as a single model and as the variant."""
    started = time.perf_counter()
    balanced, images, labels, splits = experiments.report_protocol_data(data_dir, seed=config.SEED)
    sets = {role: (imaging.downsize(images[idx], scale), labels[idx]) for role, idx in splits.items()}
    _, n_models, tta = training.parse_variant(variant)
    sketch_set = (experiments.report_protocol_sketches(balanced, splits, data_dir, config.SEED, scale)
                  if training.variant_inputs(variant).sketches else None)  # as notebook 04 trains them
    rows = []
    for number in range(runs):
        seed = config.SEED + number
        models, _, _ = experiments.train_variant(sets["train"], sets["validation"], variant, seed, epochs,
                                                 sketches=sketch_set)
        for model_kind, members, use_tta in (("single model", models[:1], False), ("variance-reduced", models, tta)):
            rows.append({"run": number, "seed": seed, "model": model_kind, **score(members, use_tta, sets)})
        keras.backend.clear_session()
        log(f"run {number} (seeds from {seed}): single AUC {rows[-2]['auc']:.3f} acc {rows[-2]['accuracy_at_0.5']:.3f}"
            f" | {variant} AUC {rows[-1]['auc']:.3f} acc {rows[-1]['accuracy_at_0.5']:.3f}")
    table = pd.DataFrame(rows)
    spread = table.groupby("model")[["auc", "accuracy_at_0.5", "accuracy_at_threshold"]].agg(["mean", "std", "min",
                                                                                              "max"])
    return {
        "variant": variant, "models_per_run": n_models, "flip_tta": tta, "runs": runs, "image_scale": scale,
        "training_sketches": 0 if sketch_set is None else len(sketch_set[1]),
        "epochs_override": epochs, "split": "report's protocol, seed 23 (augment, then split)",
        "rows": rows,
        "spread": {model: {f"{metric}_{stat}": float(value) for (metric, stat), value in values.items()}
                   for model, values in spread.iterrows()},
        "environment": environment.describe(seed=config.SEED, wall_seconds=time.perf_counter() - started),
    }


def load(path: str | Path | None = None) -> dict[str, Any]:
    """The stability document notebook 04 reads (``results/04_stability.json`` by default)."""
    return results.load(RESULTS_NAME, source=path or config.project_root() / "results" / f"{RESULTS_NAME}.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Spread of notebook 04's test metrics over training seeds.")
    parser.add_argument("--variant", help="default: the choice of results/08_levers.json (notebook 04's variant)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=float, help="image scale (default: the levers study's, notebook 04's)")
    parser.add_argument("--epochs", type=int, help="cap the epochs (smoke runs only)")
    parser.add_argument("--data-dir", help="photos folder (default: $CUFS_DIR, data/raw/, kagglehub)")
    parser.add_argument("--out", help="default: results/ under $CUFS_OUTPUT_DIR or the project")
    args = parser.parse_args(argv)
    from helpers.studies import levers

    chosen_variant, chosen_scale = levers.chosen_variant()
    variant, scale = args.variant or chosen_variant, args.scale or chosen_scale
    document = run(variant, args.runs, scale, args.epochs, args.data_dir)
    out = Path(args.out) if args.out else default_out()
    results.write_study(RESULTS_NAME, document, out)
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
