"""The class deck: one self-contained HTML file (and its PDF), every number read from the results files.

    python -m helpers.reporting.deck                  # -> build/slides.html (make slides)
    python -m helpers.reporting.deck --screenshot docs/slide_previews/slide_13.png --slide 13
    python -m helpers.reporting.deck --pdf docs/slides.pdf     # also print it, one slide per page (make slides does)

One dict per slide (kicker, title, bullets, table, figures) is rendered by ``templates/slides.html.j2``; every
picture is a PNG of ``figures/`` embedded as a data URI, so the page opens from a file with no network. A few lines
of inline script navigate, scale the 16:9 stage and, with ``?selfcheck``, report what loaded for the browser test.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpers import config, published
from helpers.infra import storage
from helpers.reporting import documents, results
from helpers.reporting.documents import f3, pm, verdict

DEFAULT_OUTPUT = Path("build") / "slides.html"
RESULTS = ("02_baseline_model", "02_baseline_seeds", "04_final_model", "04_stability", "05_error_analysis",
           "05_analysis_seeds", "06_the_leak", "07_repeated_splits")
METRICS = ("accuracy", "precision", "recall", "f1", "auc")
Root = str | os.PathLike | None  # where results/ and figures/ are (None: the project)


class SlidesError(results.ResultsNotReadyError):
    """The deck cannot be built from what is there; the message says which file and what to run."""


def figure(name: str, caption: str, root: Root) -> dict[str, str]:
    """``figures/<name>.png`` embedded as a data URI (the deck must not depend on any file beside it)."""
    path = config.figures_dir(root) / f"{name}.png"
    if not path.is_file():
        raise SlidesError(f"{path} is missing: run `make pipeline` to produce every figure before building the deck.")
    return {"uri": "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii"), "caption": caption}


def metric_rows(columns: Mapping[str, Mapping[str, float]]) -> list[dict[str, Any]]:
    """One row per column source: its accuracy, precision, recall, F1, AUC ('-' where the report gives none); one
    split, so no row is set in bold as a winner."""
    return [{"cells": [name, *(f3(values[m]) if m in values else "-" for m in METRICS)], "ours": False}
            for name, values in columns.items()]


def opening_slides(r: Mapping[str, Any], root: Root) -> list[dict[str, Any]]:
    """The title, the data, the report's two splits and notebook 02's baseline."""
    env, base, final = r["07_repeated_splits"]["environment"], r["02_baseline_model"], r["04_final_model"]
    sizes, leak, threshold = final["split_sizes"], final["leakage"], base["threshold"]
    splits = ("train", "validation", "test")
    return [
        {"title": "Female or male? CNNs on the CUFS face photos",
         "subtitle": "A course report reproduced, then evaluated honestly",
         "note": f"Results of commit {env.get('git_commit')}, {env.get('date')}, {env.get('device')}. "
                 "Arrow keys or click to move; every number comes from the project's results files."},
        {"kicker": "The task and the data", "title": "188 photos, one per person, labelled by file name",
         "bullets": [f"CUHK Face Sketch Database (CUFS), student photos: {sum(base['split_sizes'].values())} frontal "
                     "colour photos, 200 x 250 pixels, controlled lighting and background",
                     "134 male, 54 female: the classes are unbalanced (about 2.5 : 1)",
                     "Label from the file name (m- / f-); the task: predict it from the pixels",
                     "The report: a baseline CNN, then balancing by augmentation and a GAP/L2 CNN"],
         "figures": [figure("01_sample_photos", "sample photos (notebook 01)", root)]},
        {"kicker": "The split", "title": "Two protocols, both from the report",
         "table": {"header": ["protocol", "train", "validation", "test", "stratified"],
                   "rows": [{"cells": ["baseline: the 188 photos", *(base["split_sizes"][k] for k in splits), "no"]},
                            {"cells": [f"final model: {sum(sizes.values())} images after balancing",
                                       *(sizes[k] for k in splits), "yes"]}]},
         "bullets": [f"Seed {final['seed']} everywhere, as in the report; the threshold and every other choice are "
                     "made on validation data, never on the test set",
                     f"The report balances first, then splits: {leak['shares a source with any other split']} of the "
                     f"{leak['test images']} test images share their source photo with another split"],
         "figures": [figure("03_class_counts_before_after", "images per class, before and after balancing", root)]},
        {"kicker": "Notebook 02 · the baseline and its threshold",
         "title": f"Baseline CNN ({base['parameters']['total']:,} parameters), class weights",
         "table": {"header": ["test", *METRICS], "rows": metric_rows({
             "ours @ 0.5": base["test_at_0.5"], "report @ 0.5 (Table 2)": published.BASELINE_AT_HALF,
             f"ours @ {threshold:.3f}": base["test_at_threshold"],
             "report @ optimal (Table 3)": published.BASELINE_AT_OPTIMAL})},
         "bullets": [f"Threshold {threshold:.3f} chosen on validation (Youden's J); the report does not say which set "
                     "it used", f"Early stopping: best epoch {base['best_epoch']} of {base['epochs_run']}"],
         "figures": [figure("02_roc_curve", "test ROC, validation threshold marked", root)]}]


def architecture_slide(r: Mapping[str, Any], which: str) -> dict[str, Any]:
    """Notebook 02 or 04: the architecture layer by layer, our Keras model beside the report's table."""
    baseline = which == "baseline"
    result = r["02_baseline_model" if baseline else "04_final_model"]
    theirs, totals = (published.BASELINE_LAYERS, published.BASELINE_PARAMS) if baseline else (
        published.FINAL_LAYERS, published.FINAL_PARAMS)
    ours = result.get("layers") or []
    rows = []
    for index, (layer, shape, params) in enumerate(theirs):
        mine = ours[index] if index < len(ours) else {}
        rows.append({"cells": [f"{layer} ({mine['type']})" if mine else layer, mine.get("output_shape", "-"), shape,
                               f"{mine['params']:,}" if mine else "-", f"{params:,}"]})
    rows.append({"cells": ["total", "", "", f"{result['parameters']['total']:,}", f"{totals['total']:,}"]})
    same = result["parameters"]["total"] == totals["total"] and [m.get("params") for m in ours] == [
        p for _, _, p in theirs]
    return {"kicker": f"Notebook {'02' if baseline else '04'} · the architecture, layer by layer",
            "title": "Baseline CNN: Flatten feeds one big dense layer" if baseline else
                     "Final CNN: global average pooling, under a third of the baseline's parameters",
            "layout": "compact",
            "table": {"header": ["layer", "output (ours)", "output (report)", "parameters (ours)",
                                 "parameters (report)"], "rows": rows},
            "bullets": [("Every layer's parameter count equals the report's" if same else
                         "The parameter counts differ from the report's: see the notebook"),
                        "Our shapes are (height, width) of a portrait photo, the report's the transpose"]}


