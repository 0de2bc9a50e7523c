"""The recipe search behind notebook 04's choice (``python -m helpers.studies.recipe_search``): every variant, one
model or an ensemble, with or without flip TTA, ranked on validation by ``RANKING_RULE``; only the chosen is tested."""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from typing import Any

import keras
import numpy as np
import pandas as pd

from helpers import data, evaluation, experiments, imaging, protocols, recipes, training
from helpers.studies.split_study import TIE_TOLERANCE, committed, parser, stamp, write

Sets = dict[str, tuple[np.ndarray, np.ndarray]]

RESULTS_NAME = "04_recipe_search"
PROTOCOLS = ("leak_free", "report")
MODELS_PER_GROUP = 2
VALIDATION_COLUMNS = ("val_auc", "val_loss", "ensemble")
RANKING_RULE = (f"mean validation AUC over every protocol and split seed; candidates within {TIE_TOLERANCE} of the "
                "best are tied. Tied candidates come first: the one with the fewest trained models first (the "
                "training cost; flip TTA trains nothing and only doubles the prediction time, so it is not counted), "
                "then the higher mean validation AUC, then the lower mean validation log loss. The other candidates "
                "follow by mean validation AUC. Test metrics are computed for the chosen candidate only, after the "
                "ranking.")


def protocol_sets(photos: pd.DataFrame, protocol: str, split_seed: int, scale: float) -> Sets:
    """Train / validation / test arrays of one protocol and split seed, images scaled by ``scale``."""
    split = {"leak_free": protocols.leak_free_split, "report": protocols.report_protocol_split}[protocol]
    sets = {role: data.stack_images(frame) for role, frame in split(photos, split_seed).items()}
    return {role: (imaging.downsize(x, scale), y) for role, (x, y) in sets.items()}


def validation_rows(name: str, models: list[keras.Model], sets: Sets, protocol: str, split_seed: int,
                    seconds_per_model: float) -> list[dict[str, Any]]:
    """Validation AUC and log loss of the four inference variants of one trained group (no test data)."""
    x_val, y_val = sets["validation"]
    rows = []
    for ensemble, tta in ((False, False), (False, True), (True, False), (True, True)):
        groups = [models] if ensemble else [[m] for m in models]
        metrics = pd.DataFrame([evaluation.binary_metrics(y_val, training.predict_scores(group, x_val, tta=tta))
                                for group in groups]).mean()  # a single model's: the mean over the models
        rows.append({
            "candidate": name + (f"+ens{len(models)}" if ensemble else "") + ("+tta" if tta else ""),
            "training": name, "protocol": protocol, "split_seed": split_seed,
            "ensemble": len(models) if ensemble else 1, "tta": tta,
            "val_auc": float(metrics["auc"]), "val_loss": float(metrics["loss"]),
            "train_seconds_per_prediction": seconds_per_model * (len(models) if ensemble else 1),
        })
    return rows


def rank(rows: pd.DataFrame) -> pd.DataFrame:
    """The ranking by ``RANKING_RULE``; only ``VALIDATION_COLUMNS`` are read, so no test column can move it."""
    validation = rows[["candidate", *VALIDATION_COLUMNS]]
    summary = validation.groupby("candidate", sort=False).agg(
        mean_val_auc=("val_auc", "mean"), mean_val_loss=("val_loss", "mean"), models=("ensemble", "max"),
        cells=("val_auc", "size"))
    summary["tied_with_best"] = summary["mean_val_auc"] >= summary["mean_val_auc"].max() - TIE_TOLERANCE
    # The cost counts among tied candidates only: an untied candidate is ranked by its AUC alone.
    summary["cost_key"] = summary["models"].where(summary["tied_with_best"], 0)
    ordered = summary.sort_values(["tied_with_best", "cost_key", "mean_val_auc", "mean_val_loss"],
                                  ascending=[False, True, False, True], kind="stable").drop(columns="cost_key")
    return ordered.reset_index().assign(rank=lambda t: np.arange(1, len(t) + 1))


