"""The results files: specs (checked when written and read) and writers; reading needs no NumPy (``make slides``)."""

from __future__ import annotations

import os
import re
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from helpers import config
from helpers.infra import storage
from helpers.reporting import targets

Root = str | os.PathLike | None
Number = (int, float)


class ResultsNotReadyError(RuntimeError):
    """Results a summary needs are missing, come from a quick run or lack a field of their spec; says what to run."""


_MISSING = object()
_SINGLE_SPLIT = {"seed": int, "quick": bool, "split_sizes.train": int, "split_sizes.validation": int,
                 "split_sizes.test": int, "parameters.total": int, "recipe": dict, "epochs_run": int,
                 "best_epoch": int, "layers": list, "threshold": Number, "validation_auc": Number,
                 "test_at_0.5.auc": Number, "test_at_0.5.accuracy": Number, "test_at_threshold.accuracy": Number,
                 "test_confusion_at_0.5": list, "test_confusion_at_threshold": list}
_OVER_SPLITS = {"seed": int, "quick": bool, "n_splits": int, "splits": list, "final_variant": str, "parameters": dict,
                "records_from.source": str}
_SPLIT_STUDY = {"fingerprint.code": str, "parameters": dict, "splits": list, "records": list, "leakage": dict,
                "split_seconds": dict, "total_seconds": Number}
# Each results file: what writes it, and the fields (dotted paths) it must hold with their types (every file also
# holds an ``environment``; a dotted path checks its parents too).
SPECS: dict[str, tuple[str, dict[str, Any]]] = {
    "02_baseline_model": ("notebook 02 (`make pipeline`)", {**_SINGLE_SPLIT, "class_weight": dict, "report": dict}),
    "04_final_model": ("notebook 04 (`make pipeline`)", {
        **_SINGLE_SPLIT, "calibration": dict, "leakage": dict, "training_seconds": Number, "verdicts.target.met": bool,
        "report": dict}),
    "05_error_analysis": ("notebook 05 (`make pipeline`)", {
        "seed": int, "quick": bool, "threshold": Number, "test_images": int, "errors": list,
        "luminance_misclassified_vs_correct": (dict, type(None)), "grad_cam_enrichment_by_decision": dict,
        "deep_channels_top_share": list}),
    "06_the_leak": ("notebook 06 (`make pipeline`)", {
        **_OVER_SPLITS, "one_split": dict, "leakage": dict, "inflation.paired": dict, "inflation.includes_zero": dict,
        "inflation.test_female_share": dict, "shortcut.per_split": list, "shortcut.mean": dict}),
    "07_repeated_splits": ("notebook 07 (`make pipeline`)", {
        **_OVER_SPLITS, "split_kind": str, "recipes": dict, "method_labels": dict, "method_order": list,
        "test_images": dict, "summary": dict, "intervals": dict, "paired_vs_pixel_logreg.auc.p_value": Number,
        "records": list, "verdicts.leak_free_target.met": bool, "refit.gains": dict,
        "refit.paired_vs_pixel_logreg_refit.auc.p_value": Number, "verdicts.leak_free_target_refit.met": bool,
        "total_seconds": Number, "selection.summary": dict, "selection.paired_vs_pixel_logreg": dict,
        "selection.picks": dict}),
    "04_recipe_search": ("python -m helpers.studies.recipe_search", {
        "chosen": str, "ranking": list, "ranking_rule": str, "rows": list, "parameters": dict}),
    "04_stability": ("python -m helpers.studies.stability", {
        "runs": int, "rows": list, "variant": str, "image_scale": Number,
        "spread.variance-reduced.accuracy_at_0.5_std": Number, "verdicts.stability.met": bool}),
    "02_baseline_seeds": ("python -m helpers.studies.baseline_seeds", {
        "runs": int, "rows": list, "spread": dict, "recipe": dict, "draws": list, "draw_spread": dict}),
    "05_analysis_seeds": ("python -m helpers.studies.analysis_seeds", {
        "runs": int, "rows": list, "seeds": list, "variant": str, "image_scale": Number}),
    "06_splits": ("python -m helpers.studies.split_study", _SPLIT_STUDY),
    "06_finalist_recipe_d": ("python -m helpers.studies.split_study --variant D+ens2+tta --scale 0.5 --only "
                             "final_cnn_leak_free --out results/06_finalist_recipe_d.json", _SPLIT_STUDY),
    "08_levers": ("python -m helpers.studies.levers", {
        "parameters": dict, "choice_rule": str, "levers": dict, "rows": list, "summary": list,
        "ensemble_sizes": list, "refit_rows": list, "refit_summary": list, "chosen": str}),
    # Earlier runs kept for the README's "Before:" rows (results/archive/README.md), converted to these fields.
    "archive/04_final_model": ("notebook 04 (recipe D, one model)", {
        **{k: v for k, v in _SINGLE_SPLIT.items() if k not in ("quick", "layers")}, "variant": str}),
    "archive/06_honest_evaluation": ("notebook 06 (5 random splits)", {
        "n_splits": int, "splits": list, "split_kind": str, "final_variant": str, "method_labels": dict,
        "method_order": list, "test_images": dict, "summary": dict}),
}
# Notebook 07's headline: the final CNN chosen on each split's own validation photos (between a recipe fixed in
# advance and notebook 08's choice), and that fixed recipe alone.
NESTED, FIXED = "final_cnn_nested_choice", "final_cnn_fixed_recipe"


def path(name: str, root: Root = None) -> Path:
    """Where results file ``name`` lives: ``results/<name>.json`` under the output root (``$CUFS_OUTPUT_DIR``)."""
    if name not in SPECS:
        raise KeyError(f"no results file named {name!r}; known: {', '.join(SPECS)}")
    return config.results_dir(root) / f"{name}.json"


