"""Notebooks 06 and 07's split loop as a resumable study (``python -m helpers.studies.split_study``), which the
notebooks read when its fingerprint matches their run; and what every study's command shares."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers import config
from helpers.infra import environment, storage
from helpers.reporting import results

RESULTS_NAME = "06_splits"
# The code version covers what these run (named, not imported: a test may stand in for the loop) and leaves out the
# photos (fingerprinted by content), the methods (listed), config (its constants are parameters) and infra.
CODE_ROOTS = (("helpers.studies.multisplit", "run_split"), ("helpers.sketches", "load_paired"),
              ("helpers.data", "prepared_photos"))
CODE_LEFT_OUT = ("helpers.photos", "helpers.methods", "helpers.config", "helpers.infra")
# Split n of a repeated K-fold is the same for any number of repeats: a longer run reuses a shorter run's splits.
SAME_FOR_ANY = ("repeats",)
# The levers study and the recipe search: mean validation AUCs closer than this are a tie (on 57 to 81 validation
# photos one photo moves an AUC by more).
TIE_TOLERANCE = 0.005


def committed(name: str, source: str | Path | None = None) -> dict[str, Any]:
    """Study ``name``'s committed results (the project's ``results/<name>.json``) or the file ``source``, checked."""
    return results.load(name, source=source or config.project_root() / "results" / f"{name}.json")


def parser(description: str, chosen: bool = False) -> argparse.ArgumentParser:
    """A study's command line, with the options every study takes (and ``--variant``/``--scale`` if ``chosen``)."""
    made = argparse.ArgumentParser(description=description)
    made.add_argument("--epochs", type=int, help="cap the epochs (smoke runs only)")
    made.add_argument("--data-dir", help="photos folder (default: $CUFS_DIR, data/raw/, kagglehub)")
    made.add_argument("--out", type=Path, help="default: results/ under $CUFS_OUTPUT_DIR or the project")
    if chosen:
        from helpers.studies import levers

        variant, scale = levers.chosen_variant()
        made.add_argument("--variant", default=variant, help="default: the choice of results/08_levers.json")
        made.add_argument("--scale", type=float, default=scale, help="image scale (default: the levers study's)")
    return made


def stamp(seed: int, started: float) -> dict[str, Any]:
    """The environment a study ran in, with its wall time since ``started`` (``time.perf_counter()``)."""
    return environment.describe(seed=seed, wall_seconds=time.perf_counter() - started)


def write(name: str, document: dict[str, Any], out: Path | None = None) -> dict[str, Any]:
    """Study ``name``'s document, checked and written to ``out`` (default: ``results/`` under the output root)."""
    out = out or config.results_dir() / f"{name}.json"
    written = results.write_study(name, document, out)
    print(f"written: {out}")
    return written


def progress_path() -> Path:
    """Where the finished splits of an interrupted run wait (git-ignored, like all of ``data/``)."""
    return config.processed_dir() / f"{RESULTS_NAME}.progress.json"


def fingerprint(folds: int, repeats: int, seed: int, image_scale: float, epochs_cap: int | None,
                final_variant: str, only: Sequence[str] | None = None, data_dir: str | None = None,
                check_sketches: bool = True) -> dict[str, Any]:
    """What the records depend on: the parameters, the photos (and sketches if ``check_sketches``), the code."""
    from helpers import methods, photos, sketches
    from helpers.infra import provenance
    from helpers.recipes import Variant

    files = photos.current_photos(data_dir)
    inputs: dict[str, Any] = {"photos": files.fingerprint()}
    if check_sketches and Variant.parse(final_variant).sketches:
        folder = sketches.sketch_folder(files.folder)
        inputs["sketches"] = provenance.files_fingerprint(
            [folder / name for name in sketches.pair_sketches(files)["sketch"]])
    return {"folds": int(folds), "repeats": int(repeats), "seed": int(seed), "image_scale": float(image_scale),
            "epochs_cap": epochs_cap, "final_variant": final_variant,
            "methods": [m for m in methods.METHODS if only is None or m in only], "refits": dict(methods.REFIT_OF),
            **inputs,
            "code": provenance.reachable_code_version(*CODE_ROOTS, skip=CODE_LEFT_OUT)}


