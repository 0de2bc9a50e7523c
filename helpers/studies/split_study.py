"""Notebooks 06 and 07's training, as a study: every method on every split of a repeated K-fold, to a results file.

    python -m helpers.studies.split_study     # 5 x 2 splits, the levers study's variant -> results/06_splits.json
    python -m helpers.studies.split_study --repeats 4                   # 5 x 4 splits (twice as long)
    python -m helpers.studies.split_study --splits 0 1 --scale 0.25 --epochs 2 --out /tmp/s.json   # a smoke run

Each split trains five CNN models and refits two more (about 10 minutes per split on a 2-core CPU), so the
split loop runs here and notebooks 06 and 07 read its records: ``make pipeline`` stays short, and the notebook trains
the splits itself only when asked (``TRAIN_HERE = True``) or when this file does not match its parameters, its
photos or the code that trains (``matching`` says why).

The run can be interrupted: each finished split is kept in ``data/processed/06_splits.progress.json`` with the
fingerprint it was made under, and the next run with the same fingerprint starts after it. A run with more
repeats also reuses the splits of the results file it replaces (split n is the same for any number of repeats).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers import config

RESULTS_NAME = "06_splits"


def default_out() -> Path:
    """``results/06_splits.json`` under ``$CUFS_OUTPUT_DIR`` or the project (not the folder the command runs in)."""
    return config.results_dir() / f"{RESULTS_NAME}.json"


def progress_path() -> Path:
    """Where the finished splits of an interrupted run wait (ignored by git, like every file of ``data/``)."""
    return config.processed_dir() / f"{RESULTS_NAME}.progress.json"


def fingerprint(folds: int, repeats: int, seed: int, image_scale: float, epochs_cap: int | None,
                final_variant: str, method_names: Sequence[str], data_dir: str | None = None,
                check_sketches: bool = True) -> dict[str, Any]:
    """What the records depend on: the splits' parameters, the photos (and sketches, unless ``check_sketches``
    is off) by content, and the version of the code that builds a split or trains and scores a method."""
    from helpers import methods, photos, sketches, training
    from helpers.infra import provenance

    files = photos.current_photos(data_dir)
    inputs: dict[str, Any] = {"photos": files.fingerprint()}
    if check_sketches and training.variant_inputs(final_variant).sketches:
        folder = sketches.sketch_folder(files.folder)
        inputs["sketches"] = provenance.files_fingerprint(
            [folder / name for name in sketches.pair_sketches(files)["sketch"]])
    return {"folds": int(folds), "repeats": int(repeats), "seed": int(seed), "image_scale": float(image_scale),
            "epochs_cap": epochs_cap, "final_variant": final_variant, "methods": list(method_names),
            "refits": dict(methods.REFIT_OF), **inputs,
            "code": provenance.reachable_code_version(*CODE_ROOTS, skip=CODE_LEFT_OUT)}


# The code version covers what these run (named, not imported: a test may stand in for the loop) ...
CODE_ROOTS = (("helpers.studies.multisplit", "run_split"), ("helpers.sketches", "load_paired"),
              ("helpers.data", "prepared_photos"))
# ... and leaves out: the photos are fingerprinted by content, the method names and refits are
# listed above (methods.py's labels only name them in tables), config holds constants the parameters above set,
# and infra stores and runs (it never changes a number).
CODE_LEFT_OUT = ("helpers.photos", "helpers.methods", "helpers.config", "helpers.infra")


# Split n of a repeated K-fold is the same whatever the number of repeats (each repeat draws from one seeded
# generator in turn; tests/test_refit_and_split_study.py checks it), so a longer run reuses a shorter run's splits.
SAME_FOR_ANY = ("repeats",)


def differences(found: dict[str, Any], wanted: dict[str, Any], ignore: Sequence[str] = ()) -> list[str]:
    """The fingerprint's entries that differ, in words (empty when the records can be reused); ``ignore``: keys
    that may differ."""
    keys = sorted((set(found) | set(wanted)) - set(ignore))
    return [f"{key} is {found.get(key)!r}, not {wanted.get(key)!r}" if key not in ("photos", "sketches", "code")
            else f"the {key} differ" for key in keys if found.get(key) != wanted.get(key)]


def finished_splits(wanted: dict[str, Any], numbers: Sequence[int], log=print) -> dict[str, Any]:
    """The splits of ``numbers`` already made under ``wanted`` (the number of repeats aside): from an interrupted
    run's progress file, then from the study's results file (a 5 x 4 run reuses a 5 x 2 run's ten splits)."""
    from helpers.infra import storage

    done: dict[str, Any] = {}
    progress, results_file = progress_path(), default_out()
    if progress.is_file():
        kept = storage.load_json(progress)
        problems = differences(kept.get("fingerprint", {}), wanted, SAME_FOR_ANY)
        if problems:
            log(f"ignoring {progress}: " + "; ".join(problems))
        else:
            done.update({k: v for k, v in kept["splits"].items() if int(k) in numbers})
    if results_file.is_file():
        document = storage.load_json(results_file)
        problems = differences(document.get("fingerprint", {}), wanted, SAME_FOR_ANY)
        if not problems:
            for k in document["split_seconds"]:
                if int(k) in numbers and k not in done:
                    done[k] = {"records": [r for r in document["records"] if str(r["split"]) == k],
                               "leakage": document["leakage"][k], "seconds": document["split_seconds"][k]}
    if done:
        log(f"reusing splits {sorted(int(k) for k in done)}, already made with this fingerprint")
    return done


def run(folds: int = 5, repeats: int = 2, seed: int = config.SEED, image_scale: float = 0.5,
        epochs_cap: int | None = None, final_variant: str = "D", splits: Sequence[int] | None = None,
        data_dir: str | None = None, log=print, only: Sequence[str] | None = None) -> dict[str, Any]:
    """Every method of ``helpers.methods.METHODS`` on each split (all ``folds x repeats`` unless ``splits``),
    reusing the splits an interrupted or shorter run with the same fingerprint finished (``finished_splits``);
    ``only``: these methods alone (a finalist's records on the same splits, for notebook 07's nested choice)."""
    from helpers import data, methods, sketches, training
    from helpers.infra import environment, storage
    from helpers.studies import multisplit

    numbers = list(range(folds * repeats)) if splits is None else sorted(int(n) for n in splits)
    method_names = tuple(m for m in methods.METHODS if only is None or m in only)
    wanted = fingerprint(folds, repeats, seed, image_scale, epochs_cap, final_variant, method_names, data_dir)
    progress = progress_path()
    done = finished_splits(wanted, numbers, log)
    reused = sorted(int(k) for k in done)
    photo_frame = data.prepared_photos(data_dir)
    sketch_data = sketches.load_paired(data_dir) if training.variant_inputs(final_variant).sketches else None
    for number in numbers:
        if str(number) in done:
            continue
        split_started = time.perf_counter()
        records, leakage = multisplit.run_split(photo_frame, number, folds, repeats, seed, image_scale, epochs_cap,
                                                final_variant, method_names, log, sketch_data)
        done[str(number)] = {"records": records, "leakage": leakage,
                             "seconds": round(time.perf_counter() - split_started, 1)}
        storage.save_json(progress, {"fingerprint": wanted, "splits": done})
    records = [r for n in numbers for r in done[str(n)]["records"]]
    split_seconds = {str(n): done[str(n)]["seconds"] for n in numbers}
    total = sum(split_seconds.values())
    return {
        "description": "notebooks 06 and 07's records: every method on every split of the repeated stratified K-fold",
        "fingerprint": wanted, "splits": numbers,
        "parameters": {"FOLDS": folds, "REPEATS": repeats, "SEED": seed, "IMAGE_SCALE": image_scale,
                       "EPOCHS_CAP": epochs_cap, "FINAL_VARIANT": final_variant},
        "records": records, "leakage": {str(n): done[str(n)]["leakage"] for n in numbers},
        "split_seconds": split_seconds, "total_seconds": round(total, 1),
        "resumed_splits": reused,  # made by an earlier run (interrupted, or with fewer repeats), same fingerprint
        "environment": environment.describe(seed=seed, wall_seconds=total),
    }


def load(path: str | Path | None = None) -> dict[str, Any]:
    """The study's document (``results/06_splits.json`` by default), checked against its spec."""
    from helpers.reporting import results

    return results.load(RESULTS_NAME, source=path or config.project_root() / "results" / f"{RESULTS_NAME}.json")


def provenance_line(document: dict[str, Any]) -> str:
    """Who made the study's records: the command, the commit, the date, the machine and the training time."""
    env = document["environment"]
    resumed = f", resumed after splits {document['resumed_splits']}" if document.get("resumed_splits") else ""
    return (f"made by `python -m helpers.studies.split_study` at commit {env['git_commit']} on {env['date']} "
            f"({env['device']}, TensorFlow {env['tensorflow']}, Keras {env['keras']}): "
            f"{document['total_seconds'] / 60:.0f} min of training{resumed}")


def record_lines(records: Any) -> list[str]:
    """One line per split and method, as the loop prints them while it trains (``multisplit.run_split``)."""
    lines = []
    for record in records.to_dict("records"):
        sketches = record.get("n_sketches")
        added = f" + {int(sketches)} sketches" if isinstance(sketches, (int, float)) and sketches > 0 else ""
        lines.append(f"split {record['split']} | {record['method']:<25} | test AUC {record['auc']:.3f} | acc "
                     f"{record['accuracy']:.3f} | bal. acc {record['balanced_accuracy']:.3f} | {record['n_train']:>3} "
                     f"train{added} / {record['n_test']} test | {record['seconds']:6.1f} s")
    return lines


def matching(folds: int, repeats: int, seed: int, image_scale: float, epochs_cap: int | None, final_variant: str,
             splits: Sequence[int], data_dir: str | None = None, path: str | Path | None = None,
             only: Sequence[str] | None = None, any_seed: bool = False) -> tuple[dict[str, Any] | None, str]:
    """The study's document if it was made with these parameters, photos and code (and ``only`` these methods)
    and holds ``splits``; else ``None`` and the reason in words (the notebook then trains the splits itself).
    ``any_seed``: a study made with another seed matches too (its document names its seed)."""
    from helpers import methods
    from helpers.reporting import results

    try:
        document = load(path)
    except results.ResultsNotReadyError as err:
        return None, str(err)
    from helpers.photos import DataNotFoundError

    names = tuple(m for m in methods.METHODS if only is None or m in only)
    ignored = (*SAME_FOR_ANY, "seed") if any_seed else SAME_FOR_ANY
    unchecked = ""
    try:
        wanted = fingerprint(folds, repeats, seed, image_scale, epochs_cap, final_variant, names, data_dir)
    except DataNotFoundError:  # the photos without their sketches/ folder: the study can be read, not re-made
        wanted = fingerprint(folds, repeats, seed, image_scale, epochs_cap, final_variant, names, data_dir, False)
        ignored, unchecked = (*ignored, "sketches"), " (its sketches not checked: no sketches/ beside the photos)"
    problems = differences(document["fingerprint"], wanted, ignored)  # the splits it holds are checked below
    missing = sorted(set(splits) - set(document["splits"]))
    if missing:
        problems.append(f"splits {missing} are not in it")
    if problems:
        return None, f"{Path(path).name if path else RESULTS_NAME + '.json'} does not match this run: " + "; ".join(
            problems)
    if document["fingerprint"]["seed"] != seed:
        return document, (f"it matches this run's photos, code and parameters except the seed: it was made with "
                          f"seed {document['fingerprint']['seed']}{unchecked}")
    return document, f"it matches this run's parameters, photos and code{unchecked}"


def records_for(photos: Any, folds: int, repeats: int, seed: int, image_scale: float, epochs_cap: int | None,
                final_variant: str, splits: Sequence[int], data_dir: str | None = None,
                train_because: str | None = None, only: Sequence[str] | None = None, log=print) -> dict[str, Any]:
    """Notebooks 06 and 07's records: the study's when it matches (made with any seed), else every split of the
    ``photos`` (``data.prepared_photos``) trained here with ``seed`` (``train_because``: train here without
    looking, and why). Returns ``records`` (a DataFrame), ``leakage`` (per split), ``total_seconds`` and
    ``records_from`` (where they came from, and the split seed)."""
    import pandas as pd

    from helpers import methods, sketches, training
    from helpers.studies import multisplit

    study, reason = (None, train_because) if train_because else matching(
        folds, repeats, seed, image_scale, epochs_cap, final_variant, splits, data_dir, any_seed=True)
    if study is not None:
        names = set(methods.METHODS if only is None else only)
        records = pd.DataFrame([r for r in study["records"] if r["split"] in splits and r["method"] in names])
        leakage = {int(k): v for k, v in study["leakage"].items() if int(k) in splits}
        total = sum(study["split_seconds"][str(k)] for k in splits)
        log(f"Records read from results/{RESULTS_NAME}.json: {reason}.")
        log(provenance_line(study))
        for line in record_lines(records):
            log(line)
        seed = study["fingerprint"]["seed"]
    else:
        log(f"Training every split here ({reason}).")
        sketch_data = sketches.load_paired(data_dir) if training.variant_inputs(final_variant).sketches else None
        started, rows, leakage, names = time.perf_counter(), [], {}, tuple(only or methods.METHODS)
        for number in splits:
            split_rows, leakage[number] = multisplit.run_split(photos, number, folds, repeats, seed, image_scale,
                                                               epochs_cap, final_variant, names,
                                                               sketch_data=sketch_data)
            rows += split_rows
        records, total = pd.DataFrame(rows), time.perf_counter() - started
    log(f"{len(records)} runs, {total / 60:.1f} min of training")
    return {"records": records, "leakage": leakage, "total_seconds": total,
            "records_from": {"source": f"results/{RESULTS_NAME}.json" if study is not None else "this notebook",
                             "reason": reason, "seed": seed,
                             "git_commit": study["environment"]["git_commit"] if study is not None else None}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Notebooks 06 and 07's split loop: every method on every split.")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=config.SEED)
    parser.add_argument("--variant", help="default: the choice of results/08_levers.json (notebook 07's)")
    parser.add_argument("--scale", type=float, help="image scale (default: the levers study's)")
    parser.add_argument("--epochs", type=int, help="cap the epochs (smoke runs only)")
    parser.add_argument("--splits", type=int, nargs="+", help="only these splits (smoke runs only)")
    parser.add_argument("--data-dir", help="photos folder (default: $CUFS_DIR, data/raw/, kagglehub)")
    parser.add_argument("--out", help="default: results/ under $CUFS_OUTPUT_DIR or the project")
    parser.add_argument("--only", nargs="+", metavar="METHOD", help="train only these methods (with --out)")
    args = parser.parse_args(argv)
    if args.only and not args.out:
        parser.error("--only writes a partial study: name its file with --out")
    import helpers.start  # noqa: F401 (TensorFlow's start-up noise off)
    from helpers.reporting import results
    from helpers.studies import levers

    chosen_variant, chosen_scale = levers.chosen_variant()
    document = run(args.folds, args.repeats, args.seed, args.scale or chosen_scale, args.epochs,
                   args.variant or chosen_variant, args.splits, args.data_dir, only=args.only)
    out = Path(args.out) if args.out else default_out()
    results.write_study(RESULTS_NAME, document, out)
    if args.splits is None or sorted(args.splits) == list(range(args.folds * args.repeats)):
        progress_path().unlink(missing_ok=True)  # complete: nothing left to resume
    print(f"written: {out} ({document['total_seconds'] / 60:.1f} min of training)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
