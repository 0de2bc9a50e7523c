"""Issue 19's levers (``python -m helpers.studies.levers``): one change each to recipe D on notebook 07's leak-free
splits, scored on validation photos only and paired with the reference split by split; ``CHOICE_RULE`` picks."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import config, data, evaluation, recipes
from helpers import sketches as sketch_files
from helpers.infra import storage
from helpers.studies.split_study import TIE_TOLERANCE, committed, parser, stamp, write

RESULTS_NAME = "08_levers"
REFERENCE = "D"
CHOICE_RULE = (f"the lever with the highest mean validation AUC of its seed ensemble; levers within "
               f"{TIE_TOLERANCE} of it are tied, and the tie goes to the reference (no change), then to the "
               "cheapest (seconds of training per model). Validation columns only.")
ENSEMBLE_SIZES = (1, 2, 3, 5)
# Photos per split (notebook 07's 5-fold): the Nadeau-Bengio test's n_train and n_test (its overlap correction).
TRAINING_PHOTOS, VALIDATION_PHOTOS = 93, 57


@dataclass(frozen=True)
class Lever:
    """One change to the reference: recipe D at the study's scale, colour photos, no sketches."""

    name: str
    description: str
    recipe: dict[str, Any] = field(default_factory=dict)  # fields of recipes.Recipe that change
    scale: float | None = None  # None: the study's image scale
    grey: bool = False  # photos (and sketches) as grey levels on three channels
    standardise: bool = False  # per-image standardisation
    sketches: str | None = None  # "add": training people's sketches join the photos; "pretrain": first, alone

    def config(self, scale: float) -> dict[str, Any]:
        """What the lever trains, in plain values: two levers with one config share their models."""
        return {"recipe": replace(recipes.FINAL_RECIPE, **self.recipe).as_dict(),
                "scale": self.scale or scale, "grey": self.grey, "standardise": self.standardise,
                "sketches": self.sketches}


LEVERS: dict[str, Lever] = {lever.name: lever for lever in (
    Lever(REFERENCE, "today's variant: recipe D (Adam 1e-3, batches of 16, plateau halving, early stopping)"),
    Lever("quarter", "quarter-size images (62 x 50)", scale=0.25),
    Lever("half", "half-size images (125 x 100), notebook 07's today", scale=0.5),
    Lever("grey", "grey photos on three channels", grey=True),
    Lever("standardise", "per-image standardisation (mean 0, sd 1 per photo)", standardise=True),
    Lever("cosine", "3 warm-up epochs, then cosine decay over 40 epochs",
          recipe={"cosine": True, "warmup_epochs": 3, "reduce_lr_patience": None}),
    Lever("adamw", "AdamW, weight decay 1e-3 beside the model's L2", recipe={"weight_decay": 1e-3}),
    Lever("bn_reestimate", "batch-norm statistics re-estimated on the whole training set after training",
          recipe={"reestimate_batchnorm": True}),
    Lever("smoothing", "label smoothing 0.1", recipe={"label_smoothing": 0.1}),
    Lever("batch32", "batches of 32 at learning rate 2e-3 (half the noisy steps)",
          recipe={"batch_size": 32, "learning_rate": 2e-3}),
    Lever("online", "on-the-fly augmentation, 100 epochs, patience 30",
          recipe={"online_augmentation": True, "epochs": 100, "patience": 30, "reduce_lr_patience": 10}),
    Lever("sketch_add", "the training people's sketches added to the training photos", sketches="add"),
    Lever("sketch_pretrain", "pre-trained on the training people's sketches, then fine-tuned on the photos",
          sketches="pretrain"),
    Lever("grey_sketch_add", "grey photos with the training people's sketches added", grey=True, sketches="add"),
)}