def differences(found: dict[str, Any], wanted: dict[str, Any], ignore: Sequence[str] = ()) -> list[str]:
    """The fingerprints' entries that differ (but ``ignore``), in words: empty when the records can be reused."""
    keys = sorted((set(found) | set(wanted)) - set(ignore))
    return [f"{key} is {found.get(key)!r}, not {wanted.get(key)!r}" if key not in ("photos", "sketches", "code")
            else f"the {key} differ" for key in keys if found.get(key) != wanted.get(key)]


def run(folds: int = 5, repeats: int = 2, seed: int = config.SEED, image_scale: float = 0.5,
        epochs_cap: int | None = None, final_variant: str = "D", splits: Sequence[int] | None = None,
        data_dir: str | None = None, log=print, only: Sequence[str] | None = None, photos: Any = None
        ) -> dict[str, Any]:
    """Every method (or ``only`` these) on each split (or ``splits``), reusing the splits a run of this fingerprint
    made and keeping each as it ends; given ``photos``, on those, every split afresh and kept nowhere."""
    from helpers import data, sketches
    from helpers.recipes import Variant
    from helpers.studies import multisplit

    numbers = list(range(folds * repeats)) if splits is None else sorted(int(n) for n in splits)
    wanted = fingerprint(folds, repeats, seed, image_scale, epochs_cap, final_variant, only, data_dir)
    done, resume = {}, photos is None
    if resume:  # an interrupted run's splits wait in the progress file; a run with fewer repeats', in its results
        shorter, _ = matching(folds, repeats, seed, image_scale, epochs_cap, final_variant, [], data_dir,
                              config.results_dir() / f"{RESULTS_NAME}.json", only)
        done = {k: {"records": [r for r in shorter["records"] if str(r["split"]) == k],
                    "leakage": shorter["leakage"][k], "seconds": seconds}
                for k, seconds in shorter["split_seconds"].items()} if shorter else {}
        progress = storage.load_json(progress_path()) if progress_path().is_file() else {}
        problems = differences(progress.get("fingerprint", {}), wanted, SAME_FOR_ANY)
        if progress and problems:
            log(f"ignoring {progress_path()}: " + "; ".join(problems))
        done = {k: v for k, v in {**done, **({} if problems else progress["splits"])}.items() if int(k) in numbers}
    reused = sorted(int(k) for k in done)
    if reused:
        log(f"reusing splits {reused}, already made with this fingerprint")
    photos = data.prepared_photos(data_dir) if resume else photos
    sketch_data = sketches.load_paired(data_dir) if Variant.parse(final_variant).sketches else None
    for number in (n for n in numbers if n not in reused):
        started = time.perf_counter()
        records, leakage = multisplit.run_split(photos, number, folds, repeats, seed, image_scale, epochs_cap,
                                                final_variant, tuple(wanted["methods"]), log, sketch_data)
        done[str(number)] = {"records": records, "leakage": leakage,
                             "seconds": round(time.perf_counter() - started, 1)}
        if resume:
            storage.save_json(progress_path(), {"fingerprint": wanted, "splits": done})
    split_seconds = {str(n): done[str(n)]["seconds"] for n in numbers}
    total = sum(split_seconds.values())
    return {
        "description": "notebooks 06 and 07's records: every method on every split of the repeated stratified K-fold",
        "fingerprint": wanted, "splits": numbers,
        "parameters": {"FOLDS": folds, "REPEATS": repeats, "SEED": seed, "IMAGE_SCALE": image_scale,
                       "EPOCHS_CAP": epochs_cap, "FINAL_VARIANT": final_variant},
        "records": [r for n in numbers for r in done[str(n)]["records"]],
        "leakage": {str(n): done[str(n)]["leakage"] for n in numbers},
        "split_seconds": split_seconds, "total_seconds": round(total, 1),
        "resumed_splits": reused,  # made by an earlier run (interrupted, or with fewer repeats), same fingerprint
        "environment": environment.describe(seed=seed, wall_seconds=total),
    }


