"""MODEL_CARD.md, rendered from the results files through ``templates/model_card.md.j2`` so that it cannot drift.

    python -m helpers.reporting.model_card            # rewrite MODEL_CARD.md (the pipeline does it after a full run)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import config, evaluation, methods, split_statistics
from helpers.methods import LEAK_FREE, LEAKY, PREVALENCE_FREE
from helpers.reporting import documents, results

CARD = "MODEL_CARD.md"
NEEDED = ("02_baseline_model", "04_final_model", "04_stability", "05_error_analysis", "05_analysis_seeds",
          "07_repeated_splits")


def render(root: results.Root = None) -> str:
    """The model card's Markdown."""
    r = results.full_run_results(NEEDED, root)
    final, honest = r["04_final_model"], r["07_repeated_splits"]
    records = honest["records"] + honest["selection"]["records"]  # with the headline's
    images = {**honest["test_images"], results.NESTED: honest["test_images"][LEAK_FREE]}
    frame = methods.with_specificity(pd.DataFrame(records))
    summary = split_statistics.summarise(frame, ("auc", "accuracy"))  # corrected intervals, for older files too
    n_test, scale = final["split_sizes"]["test"], honest["parameters"]["IMAGE_SCALE"]
    rows: list[dict[str, Any]] = []
    for label, at in ((f"report's protocol (leaky), one split, seed {final['seed']}, threshold 0.5", "0.5"),
                      (f"same, threshold {final['threshold']:.3f} chosen on validation", "threshold")):
        # AUC (Hanley-McNeil) and accuracy (Wilson) with intervals on the report's split
        metrics, confusion = final[f"test_at_{at}"], final[f"test_confusion_at_{at}"]
        auc = evaluation.auc_interval(metrics["auc"], sum(confusion[1]), sum(confusion[0]))
        accuracy = evaluation.wilson_interval(round(metrics["accuracy"] * n_test), n_test)
        rows.append({"label": label, "images": n_test, "brier": f"{metrics['brier']:.3f}",
                     "auc": dict(mean=metrics["auc"], ci_low=auc[0], ci_high=auc[1]),
                     "accuracy": dict(mean=metrics["accuracy"], ci_low=accuracy[0], ci_high=accuracy[1])})
    for method, label in ((LEAKY, "report's protocol (leaky), repeated K-fold"),
                          (results.NESTED, "**leak-free, repeated K-fold, settings chosen inside each split (the "
                                           "honest number)**"),
                          (LEAK_FREE, "leak-free, settings chosen on other splits' validation photos (may flatter)"),
                          ("pixel_logreg", "for comparison: logistic regression on grey pixels, leak-free")):
        rows.append({"label": label, "images": f"{honest['n_splits']} splits x {images[method]}",
                     "auc": summary.loc[(method, "auc")], "accuracy": summary.loc[(method, "accuracy")],
                     "brier": documents.cell(results.spread_over_splits(records, method, "brier"))})
    leak = dict(split_statistics.paired_inflation(frame, PREVALENCE_FREE, LEAKY, LEAK_FREE).iterrows())
    return documents.TEMPLATES.get_template("model_card.md.j2").render(
        r=r, final=final, honest=honest, rows=rows, n_test=n_test,
        improved=methods.describe_variant(honest["final_variant"], scale),
        interval_label=split_statistics.INTERVAL_LABEL, leak=leak,
        unclear=[config.METRIC_WORDS[m] for m, row in leak.items() if row["ci_low"] <= 0 <= row["ci_high"]],
        test=honest["paired_vs_pixel_logreg"]["test"], versus=documents.headline(honest)["versus"],
        **documents.over_seeds(r), needed=NEEDED)


def refresh(path: Path | None = None, root: results.Root = None) -> bool:
    """Rewrite MODEL_CARD.md (atomically) if the results say something else; True if it changed."""
    return documents.write_text(path or config.project_root() / CARD, render(root))


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description="Generate MODEL_CARD.md from the results files.").parse_args(argv)
    try:
        print(f"{config.project_root() / CARD} " + ("regenerated" if refresh() else "already up to date"))
    except results.ResultsNotReadyError as err:
        raise SystemExit(f"model card: {err}") from err
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