def combine(names: Sequence[str]) -> Lever:
    """The levers ``names`` applied together, named ``a+b`` (the second stage)."""
    chosen = [LEVERS[name] for name in names]
    recipe = {key: value for lever in chosen for key, value in lever.recipe.items()}
    clash = sorted({key for lever in chosen for key, value in lever.recipe.items() if recipe[key] != value})
    if clash:
        raise ValueError(f"levers {', '.join(names)} set {clash} differently: they cannot combine")
    sketch_kinds, scales = ({getattr(lever, name) for lever in chosen} - {None} for name in ("sketches", "scale"))
    if len(sketch_kinds) > 1 or len(scales) > 1:
        raise ValueError(f"levers {', '.join(names)} choose different sketches or scales: they cannot combine")
    return Lever("+".join(names), " and ".join(lever.description for lever in chosen), recipe=recipe,
                 scale=scales.pop() if scales else None, grey=any(lever.grey for lever in chosen),
                 standardise=any(lever.standardise for lever in chosen),
                 sketches=sketch_kinds.pop() if sketch_kinds else None)


def lever_named(name: str) -> Lever:
    """A lever of ``LEVERS``, or a combination ``a+b`` of them."""
    return LEVERS[name] if name in LEVERS else combine(name.split("+"))


def split_metrics(rows: pd.DataFrame, members: int) -> pd.DataFrame:
    """Per lever and split with ``members`` models: validation AUC and accuracy at 0.5, single (mean) and ensemble."""
    out = []
    for (lever, split), group in rows.groupby(["lever", "split"], sort=False):
        if len(group) < members:
            continue
        group = group.sort_values("member").iloc[:members]
        y = np.asarray(group["validation_labels"].iloc[0])
        scores = np.asarray(group["validation_scores"].tolist(), dtype=float)
        single = pd.DataFrame([evaluation.binary_metrics(y, s) for s in scores]).mean()
        ensemble = evaluation.binary_metrics(y, scores.mean(axis=0))
        out.append({"lever": lever, "split": split, "members": len(group),
                    "single_auc": float(single["auc"]), "single_accuracy": float(single["accuracy"]),
                    "ensemble_auc": ensemble["auc"], "ensemble_accuracy": ensemble["accuracy"],
                    "seconds_per_model": float(group["seconds"].mean()),
                    "best_epoch": float(group["best_epoch"].mean())})
    return pd.DataFrame(out)


def p_value(differences: np.ndarray) -> float:
    """Two-sided p-value of paired differences over the splits (Nadeau-Bengio); 1 for the reference itself."""
    from helpers import split_statistics

    if len(differences) < 2 or not np.any(differences):
        return 1.0
    return float(split_statistics.nadeau_bengio(differences, TRAINING_PHOTOS, VALIDATION_PHOTOS)["p_value"])


def gain_stats(metric: str, gain: pd.Series) -> dict[str, float]:
    """The paired gain's mean and standard deviation (n - 1) over the splits."""
    return {f"{metric}_gain": float(gain.mean()), f"{metric}_gain_sd": float(gain.std(ddof=1))}


def summary(rows: pd.DataFrame, members: int) -> pd.DataFrame:
    """Per lever: mean validation metrics, the ensemble's paired gain over the reference (Nadeau-Bengio p) and cost."""
    per_split = split_metrics(rows, members)
    gains = gains_per_split(rows, members).dropna().set_index("lever")  # the splits the reference also ran
    table = []
    for lever, group in per_split.groupby("lever", sort=False):
        auc, accuracy = (gains.loc[gains.index == lever, f"{metric}_gain"] for metric in ("auc", "accuracy"))
        table.append({"lever": lever, "description": lever_named(lever).description, "splits": len(group),
                      "members": members, **{column: group[column].mean() for column in (
                          "single_auc", "single_accuracy", "ensemble_auc", "ensemble_accuracy")},
                      **gain_stats("auc", auc), "auc_gain_p": p_value(auc.to_numpy()),
                      **gain_stats("accuracy", accuracy), "accuracy_gain_p": p_value(accuracy.to_numpy()),
                      "splits_better": int((auc > 0).sum()), "splits_worse": int((auc < 0).sum()),
                      "seconds_per_model": group["seconds_per_model"].mean(), "best_epoch": group["best_epoch"].mean()})
    return pd.DataFrame(table)


