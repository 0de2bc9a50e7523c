"""What a re-run of notebook 04 can give (``python -m helpers.studies.stability``): run ``r`` trains the variant with
seeds ``23 + r, 23 + r + 1000, ...`` on the report's split of seed 23 (run 0 is notebook 04's model)."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import keras
import pandas as pd

from helpers import config, evaluation, experiments, imaging
from helpers.recipes import Variant
from helpers.studies.split_study import committed, parser, stamp, write

RESULTS_NAME = "04_stability"


def run(variant: str, runs: int = 5, scale: float = 1.0, epochs: int | None = None,
        data_dir: str | None = None) -> dict[str, Any]:
    """Train ``runs`` copies of ``variant`` and score each as a single model and as the variant."""
    started = time.perf_counter()
    balanced, images, labels, splits = experiments.report_protocol_data(data_dir, seed=config.SEED)
    sets = {role: (imaging.downsize(images[idx], scale), labels[idx]) for role, idx in splits.items()}
    chosen = Variant.parse(variant)
    sketch_set = (experiments.report_protocol_sketches(balanced, splits, data_dir, config.SEED, scale)
                  if chosen.sketches else None)  # as notebook 04 trains them
    rows = []
    for number in range(runs):
        seed = config.SEED + number
        models, _, _ = experiments.train_variant(sets["train"], sets["validation"], variant, seed, epochs,
                                                 sketches=sketch_set)
        for model_kind, members, use_tta in (("single model", models[:1], False),
                                             ("variance-reduced", models, chosen.flip_tta)):
            scored, _ = evaluation.evaluate_model(members, sets["validation"], sets["test"], tta=use_tta)
            rows.append({"run": number, "seed": seed, "model": model_kind, "auc": scored["test_at_0.5"]["auc"],
                         "accuracy_at_0.5": scored["test_at_0.5"]["accuracy"],
                         "accuracy_at_threshold": scored["test_at_threshold"]["accuracy"],
                         "threshold": scored["threshold"]})
        keras.backend.clear_session()
        print(f"run {number} (seeds from {seed}): single AUC {rows[-2]['auc']:.3f} acc "
              f"{rows[-2]['accuracy_at_0.5']:.3f} | {variant} AUC {rows[-1]['auc']:.3f} acc "
              f"{rows[-1]['accuracy_at_0.5']:.3f}")
    metrics = ["auc", "accuracy_at_0.5", "accuracy_at_threshold"]
    spread = pd.DataFrame(rows).groupby("model")[metrics].agg(["mean", "std", "min", "max"])
    return {
        "variant": variant, "models_per_run": chosen.models, "flip_tta": chosen.flip_tta, "runs": runs,
        "image_scale": scale, "training_sketches": 0 if sketch_set is None else len(sketch_set[1]),
        "epochs_override": epochs, "split": "report's protocol, seed 23 (augment, then split)", "rows": rows,
        "spread": {model: {f"{metric}_{stat}": float(value) for (metric, stat), value in values.items()}
                   for model, values in spread.iterrows()},
        "environment": stamp(config.SEED, started),
    }


load = partial(committed, RESULTS_NAME)  # notebook 08's document: the committed one, or the file given


def main(argv: list[str] | None = None) -> int:
    command = parser("Spread of notebook 04's test metrics over training seeds.", chosen=True)
    command.add_argument("--runs", type=int, default=5)
    args = command.parse_args(argv)
    write(RESULTS_NAME, run(args.variant, args.runs, args.scale, args.epochs, args.data_dir), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