def report_split_slides(r: Mapping[str, Any], root: Root) -> list[dict[str, Any]]:
    """Notebooks 03, 04 and 08 on the report's split: the leak, the final CNN, its curves and its seed spread."""
    f, drawn = r["04_final_model"], documents.drawn_aucs(r)
    leak, threshold, target = f["leakage"], f["threshold"], f["verdicts"]["target"]
    stable, base = r["04_stability"], r["02_baseline_seeds"]
    one, reduced, spread = stable["spread"]["single model"], stable["spread"]["variance-reduced"], base["spread"]
    return [
        {"kicker": "Notebook 03 · balancing, and the leak it causes",
         "title": "Augment the female photos to 134 : 134, then split",
         "bullets": [f"{sum(f['split_sizes'].values())} images: the 188 photos and augmented copies of female photos",
                     f"Test set of the report's split: {leak['test images']} images, {leak['augmented test images']} "
                     "of them augmented copies",
                     f"{leak['shares a source with train']} test images share their source photo with a training "
                     "image: the model is tested on people it has seen",
                     "Reproduced faithfully to compare with the report, labelled leaky; notebook 06 measures the cost"],
         "figures": [figure("03_augmented_examples", "female photos and their augmented copies", root)]},
        architecture_slide(r, "final"),
        {"kicker": f"Notebook 04 · the final GAP/L2 CNN, {f['parameters']['total']:,} parameters",
         "title": "The final model beside the report's Table 5",
         "table": {"header": ["test (report's split)", *METRICS], "rows": metric_rows({
             "ours @ 0.5": f["test_at_0.5"], f"ours @ {threshold:.3f}": f["test_at_threshold"],
             "report (Table 5)": published.FINAL_MODEL})},
         "bullets": ["One model; Adam 1e-3, batches of 16, early stopping; the threshold chosen on validation",
                     f"Over {len(drawn)} seeds that draw the augmentation, the split and the training: test AUC "
                     f"{min(drawn):.3f} to {max(drawn):.3f}: one run is one draw",
                     f"Target on this split (AUC {target['wanted']['auc']:.2f}, accuracy "
                     f"{target['wanted']['accuracy']:.2f}): {verdict(target['met'])}; and this split leaks"],
         "figures": [figure("04_roc_curve", "test ROC (report's protocol)", root)]},
        {"kicker": "Notebook 04 · training and errors (the report's Figures 2 and 4)",
         "title": "The training curves, and where the errors fall",
         "figures": [figure("04_training_curves", "training and validation curves", root),
                     figure("04_confusion_matrix_0.5", "test confusion matrix at 0.5", root),
                     figure("04_confusion_matrix_threshold", "at the validation threshold", root)],
         "layout": "gallery"},
        {"kicker": "Notebook 08 · appendix: the recipe search and the seed studies",
         "title": "One training run is one draw",
         "bullets": [f"The improved CNN over {stable['runs']} training seeds on the report's split: test AUC "
                     f"{one['auc_mean']:.3f} ± {one['auc_std']:.3f} for one of its models, "
                     f"{reduced['auc_mean']:.3f} ± {reduced['auc_std']:.3f} for {stable['models_per_run']} averaged",
                     f"Notebook 02's baseline over {base['runs']} training seeds: accuracy at 0.5 from "
                     f"{spread['accuracy_at_0.5_min']:.3f} to {spread['accuracy_at_0.5_max']:.3f}, at the "
                     f"validation threshold from {spread['accuracy_at_threshold_min']:.3f} to "
                     f"{spread['accuracy_at_threshold_max']:.3f}; validation threshold from "
                     f"{spread['threshold_min']:.3f} to {spread['threshold_max']:.3f}",
                     "Every choice of recipe, ensemble and flip was made on validation data, with a ranking "
                     "rule fixed in advance"],
         "figures": [figure("08_stability", "the improved CNN over training seeds: one dot per run", root)]}]