def matching(folds: int, repeats: int, seed: int, image_scale: float, epochs_cap: int | None, final_variant: str,
             splits: Sequence[int], data_dir: str | None = None, path: str | Path | None = None,
             only: Sequence[str] | None = None, any_seed: bool = False) -> tuple[dict[str, Any] | None, str]:
    """The study's document if it matches this run (any seed if ``any_seed``) and holds ``splits``, with why."""
    from helpers.photos import DataNotFoundError

    try:
        document = committed(RESULTS_NAME, path)
    except results.ResultsNotReadyError as err:
        return None, str(err)
    ignored = (*SAME_FOR_ANY, "seed") if any_seed else SAME_FOR_ANY
    unchecked = ""
    try:
        wanted = fingerprint(folds, repeats, seed, image_scale, epochs_cap, final_variant, only, data_dir)
    except DataNotFoundError:  # the photos without their sketches/ folder: the study can be read, not re-made
        wanted = fingerprint(folds, repeats, seed, image_scale, epochs_cap, final_variant, only, data_dir, False)
        ignored, unchecked = (*ignored, "sketches"), " (its sketches not checked: no sketches/ beside the photos)"
    problems = differences(document["fingerprint"], wanted, ignored)
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
    """Notebooks 06 and 07's records: the study's when it matches (any seed), else trained here (at once when
    ``train_because`` says why); with ``leakage``, ``total_seconds`` and ``records_from``."""
    import pandas as pd

    from helpers.studies import multisplit

    study, reason = (None, train_because) if train_because else matching(
        folds, repeats, seed, image_scale, epochs_cap, final_variant, splits, data_dir, any_seed=True)
    if study is None:
        log(f"Training every split here ({reason}).")
        document = run(folds, repeats, seed, image_scale, epochs_cap, final_variant, splits, data_dir, log, only,
                       photos)
    else:
        env, document = study["environment"], study
        resumed = f", resumed after splits {study['resumed_splits']}" if study.get("resumed_splits") else ""
        log(f"Records read from results/{RESULTS_NAME}.json: {reason}.")
        log(f"made by `python -m helpers.studies.split_study` at commit {env['git_commit']} on {env['date']} "
            f"({env['device']}, TensorFlow {env['tensorflow']}, Keras {env['keras']}): "
            f"{study['total_seconds'] / 60:.0f} min of training{resumed}")
    records = pd.DataFrame([r for r in document["records"]
                            if r["split"] in splits and (only is None or r["method"] in only)])
    if study is not None:
        for record in records.to_dict("records"):
            log(multisplit.record_line(record))
    total = sum(document["split_seconds"][str(k)] for k in splits)
    log(f"{len(records)} runs, {total / 60:.1f} min of training")
    return {"records": records, "leakage": {int(k): v for k, v in document["leakage"].items() if int(k) in splits},
            "total_seconds": total,
            "records_from": {"source": f"results/{RESULTS_NAME}.json" if study is not None else "this notebook",
                             "reason": reason, "seed": document["fingerprint"]["seed"],
                             "git_commit": study["environment"]["git_commit"] if study is not None else None}}


def main(argv: list[str] | None = None) -> int:
    command = parser("Notebooks 06 and 07's split loop: every method on every split.", chosen=True)
    command.add_argument("--repeats", type=int, default=2, help="repeats of the 5-fold")
    command.add_argument("--splits", type=int, nargs="+", help="only these splits (smoke runs only)")
    command.add_argument("--only", nargs="+", metavar="METHOD", help="train only these methods (with --out)")
    args = command.parse_args(argv)
    if args.only and not args.out:
        command.error("--only writes a partial study: name its file with --out")
    import helpers.start  # noqa: F401 (TensorFlow's start-up noise off)

    write(RESULTS_NAME, run(5, args.repeats, config.SEED, args.scale, args.epochs, args.variant, args.splits,
                            args.data_dir, only=args.only), args.out)
    if args.splits is None or sorted(args.splits) == list(range(5 * args.repeats)):
        progress_path().unlink(missing_ok=True)  # complete: nothing left to resume
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