def search(photos: pd.DataFrame, variants: Sequence[str], split_seeds: Sequence[int], scale: float,
           epochs: int | None = None) -> dict[str, Any]:
    """Train every group, rank on validation, then test the chosen candidate; returns the results document."""
    started = time.perf_counter()
    cells = {(p, s): protocol_sets(photos, p, s, scale) for p in PROTOCOLS for s in split_seeds}
    groups, rows = {}, []
    for name in variants:
        for (protocol, split_seed), sets in cells.items():
            started_group = time.perf_counter()
            models, _, _ = experiments.train_variant(sets["train"], sets["validation"],
                                                     f"{name}+ens{MODELS_PER_GROUP}", split_seed, epochs)
            seconds = (time.perf_counter() - started_group) / MODELS_PER_GROUP
            groups[(name, protocol, split_seed)] = models
            rows += validation_rows(name, models, sets, protocol, split_seed, seconds)
            print(f"{name:<14} {protocol:<9} split {split_seed}: validation AUC single {rows[-4]['val_auc']:.3f}, "
                  f"ensemble+TTA {rows[-1]['val_auc']:.3f} ({seconds:.0f} s per model)")
    table = pd.DataFrame(rows)
    ranking = rank(table)
    chosen = str(ranking["candidate"].iloc[0])
    variant = recipes.Variant.parse(chosen)
    tested = []
    for (protocol, split_seed), sets in cells.items():
        models = groups[(variant.recipe, protocol, split_seed)][:variant.models]
        scored, _ = evaluation.evaluate_model(models, sets["validation"], sets["test"], tta=variant.flip_tta)
        tested.append({"candidate": chosen, "protocol": protocol, "split_seed": split_seed,
                       "threshold": scored["threshold"], "test_auc": scored["test_at_threshold"]["auc"],
                       "test_accuracy": scored["test_at_threshold"]["accuracy"],
                       "test_accuracy_at_0.5": scored["test_at_0.5"]["accuracy"]})
    keras.backend.clear_session()
    return {
        "ranking_rule": RANKING_RULE,
        "parameters": {"training_variants": {n: recipes.RECIPES[n].as_dict() for n in variants},
                       "split_seeds": list(split_seeds), "models_per_group": MODELS_PER_GROUP, "image_scale": scale,
                       "epochs_override": epochs, "protocols": list(PROTOCOLS)},
        "rows": table.to_dict("records"), "ranking": ranking.to_dict("records"), "chosen": chosen,
        "chosen_test": tested, "environment": stamp(split_seeds[0], started),
    }


load = partial(committed, RESULTS_NAME)  # notebook 08's document: the committed one, or the file given


def summary_table(document: dict[str, Any]) -> pd.DataFrame:
    """Notebook 08's view: today's ``rank`` of the stored validation rows, with each candidate's cost."""
    rows = pd.DataFrame(document["rows"])
    cost = rows.groupby("candidate", sort=False).agg(ensemble=("ensemble", "first"), tta=("tta", "first"),
                                                     train_seconds=("train_seconds_per_prediction", "mean"))
    table = rank(rows).set_index("candidate").join(cost)
    return table[["rank", "mean_val_auc", "mean_val_loss", "tied_with_best", "cells", "ensemble", "tta",
                  "train_seconds"]]


def main(argv: list[str] | None = None) -> int:
    command = parser("Rank training and inference variants of the final CNN on validation data only.")
    command.add_argument("--candidates", nargs="+", default=list(recipes.RECIPES), choices=list(recipes.RECIPES),
                         help="training variants (each is also scored with TTA and as an ensemble)")
    command.add_argument("--split-seeds", nargs="+", type=int, default=[23, 24, 25])
    command.add_argument("--scale", type=float, default=0.5, help="image scale (0.5: 125 x 100 pixels)")
    args = command.parse_args(argv)
    document = search(data.prepared_photos(args.data_dir), args.candidates, args.split_seeds, args.scale, args.epochs)
    print(f"chosen: {document['chosen']}")
    write(RESULTS_NAME, document, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