def analysis_slides(r: Mapping[str, Any], root: Root) -> list[dict[str, Any]]:
    """Notebooks 04 to 06: calibration, then notebook 05's errors, lighting test and Grad-CAM shares."""
    from helpers.studies import analysis_seeds  # its counts need neither NumPy nor pandas

    test, threshold = r["04_final_model"]["calibration"]["test"], r["04_final_model"]["threshold"]
    leak_free = results.spread_over_splits(r["07_repeated_splits"]["records"], "final_cnn_leak_free", "brier")
    e, seen = r["05_error_analysis"], analysis_seeds.counts(r["05_analysis_seeds"])
    lum, both = e["luminance_misclassified_vs_correct"], seen["seeds_with_both_decisions"]
    return [
        {"kicker": "Notebooks 04 and 06 · calibration", "title": "Do the scores mean what they say?",
         "bullets": [f"Brier score on test {test['brier']:.3f}; a constant guess of the female rate scores "
                     f"{test['brier_constant_rate']:.3f}",
                     f"Mean p(female) {test['mean_score']:.2f} for a female rate of {test['observed_rate']:.2f}; "
                     f"expected calibration error {test['ece']:.3f}",
                     f"Over {leak_free['n']} leak-free splits: Brier {pm(leak_free)} "
                     f"({leak_free['min']:.3f}-{leak_free['max']:.3f})",
                     f"So: take the threshold ({threshold:.3f} here) from validation data, never from test; "
                     "0.5 is right only for calibrated scores"],
         "figures": [figure("04_reliability", "reliability diagram, notebook 04", root)], "layout": "stacked"},
        {"kicker": "Notebook 05 · errors and Grad-CAM",
         "title": f"This run: {len(e['errors'])} of {e['test_images']} test images misclassified",
         "bullets": ["The report's lighting story, measured: " + (
                         "no error on this run to compare" if lum is None else
                         f"face luminance of the errors {lum['mean_a']:.3f} vs {lum['mean_b']:.3f} for the "
                         f"correct ones (Mann-Whitney p = {lum['p_value']:.3f})"),
                     f"Grad-CAM over {both} seeds, against each region's area: deciding female, the face box gets "
                     f"less than its share in {seen['female_face_below_area']} of {both}; deciding male, more in "
                     f"{seen['male_face_above_area']} of {both}",
                     f"Errors over {seen['seeds']} seeds: {seen['errors_min']} to {seen['errors_max']} of "
                     f"{seen['test_images']}; one run's pattern is one draw"],
         "figures": [figure("05_grad_cam", "Grad-CAM on misclassified and confident images", root)]}]