def gains_per_split(rows: pd.DataFrame, members: int) -> pd.DataFrame:
    """Per lever and split: the ensemble's validation AUC and accuracy minus the reference's on that split."""
    per_split = split_metrics(rows, members).set_index(["lever", "split"])
    reference = per_split.xs(REFERENCE, level="lever")
    gains = per_split[["ensemble_auc", "ensemble_accuracy"]] - reference[["ensemble_auc", "ensemble_accuracy"]]
    return gains.rename(columns={"ensemble_auc": "auc_gain", "ensemble_accuracy": "accuracy_gain"}).reset_index()


def ensemble_sizes(rows: pd.DataFrame) -> pd.DataFrame:
    """The reference's validation AUC and accuracy as a seed ensemble of 1, 2, 3 and 5 models, with their cost."""
    out = []
    for size in ENSEMBLE_SIZES:
        per_split = split_metrics(rows[rows["lever"] == REFERENCE], size)
        if len(per_split):
            out.append({"models": size, "ensemble_auc": per_split["ensemble_auc"].mean(),
                        "ensemble_accuracy": per_split["ensemble_accuracy"].mean(),
                        "auc_sd_over_splits": per_split["ensemble_auc"].std(ddof=1),
                        "train_seconds": size * per_split["seconds_per_model"].mean()})
    return pd.DataFrame(out)


def choose(table: pd.DataFrame) -> str:
    """``CHOICE_RULE`` applied to ``summary``'s table (validation columns only)."""
    tied = table[table["ensemble_auc"] >= table["ensemble_auc"].max() - TIE_TOLERANCE]
    if REFERENCE in set(tied["lever"]):
        return REFERENCE
    return str(tied.sort_values(["seconds_per_model", "ensemble_auc"], ascending=[True, False])["lever"].iloc[0])


