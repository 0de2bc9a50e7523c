"""Issue 19's levers: what could make the leak-free CNN beat the pixels, each measured on validation photos only.

    python -m helpers.studies.levers                                   # the committed study (all levers)
    python -m helpers.studies.levers --levers D quarter --splits 2 --seeds 1 --epochs 1 --out /tmp/l.json  # smoke

Every lever is one change to today's variant (recipe D, the leak-free protocol: the K-fold split of the photos,
the training photos balanced by augmentation) and is trained on the same leak-free splits (the first
``--splits`` of notebook 07's repeated 5-fold) with the same training seeds. It is scored on each split's
**validation** photos, never on its test fold (the study does not even build the test images: their names
serve only to keep their people's sketches out of training). Scores use flip TTA, as the variant does.

Two numbers per lever and split: the validation AUC and the validation accuracy at 0.5 (the models are trained
on balanced classes), of one model (the mean over the seeds) and of the seed ensemble; the paired difference
from the reference on each split says whether a lever's gain exceeds the split-to-split noise.

The refit lever needs held-out photos of its own: it splits each split's training photos again (2/3 inner
training, 1/3 inner validation), trains on the inner part, takes the epochs and the threshold from the inner
validation photos, refits on all the training photos and is scored on the split's validation photos at that
threshold; pixel logistic regression gets the same treatment. ``CHOICE_RULE`` picks the recipe from the
summary, which holds validation columns only.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import config, data, evaluation, training
from helpers import sketches as sketch_files
from helpers.infra import environment, storage
from helpers.reporting import results

RESULTS_NAME = "08_levers"
REFERENCE = "D"
# Mean validation AUCs closer than this are a tie (as in notebook 04's recipe search): one of 57 validation
# photos moves an AUC by more.
TIE_TOLERANCE = 0.005
CHOICE_RULE = (f"the lever with the highest mean validation AUC of its seed ensemble; levers within "
               f"{TIE_TOLERANCE} of it are tied, and the tie goes to the reference (no change), then to the "
               "cheapest (seconds of training per model). Validation columns only.")


@dataclass(frozen=True)
class Lever:
    """One change to the reference (recipe D at the study's scale, colour photos, no sketches)."""

    name: str
    description: str
    recipe: dict[str, Any] = field(default_factory=dict)  # fields of training.Recipe that change
    scale: float | None = None  # None: the study's image scale
    grey: bool = False  # photos (and sketches) as grey levels on three channels
    standardise: bool = False  # per-image standardisation
    sketches: str | None = None  # "add": training people's sketches join the photos; "pretrain": first, alone

    def config(self, scale: float) -> dict[str, Any]:
        """What the lever trains, in plain values: two levers with one config share their models."""
        return {"recipe": replace(training.FINAL_RECIPE, **self.recipe).as_dict(),
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
ENSEMBLE_SIZES = (1, 2, 3, 5)


def combine(names: Sequence[str]) -> Lever:
    """The levers ``names`` applied together (named ``a+b``): the second stage, for levers that helped alone."""
    chosen = [LEVERS[name] for name in names]
    sketch_kinds = {lever.sketches for lever in chosen} - {None}
    scales = {lever.scale for lever in chosen} - {None}
    recipe: dict[str, Any] = {}
    for lever in chosen:
        clash = {k for k in set(recipe) & set(lever.recipe) if recipe[k] != lever.recipe[k]}
        if clash:
            raise ValueError(f"levers {', '.join(names)} set {sorted(clash)} differently: they cannot combine")
        recipe.update(lever.recipe)
    if len(sketch_kinds) > 1 or len(scales) > 1:
        raise ValueError(f"levers {', '.join(names)} choose different sketches or scales: they cannot combine")
    return Lever("+".join(names), " and ".join(lever.description for lever in chosen), recipe=recipe,
                 scale=scales.pop() if scales else None, grey=any(lever.grey for lever in chosen),
                 standardise=any(lever.standardise for lever in chosen),
                 sketches=sketch_kinds.pop() if sketch_kinds else None)


def lever_named(name: str) -> Lever:
    """A lever of ``LEVERS``, or a combination ``a+b`` of them."""
    return LEVERS[name] if name in LEVERS else combine(name.split("+"))


# ---- summaries ------------------------------------------------------------------------------------------------


def split_metrics(rows: pd.DataFrame, members: int | None = None) -> pd.DataFrame:
    """Per lever and split: validation AUC and accuracy at 0.5 of one model (mean over the members) and of the
    ensemble of the first ``members`` members (all when None)."""
    out = []
    for (lever, split), group in rows.groupby(["lever", "split"], sort=False):
        group = group.sort_values("member")
        if members is not None:
            if len(group) < members:
                continue
            group = group.iloc[:members]
        y = np.asarray(group["validation_labels"].iloc[0])
        scores = np.asarray(group["validation_scores"].tolist(), dtype=float)
        single = [evaluation.binary_metrics(y, s) for s in scores]
        ensemble = evaluation.binary_metrics(y, scores.mean(axis=0))
        out.append({"lever": lever, "split": split, "members": len(group),
                    "single_auc": float(np.mean([m["auc"] for m in single])),
                    "single_accuracy": float(np.mean([m["accuracy"] for m in single])),
                    "ensemble_auc": ensemble["auc"], "ensemble_accuracy": ensemble["accuracy"],
                    "seconds_per_model": float(group["seconds"].mean()),
                    "best_epoch": float(group["best_epoch"].mean())})
    return pd.DataFrame(out)


# Photos per split (notebook 07's 5-fold): the models learn from the training photos and are scored on the
# validation photos, so these are the Nadeau-Bengio test's n_train and n_test (its overlap correction).
TRAINING_PHOTOS, VALIDATION_PHOTOS = 93, 57


def summary(rows: pd.DataFrame, members: int) -> pd.DataFrame:
    """Per lever: mean validation metrics over the splits (ensembles of ``members``), the paired difference of
    the ensemble AUC and accuracy from the reference (mean, sd over the splits and the corrected resampled
    t-test's p-value, since the splits' training sets overlap) and the cost."""
    per_split = split_metrics(rows, members)
    reference = per_split[per_split["lever"] == REFERENCE].set_index("split")
    table = []
    for lever, group in per_split.groupby("lever", sort=False):
        group = group.set_index("split")
        common = group.index.intersection(reference.index)
        auc_diff = group.loc[common, "ensemble_auc"] - reference.loc[common, "ensemble_auc"]
        acc_diff = group.loc[common, "ensemble_accuracy"] - reference.loc[common, "ensemble_accuracy"]
        table.append({"lever": lever, "description": lever_named(lever).description,
                      "splits": len(group), "members": members,
                      "single_auc": group["single_auc"].mean(), "single_accuracy": group["single_accuracy"].mean(),
                      "ensemble_auc": group["ensemble_auc"].mean(),
                      "ensemble_accuracy": group["ensemble_accuracy"].mean(),
                      "auc_gain": float(auc_diff.mean()), "auc_gain_sd": float(auc_diff.std(ddof=1)),
                      "auc_gain_p": p_value(auc_diff.to_numpy()),
                      "accuracy_gain": float(acc_diff.mean()), "accuracy_gain_sd": float(acc_diff.std(ddof=1)),
                      "accuracy_gain_p": p_value(acc_diff.to_numpy()),
                      "splits_better": int((auc_diff > 0).sum()), "splits_worse": int((auc_diff < 0).sum()),
                      "seconds_per_model": group["seconds_per_model"].mean(),
                      "best_epoch": group["best_epoch"].mean()})
    return pd.DataFrame(table)


def p_value(differences: np.ndarray) -> float:
    """Two-sided p-value of paired differences over the splits (Nadeau-Bengio); 1 for the reference itself."""
    from helpers import split_statistics

    if len(differences) < 2 or not np.any(differences):
        return 1.0
    return float(split_statistics.nadeau_bengio(differences, TRAINING_PHOTOS, VALIDATION_PHOTOS)["p_value"])


def gains_per_split(rows: pd.DataFrame, members: int) -> pd.DataFrame:
    """Per lever and split: the ensemble's validation AUC and accuracy minus the reference's on that split."""
    per_split = split_metrics(rows, members).set_index(["lever", "split"])
    reference = per_split.xs(REFERENCE, level="lever")
    gains = per_split[["ensemble_auc", "ensemble_accuracy"]] - reference[["ensemble_auc", "ensemble_accuracy"]]
    return gains.rename(columns={"ensemble_auc": "auc_gain", "ensemble_accuracy": "accuracy_gain"}).reset_index()


def ensemble_sizes(rows: pd.DataFrame, lever: str = REFERENCE) -> pd.DataFrame:
    """The reference's validation AUC and accuracy as a seed ensemble of 1, 2, 3 and 5 models, with their cost."""
    mine = rows[rows["lever"] == lever]
    out = []
    for size in ENSEMBLE_SIZES:
        per_split = split_metrics(mine, size)
        if per_split.empty or per_split["members"].min() < size:
            continue
        out.append({"models": size, "ensemble_auc": per_split["ensemble_auc"].mean(),
                    "ensemble_accuracy": per_split["ensemble_accuracy"].mean(),
                    "auc_sd_over_splits": per_split["ensemble_auc"].std(ddof=1),
                    "train_seconds": size * per_split["seconds_per_model"].mean()})
    return pd.DataFrame(out)


def choose(table: pd.DataFrame) -> str:
    """``CHOICE_RULE`` applied to ``summary``'s table (validation columns only)."""
    best = table["ensemble_auc"].max()
    tied = table[table["ensemble_auc"] >= best - TIE_TOLERANCE]
    if REFERENCE in set(tied["lever"]):
        return REFERENCE
    return str(tied.sort_values(["seconds_per_model", "ensemble_auc"], ascending=[True, False])["lever"].iloc[0])


def refit_summary(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per method: mean validation AUC and accuracy before and after the refit, and the paired gain."""
    table = pd.DataFrame(rows)
    wide = table.pivot_table(index=["method", "split"], columns="kind",
                             values=["validation_auc", "validation_accuracy"])
    out = []
    for method, group in wide.groupby(level="method"):
        auc_gain = group[("validation_auc", "refit")] - group[("validation_auc", "pre-refit")]
        acc_gain = group[("validation_accuracy", "refit")] - group[("validation_accuracy", "pre-refit")]
        out.append({"method": method, "splits": len(group),
                    "pre_refit_auc": group[("validation_auc", "pre-refit")].mean(),
                    "refit_auc": group[("validation_auc", "refit")].mean(),
                    "pre_refit_accuracy": group[("validation_accuracy", "pre-refit")].mean(),
                    "refit_accuracy": group[("validation_accuracy", "refit")].mean(),
                    "auc_gain": float(auc_gain.mean()), "auc_gain_sd": float(auc_gain.std(ddof=1)),
                    "accuracy_gain": float(acc_gain.mean()), "accuracy_gain_sd": float(acc_gain.std(ddof=1))})
    return pd.DataFrame(out)


# ---- the command ----------------------------------------------------------------------------------------------


def variant_of(choice: str, scale: float, members: int) -> tuple[str, float]:
    """The final-CNN variant (``training.parse_variant``'s grammar) and image scale of a lever or combination:
    what notebook 07 trains when it carries the study's choice. Refuses a lever the variants cannot express."""
    lever = lever_named(choice)
    if lever.grey or lever.sketches not in (None, "add"):
        raise ValueError(f"lever {choice!r} (grey input or sketch pre-training) has no final-CNN variant yet")
    recipe = replace(training.FINAL_RECIPE, **lever.recipe)
    names = [name for name, known in training.VARIANTS.items() if known == recipe]
    if not names:
        raise ValueError(f"lever {choice!r} trains a recipe that training.VARIANTS does not hold: add it there")
    tokens = [names[0], *(["std"] if lever.standardise else []), *(["sketch"] if lever.sketches else []),
              f"ens{members}", "tta"]
    return "+".join(tokens), lever.scale or scale


def chosen_variant(path: str | Path | None = None) -> tuple[str, float]:
    """The study's choice as a final-CNN variant and image scale (``variant_of``), ensembles of the study's size."""
    study = load(path)
    return variant_of(study["chosen"], study["parameters"]["scale"], study["parameters"]["seeds"])


def default_out() -> Path:
    """``results/08_levers.json`` under ``$CUFS_OUTPUT_DIR`` or the project."""
    return config.results_dir() / f"{RESULTS_NAME}.json"


def load(path: str | Path | None = None) -> dict[str, Any]:
    """The levers document notebook 08 reads."""
    return results.load(RESULTS_NAME, source=path or config.project_root() / "results" / f"{RESULTS_NAME}.json")


def document(rows: list[dict[str, Any]], refit: list[dict[str, Any]], parameters: dict[str, Any],
             started: float, earlier_seconds: float = 0.0) -> dict[str, Any]:
    """The results document: rows, summaries, the choice and how it was made. The wall time adds
    ``earlier_seconds``, the time of the earlier parts of a study run in parts (``--keep``)."""
    table = pd.DataFrame(rows)
    members = int(parameters["seeds"])
    lever_table = summary(table, members) if len(table) else pd.DataFrame()
    return {
        "parameters": parameters, "choice_rule": CHOICE_RULE, "tie_tolerance": TIE_TOLERANCE,
        "levers": {name: {"description": lever_named(name).description, **lever_named(name).config(parameters["scale"])}
                   for name in dict.fromkeys(table.get("lever", []))},
        "rows": rows, "summary": lever_table.to_dict("records"),
        "ensemble_sizes": ensemble_sizes(table).to_dict("records") if len(table) else [],
        "refit_rows": refit, "refit_summary": refit_summary(refit).to_dict("records") if refit else [],
        "chosen": choose(lever_table) if len(lever_table) else REFERENCE,
        "environment": environment.describe(seed=config.SEED,
                                            wall_seconds=earlier_seconds + time.perf_counter() - started),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure issue 19's levers on validation photos only.")
    parser.add_argument("--levers", nargs="+", choices=list(LEVERS),
                        help="default: all but the one that repeats the reference at --scale")
    parser.add_argument("--combine", nargs="+", default=[], metavar="A+B",
                        help="combinations of levers to measure too (the second stage), e.g. half+standardise")
    parser.add_argument("--splits", type=int, default=5, help="the first N splits of notebook 07's 5-fold x 2")
    parser.add_argument("--seeds", type=int, default=2, help="training seeds (ensemble members) per split")
    parser.add_argument("--reference-seeds", type=int, default=5, help="seeds of the reference (ensemble sizes)")
    parser.add_argument("--scale", type=float, default=0.25, help="the study's image scale (0.25: 62 x 50; the "
                        "levers cost a quarter of half size's time, and the 'half' lever measures what that loses)")
    parser.add_argument("--epochs", type=int, help="cap the epochs (smoke runs only)")
    parser.add_argument("--no-refit", action="store_true", help="skip the nested refit lever")
    parser.add_argument("--keep", action="store_true", help="reuse the rows of --out for levers of the same "
                        "config, splits, seeds and scale (a study run in parts)")
    parser.add_argument("--data-dir", help="photos folder (default: $CUFS_DIR, data/raw/, kagglehub)")
    parser.add_argument("--out", help="default: results/08_levers.json under $CUFS_OUTPUT_DIR or the project")
    args = parser.parse_args(argv)
    if args.levers is None:
        reference = LEVERS[REFERENCE].config(args.scale)
        args.levers = [n for n, lever in LEVERS.items() if n == REFERENCE or lever.config(args.scale) != reference]
    started = time.perf_counter()
    out = Path(args.out) if args.out else default_out()
    photos_frame = data.prepared_photos(args.data_dir)
    parameters = {"splits": args.splits, "seeds": args.seeds, "reference_seeds": args.reference_seeds,
                  "scale": args.scale, "epochs_override": args.epochs, "folds": 5, "repeats": 2,
                  "split_numbers": list(range(args.splits))}
    kept: dict[str, Any] = storage.load_json(out) if args.keep and out.is_file() else {}
    if kept and {k: kept["parameters"].get(k) for k in parameters} != parameters:
        kept = {}
    for name in args.combine:
        lever_named(name)  # refuse a combination that cannot be made before any training
    wanted = [*args.levers, *args.combine]
    rows = [r for r in kept.get("rows", []) if r["lever"] in wanted]
    earlier = float(kept["environment"]["wall_seconds"]) if kept else 0.0
    refit = list(kept.get("refit_rows", []))
    numbers = range(args.splits)
    sketch_data = None
    if any(lever_named(name).sketches for name in wanted):
        sketch_data = sketch_files.load_paired(args.data_dir)
    from helpers.studies.lever_training import lever_rows, refit_rows

    for name in wanted:
        if any(r["lever"] == name for r in rows):
            continue
        seeds = args.reference_seeds if name == REFERENCE else args.seeds
        rows += lever_rows(lever_named(name), photos_frame, numbers, seeds, args.scale, args.epochs, sketch_data)
        results.write_study(RESULTS_NAME, document(rows, refit, parameters, started, earlier), out)
    if not args.no_refit and not refit:
        refit = refit_rows(photos_frame, numbers, args.seeds, args.scale, args.epochs)
    written = results.write_study(RESULTS_NAME, document(rows, refit, parameters, started, earlier), out)
    print(f"chosen: {written['chosen']} | written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