def honest_slide(r: Mapping[str, Any]) -> dict[str, Any]:
    """Notebook 07: every method's mean ± sd over the repeated splits; the CNN's row is set in bold only when it
    beats the pixel logistic regression significantly (a tied row must not look like a winner)."""
    h, nested = r["07_repeated_splits"], results.NESTED
    summary, versus = documents.headline(h)["summary"], documents.headline(h)["paired"]
    labels = {**config.METHOD_WORDS, nested: "final CNN, leak-free, settings chosen per split",
              "final_cnn_leak_free": "final CNN, leak-free, settings chosen on other splits"}
    rows = [{"cells": [labels.get(m, h["method_labels"].get(m, m)), pm(summary[m]["auc"]),
                       pm(summary[m]["accuracy"]), pm(summary[m]["balanced_accuracy"])],
             "ours": m == nested and documents.significant(versus["auc"])}
            for m in [nested, *h["method_order"]] if m not in ("eigenfaces_logreg_refit", "pixel_logreg_refit")]
    refit = h["refit"]["paired_vs_pixel_logreg_refit"]["auc"]
    return {"kicker": f"Notebook 07 · {h['n_splits']} splits of a repeated stratified K-fold",
            "title": "The honest evaluation",
            "table": {"header": ["method (mean ± sd over the splits)", "AUC", "accuracy", "balanced accuracy"],
                      "rows": rows},
            "bullets": ["The same splits for every method; the CNNs see half-size images; every threshold is chosen "
                        "on the split's validation set",
                        "Leak-free: people are split first, only training photos are augmented",
                        f"Refit on training + validation photos, both refit: CNN minus pixels {refit['mean']:+.3f} "
                        f"AUC (p = {refit['p_value']:.2f})"]}


def closing_slides(r: Mapping[str, Any], root: Root) -> list[dict[str, Any]]:
    """Notebooks 06 and 07: the per-split figure, the leak, the paired test and the target; conclusions; sources."""
    h, inflation = r["07_repeated_splits"], r["06_the_leak"]["inflation"]
    drawn, versus = documents.drawn_aucs(r), documents.headline(h)["paired"]
    leak_free, target = h["selection"]["summary"][results.NESTED], h["verdicts"]["leak_free_target_nested"]
    wanted, checks, edge = target["wanted"], target["checks"], documents.significant(versus["auc"])
    leaked = inflation["paired"]
    rows = []
    for name in RESULTS:
        env = r[name].get("environment", {})
        device = re.sub(r"\(R\)| Processor| \(\d+ cores\)", "", env.get("device", "?")).replace(": ", " ")
        commit = env.get("git_commit", "?")
        rows.append({"cells": [name, device, f"TF {env.get('tensorflow')} / Keras {env.get('keras')}",
                               commit[:7] + ("+" if commit.endswith("+changes") else ""), env.get("date", "?")]})
    return [
        {"kicker": "Notebook 07 · the figure", "title": f"Every split is a dot ({h['n_splits']} per method)",
         "figures": [figure("07_auc_per_split", "test AUC per split and method; the other metrics: notebook 07",
                            root)]},
        {"kicker": "Notebooks 06 and 07 · what the leak adds, and what the CNN adds",
         "title": ("The leak inflates" if documents.established(leaked, inflation.get("prevalence_free_metrics",
                                                                                     ["auc"]))
                   else "The leak's effect is not established")
                  + ("; the CNN beats pixels significantly" if edge else
                     "; the CNN's edge over pixels is not significant"),
         "bullets": ["Report's protocol minus leak-free, paired over the same splits (corrected 95 % intervals): "
                     + ", ".join(f"{config.METRIC_WORDS[m]} {documents.interval(leaked[m], signed=True)}"
                                 for m in ("auc", "balanced_accuracy"))
                     + ("; every interval includes zero" if all(inflation["includes_zero"].values()) else ""),
                     f"CNN (settings chosen per split) minus pixel logistic regression, paired: AUC "
                     f"{documents.paired(versus['auc'], 3)}",
                     f"Target (leak-free mean AUC ≥ {wanted['auc']:.2f}, accuracy ≥ {wanted['accuracy']:.2f}, "
                     f"p < {wanted['p_value']:.2f} vs pixels): AUC {target['mean_auc']:.3f} {verdict(checks['auc'])}, "
                     f"accuracy {target['mean_accuracy']:.3f} {verdict(checks['accuracy'])}, test "
                     f"{verdict(checks['better_than_pixel_logreg'])}"],
         "figures": [figure("06_leak_per_split", "each line joins one split's two protocols (notebook 06)", root)]},
        {"kicker": "Conclusions and limits", "title": "What this project can and cannot say",
         "bullets": [f"On the report's leaky protocol, over {len(drawn)} seeds, the final CNN reaches AUC "
                     f"{min(drawn):.3f} to {max(drawn):.3f} (report {published.FINAL_MODEL['auc']:.3f}); leak-free "
                     f"over {h['n_splits']} splits: {leak_free['auc']['mean']:.3f}, 95 % interval "
                     f"[{leak_free['auc']['ci_low']:.3f}, {leak_free['auc']['ci_high']:.3f}]",
                     f"One split is one draw: the leak-free accuracy has a standard deviation of "
                     f"{leak_free['accuracy']['std']:.3f} over the splits",
                     f"The CNN and a logistic regression on grey pixels differ by {versus['auc']['mean']:+.3f} AUC "
                     f"(CNN minus pixels, p = {versus['auc']['p_value']:.3f}): "
                     + ("a significant edge for the CNN" if edge else "on these photos the two cannot be told apart"),
                     "188 students of one university, frontal, one lighting set-up, binary labels from file names: "
                     "nothing here transfers to other people or cameras, or says anything about anyone's gender",
                     "MODEL_CARD.md: a teaching model, never a tool to infer anyone's sex or gender"]},
        {"kicker": "Where the numbers come from", "title": "Reproduce every slide", "layout": "compact",
         "table": {"header": ["results file", "device", "libraries", "commit", "date"], "rows": rows},
         "bullets": ["make pipeline  (runs notebooks 01-08 headless, 10 to 20 minutes on a 2-core CPU)",
                     "make slides  (this deck, from results/ and figures/)",
                     "Another CPU or GPU draws other numbers from the same seed: compare ranges, not digits"]}]