def refit_summary(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per method: mean validation AUC and accuracy before and after the refit, and the paired gain."""
    wide = pd.DataFrame(rows).pivot_table(index=["method", "split"], columns="kind",
                                          values=["validation_auc", "validation_accuracy"])
    out = []
    for method, group in wide.groupby(level="method"):
        row = {"method": method, "splits": len(group)}
        for metric, column in (("auc", "validation_auc"), ("accuracy", "validation_accuracy")):
            gain = group[(column, "refit")] - group[(column, "pre-refit")]
            row.update({f"pre_refit_{metric}": group[(column, "pre-refit")].mean(),
                        f"refit_{metric}": group[(column, "refit")].mean(), **gain_stats(metric, gain)})
        out.append(row)
    return pd.DataFrame(out)


def variant_of(choice: str, scale: float, members: int) -> tuple[str, float]:
    """The final-CNN variant's name (``recipes.Variant``) and image scale of a lever or combination."""
    lever = lever_named(choice)
    if lever.grey or lever.sketches not in (None, "add"):
        raise ValueError(f"lever {choice!r} (grey input or sketch pre-training) has no final-CNN variant yet")
    recipe = replace(recipes.FINAL_RECIPE, **lever.recipe)
    names = [name for name, known in recipes.RECIPES.items() if known == recipe]
    if not names:
        raise ValueError(f"lever {choice!r} trains a recipe that recipes.RECIPES does not hold: add it there")
    variant = recipes.Variant(names[0], members, True, lever.standardise, lever.sketches == "add")
    return variant.name, lever.scale or scale


def chosen_variant(path: str | Path | None = None) -> tuple[str, float]:
    """The study's choice as a final-CNN variant and image scale (``variant_of``), ensembles of the study's size."""
    study = load(path)
    return variant_of(study["chosen"], study["parameters"]["scale"], study["parameters"]["seeds"])


load = partial(committed, RESULTS_NAME)  # notebook 08's document: the committed one, or the file given


def document(rows: list[dict[str, Any]], refit: list[dict[str, Any]], parameters: dict[str, Any],
             started: float) -> dict[str, Any]:
    """The results document: rows, summaries and the choice (``started``: before the parts ``--keep`` kept)."""
    table = pd.DataFrame(rows)
    lever_table = summary(table, int(parameters["seeds"]))
    return {
        "parameters": parameters, "choice_rule": CHOICE_RULE, "tie_tolerance": TIE_TOLERANCE,
        "levers": {name: {"description": lever_named(name).description, **lever_named(name).config(parameters["scale"])}
                   for name in table["lever"].unique()},
        "rows": rows, "summary": lever_table.to_dict("records"),
        "ensemble_sizes": ensemble_sizes(table).to_dict("records"),
        "refit_rows": refit, "refit_summary": refit_summary(refit).to_dict("records") if refit else [],
        "chosen": choose(lever_table),
        "environment": stamp(config.SEED, started),
    }


def main(argv: list[str] | None = None) -> int:
    command = parser("Measure issue 19's levers on validation photos only.")
    command.add_argument("--levers", nargs="+", choices=list(LEVERS),
                         help="default: all but the one that repeats the reference at --scale")
    command.add_argument("--combine", nargs="+", default=[], metavar="A+B",
                         help="combinations of levers to measure too (the second stage), e.g. half+standardise")
    command.add_argument("--splits", type=int, default=5, help="the first N splits of notebook 07's 5-fold x 2")
    command.add_argument("--seeds", type=int, default=2, help="training seeds (ensemble members) per split")
    command.add_argument("--reference-seeds", type=int, default=5, help="seeds of the reference (ensemble sizes)")
    command.add_argument("--scale", type=float, default=0.25, help="the study's image scale (0.25: 62 x 50; the "
                         "levers cost a quarter of half size's time, and the 'half' lever measures what that loses)")
    command.add_argument("--no-refit", action="store_true", help="skip the nested refit lever")
    command.add_argument("--keep", action="store_true", help="reuse the rows of --out for levers of the same "
                         "config, splits, seeds and scale (a study run in parts)")
    args = command.parse_args(argv)
    from helpers.studies.lever_training import lever_rows, refit_rows

    if args.levers is None:
        reference = LEVERS[REFERENCE].config(args.scale)
        args.levers = [n for n, lever in LEVERS.items() if n == REFERENCE or lever.config(args.scale) != reference]
    wanted = {name: lever_named(name) for name in [*args.levers, *args.combine]}  # refuses a bad combination now
    out = args.out or config.results_dir() / f"{RESULTS_NAME}.json"
    parameters = {"splits": args.splits, "seeds": args.seeds, "reference_seeds": args.reference_seeds,
                  "scale": args.scale, "epochs_override": args.epochs, "folds": 5, "repeats": 2,
                  "split_numbers": list(range(args.splits))}
    kept: dict[str, Any] = storage.load_json(out) if args.keep and out.is_file() else {}
    if kept and {k: kept["parameters"].get(k) for k in parameters} != parameters:
        kept = {}
    started = time.perf_counter() - (float(kept["environment"]["wall_seconds"]) if kept else 0.0)
    rows = [r for r in kept.get("rows", []) if r["lever"] in wanted]
    refit = list(kept.get("refit_rows", []))
    photos_frame = data.prepared_photos(args.data_dir)
    sketch_data = sketch_files.load_paired(args.data_dir) if any(v.sketches for v in wanted.values()) else None
    for name, lever in wanted.items():
        if not any(r["lever"] == name for r in rows):
            seeds = args.reference_seeds if name == REFERENCE else args.seeds
            rows += lever_rows(lever, photos_frame, range(args.splits), seeds, args.scale, args.epochs, sketch_data)
            write(RESULTS_NAME, document(rows, refit, parameters, started), out)
    if not args.no_refit and not refit:
        refit = refit_rows(photos_frame, range(args.splits), args.seeds, args.scale, args.epochs)
    print(f"chosen: {write(RESULTS_NAME, document(rows, refit, parameters, started), out)['chosen']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