def check(name: str, record: Mapping[str, Any], where: str | os.PathLike) -> None:
    """Refuse ``record`` unless it holds every field of ``SPECS[name]`` with its type, naming ``where`` and them."""
    written_by, fields = SPECS[name]
    problems = []
    for dotted, kind in {**fields, "environment": dict}.items():
        value: Any = record
        for part in re.split(r"(?<!\d)\.|\.(?!\d)", dotted):  # a dot between digits is in a name: "test_at_0.5"
            value = value.get(part, _MISSING) if isinstance(value, Mapping) else _MISSING
        if value is _MISSING:
            problems.append(f"no field '{dotted}'")
        elif not isinstance(value, kind) or (kind is Number and isinstance(value, bool)):
            names = " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
            problems.append(f"'{dotted}' is {type(value).__name__}, not {names}")
    if problems:
        raise ResultsNotReadyError(f"{where}: {'; '.join(problems)}. Re-run {written_by} to write it anew.")


def load(name: str, root: Root = None, source: str | os.PathLike | None = None) -> dict[str, Any]:
    """Results file ``name`` (or the file ``source``), checked against its spec."""
    file = Path(source) if source else path(name, root)
    if not file.is_file():
        raise ResultsNotReadyError(f"{file} is missing: run {SPECS[name][0]} (or restore the committed "
                                   "results with `git checkout results/`).")
    record = storage.load_json(file)
    check(name, record, file)
    return record


def full_run_results(names: Sequence[str], root: Root = None) -> dict[str, dict[str, Any]]:
    """The named results files of a full run, checked; refused when one was written by a quick (smoke-test) run."""
    loaded = {name: load(name, root) for name in names}
    quick = [name for name, record in loaded.items() if record.get("quick")]
    if quick:
        raise ResultsNotReadyError(f"{path(quick[0], root)} was written by a quick run (a smoke test, not "
                                   "evidence): run `make pipeline` to produce full results.")
    return loaded


def load_all(root: Root = None) -> dict[str, dict[str, Any]]:
    """Every results file present, checked, by name: the archived ones (``archive/<name>``) first."""
    folder = config.results_dir(root)
    names = [f"archive/{p.stem}" for p in sorted(folder.glob("archive/*.json"))]
    names += [p.stem for p in sorted(folder.glob("*.json"))]
    return {name: load(name, root) for name in names}


def spread_over_splits(records: list[dict[str, Any]], method: str, metric: str) -> dict[str, float]:
    """Mean, sd (n - 1), min, max and count of one method's metric over notebook 07's per-split ``records``."""
    values = [float(r[metric]) for r in records if r["method"] == method and metric in r]  # older files lack some
    if not values:
        raise ResultsNotReadyError(f"no per-split '{metric}' for {method!r} in the records: run `make pipeline`.")
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values), "n": len(values)}


def write(name: str, payload: Mapping[str, Any], root: Root = None, out: str | os.PathLike | None = None
          ) -> dict[str, Any]:
    """Check ``payload`` (plus the ``environment`` unless it has one) and write it atomically; returns the record."""
    from helpers.infra import environment

    record = dict(payload)
    record.setdefault("environment", environment.describe(seed=payload.get("seed")))  # a study states its own time
    file = Path(out) if out else path(name, root)
    check(name, record, file)
    storage.save_json(file, record)
    return record


def write_study(name: str, payload: Mapping[str, Any], out: str | os.PathLike | None = None) -> dict[str, Any]:
    """One of the studies' files; the stability study's verdict is added here."""
    payload = dict(payload)
    if name == "04_stability":
        sd = payload["spread"]["variance-reduced"]["accuracy_at_0.5_std"]
        payload["verdicts"] = {"stability": targets.stability_verdict(sd, payload["runs"], payload["variant"])}
    return write(name, payload, out=out)


def layer_table(model: Any) -> list[dict[str, Any]]:
    """Every layer of a Keras model: name, type, parameters and output shape (the deck's architecture slides)."""
    return [{"layer": layer.name, "type": type(layer).__name__, "params": layer.count_params(),
             "output_shape": str((None, *layer.output.shape[1:]))} for layer in model.layers]


def single_split_fields(model: Any, history: Any, recipe: Any, splits: Mapping[str, Sequence[int]], best_epoch: int,
                        evaluated: Mapping[str, Any], seed: int, quick: bool, epochs_cap: int | None) -> dict[str, Any]:
    """The fields of notebooks 02 and 04's files: seed, split sizes, parameters, recipe, epochs, layers, metrics."""
    from helpers import models

    trainable, non_trainable = models.parameter_counts(model)
    return {"seed": seed, "quick": bool(quick), "epochs_cap": epochs_cap,
            "split_sizes": {name: len(index) for name, index in splits.items()},
            "parameters": {"trainable": trainable, "non_trainable": non_trainable, "total": model.count_params()},
            "recipe": recipe.as_dict(), "epochs_run": len(history.history["loss"]), "best_epoch": int(best_epoch),
            "layers": layer_table(model), **evaluated}


def over_splits_fields(records: Any, parameters: Mapping[str, Any], records_from: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of notebooks 06 and 07's files: seed, splits, parameters and where the records came from."""
    return {"seed": int(records_from["seed"]), "quick": bool(parameters["QUICK"]),
            "n_splits": int(records["split"].nunique()), "splits": sorted(int(k) for k in records["split"].unique()),
            "final_variant": parameters["FINAL_VARIANT"], "parameters": dict(parameters),
            "records_from": dict(records_from)}