def slides_of(r: Mapping[str, Any], root: Root = None) -> list[dict[str, Any]]:
    """Every slide's content, in order, from the loaded results files ``r``."""
    return [*opening_slides(r, root), architecture_slide(r, "baseline"), *report_split_slides(r, root),
            *analysis_slides(r, root), honest_slide(r), *closing_slides(r, root)]


def render(root: Root = None) -> str:
    """The deck as one HTML string, from a full run's results files."""
    defaults = {"kicker": "", "subtitle": "", "bullets": [], "table": None, "figures": [], "note": "", "layout": ""}
    slides = [{**defaults, **slide} for slide in slides_of(results.full_run_results(RESULTS, root), root)]
    return documents.render("slides.html.j2", title=slides[0]["title"], slides=slides)


def write(destination: str | os.PathLike, root: Root = None) -> Path:
    """Render the deck and write it atomically."""
    text = render(root)
    return storage.atomic_write(destination, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def save_pdf(deck: str | os.PathLike, destination: str | os.PathLike) -> Path:
    """The deck printed to a PDF by headless Chromium (one slide per page), moved into place atomically."""
    from helpers.infra import browser

    with tempfile.TemporaryDirectory(prefix="cufs-pdf-") as folder:
        printed = browser.print_pdf(deck, Path(folder) / "slides.pdf")
        return storage.atomic_write(Path(destination), lambda tmp: tmp.write_bytes(printed.read_bytes()))


def save_screenshot(deck: str | os.PathLike, destination: str | os.PathLike, slide: int = 1) -> Path:
    """A PNG of one slide, taken by headless Chromium and moved into place atomically."""
    from helpers.infra import browser

    with tempfile.TemporaryDirectory(prefix="cufs-shot-") as folder:
        shot = browser.screenshot(deck, Path(folder) / "slide.png", slide)
        return storage.atomic_write(Path(destination), lambda tmp: tmp.write_bytes(shot.read_bytes()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the class deck (one offline HTML file) from the results.")
    parser.add_argument("--output", default=str(config.project_root() / DEFAULT_OUTPUT), help="the HTML file to write")
    parser.add_argument("--root", default=None, help="where results/ and figures/ are (default: the project)")
    parser.add_argument("--screenshot", default=None, help="also save a PNG of one slide here (needs Chromium)")
    parser.add_argument("--slide", type=int, default=1, help="which slide the screenshot shows (1-based)")
    parser.add_argument("--pdf", default=None, help="also print the deck to this PDF, one slide per page (Chromium)")
    args = parser.parse_args(argv)
    try:
        path = write(args.output, args.root)
    except results.ResultsNotReadyError as err:
        parser.exit(1, f"make slides: {err}\n")
    print(f"deck written: {path} (open it in a browser; arrow keys or click to move)")
    if args.pdf:
        print(f"PDF written: {save_pdf(path, args.pdf)}")
    if args.screenshot:
        save_screenshot(path, args.screenshot, args.slide)
        print(f"screenshot of slide {args.slide}: {args.screenshot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
