"""The recipe search behind notebook 04's choice, ranked on validation data only.

    python -m helpers.studies.recipe_search                       # the committed search (half-size images on a CPU)
    python -m helpers.studies.recipe_search --scale 0.25 --epochs 1 --split-seeds 23 --candidates D D+online  # smoke

Each *training variant* (recipe D, the report-reproducing recipe of notebook 04, alone or with on-the-fly
augmentation and/or weight averaging) is trained with ``--ensemble`` training seeds on every split seed,
under both protocols (leak-free, and the report's augment-then-split). Each trained group is then scored
in four *inference variants*: one model, one model with flip TTA, the seed ensemble, the ensemble with TTA.

Phase 1 records **validation** metrics only (AUC and log loss). Phase 2 ranks the candidates by the
``RANKING_RULE`` below, which reads validation columns only. Phase 3 computes test metrics once, for the
chosen candidate alone, from the models already trained. The JSON written (``results/04_recipe_search.json``)
is exactly what notebook 04 reads: the rows, the ranking, the chosen candidate and its test metrics,
the parameters, the ranking rule and the environment it ran in.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from helpers import config, data, evaluation, experiments, imaging, protocols, training
from helpers.infra import environment
from helpers.reporting import results

Sets = dict[str, tuple[np.ndarray, np.ndarray]]

PROTOCOLS = ("leak_free", "report")
VALIDATION_COLUMNS = ("val_auc", "val_loss", "ensemble")
# Mean validation AUCs closer than this are a tie: on 57 to 81 validation images one image moves the AUC by more.
TIE_TOLERANCE = 0.005
RANKING_RULE = (f"mean validation AUC over every protocol and split seed; candidates within {TIE_TOLERANCE} of the "
                "best are tied. Tied candidates come first: the one with the fewest trained models first (the "
                "training cost; flip TTA trains nothing and only doubles the prediction time, so it is not counted), "
                "then the higher mean validation AUC, then the lower mean validation log loss. The other candidates "
                "follow by mean validation AUC. Test metrics are computed for the chosen candidate only, after the "
                "ranking.")
RESULTS_NAME = "04_recipe_search"


def default_out() -> Path:
    """Where the command writes by default: ``results/04_recipe_search.json`` under ``$CUFS_OUTPUT_DIR`` or the project
    (never relative to the folder the command is run from)."""
    return config.results_dir() / f"{RESULTS_NAME}.json"


@dataclass(frozen=True)
class Inference:
    """How a trained group of models is used: one model or the ensemble, with or without flip TTA."""

    ensemble: bool
    tta: bool

    def suffix(self, n_models: int) -> str:
        return (f"+ens{n_models}" if self.ensemble else "") + ("+tta" if self.tta else "")


INFERENCES = (Inference(False, False), Inference(False, True), Inference(True, False), Inference(True, True))


def protocol_sets(photos: pd.DataFrame, protocol: str, split_seed: int, scale: float) -> Sets:
    """Train / validation / test arrays of one protocol and split seed, images scaled by ``scale``."""
    if protocol == "leak_free":
        roles = protocols.leak_free_split(photos, split_seed)
    elif protocol == "report":
        roles = protocols.report_protocol_split(photos, split_seed)
    else:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
    sets = {role: data.stack_images(frame) for role, frame in roles.items()}
    return {role: (imaging.downsize(x, scale), y) for role, (x, y) in sets.items()}


def validation_rows(name: str, models: list[keras.Model], sets: Sets, protocol: str, split_seed: int,
                    seconds_per_model: float) -> list[dict[str, Any]]:
    """Validation AUC and log loss of the four inference variants of one trained group (no test data)."""
    x_val, y_val = sets["validation"]
    rows = []
    for inference in INFERENCES:
        members = [models] if inference.ensemble else [[m] for m in models]
        scores = [training.predict_scores(group, x_val, tta=inference.tta) for group in members]
        metrics = [evaluation.binary_metrics(y_val, s) for s in scores]
        rows.append({
            "candidate": name + inference.suffix(len(models)), "training": name, "protocol": protocol,
            "split_seed": split_seed, "ensemble": len(models) if inference.ensemble else 1, "tta": inference.tta,
            "val_auc": float(np.mean([m["auc"] for m in metrics])),
            "val_loss": float(np.mean([m["loss"] for m in metrics])),
            "train_seconds_per_prediction": seconds_per_model * (len(models) if inference.ensemble else 1),
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


def test_rows(chosen: str, groups: dict[tuple[str, str, int], list[keras.Model]],
              cells: dict[tuple[str, int], Sets]) -> list[dict[str, Any]]:
    """Test metrics of the chosen candidate on every cell, at the threshold chosen on validation."""
    training_name, n_models, tta = training.parse_variant(chosen)
    rows = []
    for (name, protocol, split_seed), models in groups.items():
        if name != training_name:
            continue
        sets = cells[(protocol, split_seed)]
        evaluated, _ = evaluation.evaluate_model(models[:n_models], sets["validation"], sets["test"], tta=tta)
        rows.append({"candidate": chosen, "protocol": protocol, "split_seed": split_seed,
                     "threshold": evaluated["threshold"], "test_auc": evaluated["test_at_threshold"]["auc"],
                     "test_accuracy": evaluated["test_at_threshold"]["accuracy"],
                     "test_accuracy_at_0.5": evaluated["test_at_0.5"]["accuracy"]})
    return rows


def search(photos: pd.DataFrame, variants: Sequence[str], split_seeds: Sequence[int], n_models: int, scale: float,
           epochs: int | None = None, log=print) -> dict[str, Any]:
    """Phases 1 to 3 (see the module docstring); returns the results document."""
    started = time.perf_counter()
    cells = {(p, s): protocol_sets(photos, p, s, scale) for p in PROTOCOLS for s in split_seeds}
    groups, rows = {}, []
    for name in variants:
        for (protocol, split_seed), sets in cells.items():
            started_group = time.perf_counter()
            models, _, _ = experiments.train_variant(sets["train"], sets["validation"], f"{name}+ens{n_models}",
                                                     split_seed, epochs)
            seconds = (time.perf_counter() - started_group) / n_models
            groups[(name, protocol, split_seed)] = models
            new = validation_rows(name, models, sets, protocol, split_seed, seconds)
            rows += new
            log(f"{name:<14} {protocol:<9} split {split_seed}: validation AUC single {new[0]['val_auc']:.3f}, "
                f"ensemble+TTA {new[-1]['val_auc']:.3f} ({seconds:.0f} s per model)")
    table = pd.DataFrame(rows)
    ranking = rank(table)
    chosen = str(ranking["candidate"].iloc[0])
    tested = test_rows(chosen, groups, cells)
    keras.backend.clear_session()
    return {
        "ranking_rule": RANKING_RULE,
        "parameters": {"training_variants": {n: training.VARIANTS[n].as_dict() for n in variants},
                       "split_seeds": list(split_seeds), "models_per_group": n_models, "image_scale": scale,
                       "epochs_override": epochs, "protocols": list(PROTOCOLS)},
        "rows": table.to_dict("records"),
        "ranking": ranking.to_dict("records"),
        "chosen": chosen,
        "chosen_test": tested,
        "environment": environment.describe(seed=split_seeds[0], wall_seconds=time.perf_counter() - started),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rank training and inference variants of the final CNN on "
                                                 "validation data only.")
    parser.add_argument("--candidates", nargs="+", default=list(training.VARIANTS), choices=list(training.VARIANTS),
                        help="training variants (each is also scored with TTA and as an ensemble)")
    parser.add_argument("--split-seeds", nargs="+", type=int, default=[23, 24, 25])
    parser.add_argument("--ensemble", type=int, default=2, help="training seeds per group (the ensemble size)")
    parser.add_argument("--scale", type=float, default=0.5, help="image scale (0.5: 125 x 100 pixels)")
    parser.add_argument("--epochs", type=int, help="cap the epochs (smoke runs only)")
    parser.add_argument("--data-dir", help="photos folder (default: $CUFS_DIR, data/raw/, kagglehub)")
    parser.add_argument("--out", help="the JSON document written (atomically); default: "
                        "results/ under $CUFS_OUTPUT_DIR or the project")
    args = parser.parse_args(argv)
    photos = data.prepared_photos(args.data_dir)
    document = search(photos, args.candidates, args.split_seeds, args.ensemble, args.scale, args.epochs)
    path = Path(args.out) if args.out else default_out()
    results.write_study(RESULTS_NAME, document, path)
    print(f"chosen: {document['chosen']} | written: {path}")
    return 0


def load(path: str | Path | None = None) -> dict[str, Any]:
    """The search document notebook 04 reads (``results/04_recipe_search.json`` by default)."""
    return results.load(RESULTS_NAME, source=path or config.project_root() / "results" / f"{RESULTS_NAME}.json")


def summary_table(document: dict[str, Any]) -> pd.DataFrame:
    """Notebook 08's view of the search: the ranking, applied again to the stored validation rows by today's
    ``RANKING_RULE``, with each candidate's cost; validation columns only."""
    rows = pd.DataFrame(document["rows"])
    cost = rows.groupby("candidate", sort=False).agg(ensemble=("ensemble", "first"), tta=("tta", "first"),
                                                     train_seconds=("train_seconds_per_prediction", "mean"))
    table = rank(rows).set_index("candidate").join(cost)
    return table[["rank", "mean_val_auc", "mean_val_loss", "tied_with_best", "cells", "ensemble", "tta",
                  "train_seconds"]]


if __name__ == "__main__":
    raise SystemExit(main())
