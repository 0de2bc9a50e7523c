"""The class deck's content: one dict per slide (kicker, title, bullets, table, figures), in order.

Every number on a slide is read from ``results/*.json`` (or is a report fact from ``helpers.published`` or a
data fact), every picture is a PNG of ``figures/`` embedded as a data URI. ``helpers.reporting.deck`` renders
the slides into one offline HTML file and prints the PDF (``make slides``).
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from typing import Any

from helpers import config, published
from helpers.reporting import results

RESULTS = ("02_baseline_model", "02_baseline_seeds", "04_final_model", "04_stability", "05_error_analysis",
           "05_analysis_seeds", "06_the_leak", "07_repeated_splits")
METRICS = ("accuracy", "precision", "recall", "f1", "auc")
Root = str | os.PathLike | None  # where results/ and figures/ are (None: the project)


class SlidesError(results.ResultsNotReadyError):
    """The deck cannot be built from what is there; the message says which file and what to run."""


# ---- inputs -------------------------------------------------------------------------------------


def load_inputs(root: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """The results files the deck needs (a full run's, with calibration and per-split records)."""
    return results.full_run_results(RESULTS, root)


def figure_uri(name: str, root: str | os.PathLike | None = None) -> str:
    """``figures/<name>.png`` as a data URI (the deck must not depend on any file beside it)."""
    path = config.figures_dir(root) / f"{name}.png"
    if not path.is_file():
        raise SlidesError(f"{path} is missing: run `make pipeline` to produce every figure before building the deck.")
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


# ---- formatting ---------------------------------------------------------------------------------


def f3(value: float) -> str:
    """A metric as the tables show it: three decimals."""
    return f"{value:.3f}"


def pm(values: Mapping[str, float]) -> str:
    """``mean ± sd`` of a summary entry."""
    return f"{values['mean']:.3f} ± {values['std']:.3f}"


def verdict(met: bool) -> str:
    """A target check in words."""
    return "met" if met else "not met"


def metric_rows(columns: Mapping[str, Mapping[str, float]], ours: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per column source: its accuracy, precision, recall, F1, AUC ('-' where the report gives none)."""
    return [{"cells": [name, *(f3(values[m]) if m in values else "-" for m in METRICS)], "ours": name in ours}
            for name, values in columns.items()]


def figure(name: str, caption: str, root: str | os.PathLike | None) -> dict[str, str]:
    """A figure of ``figures/`` for a slide: embedded image and caption."""
    return {"uri": figure_uri(name, root), "caption": caption}


# ---- the slides ---------------------------------------------------------------------------------


def title_slide(r: Mapping[str, Any]) -> dict[str, Any]:
    """Title, and which commit and machine the results come from."""
    env = r["07_repeated_splits"]["environment"]
    return {"title": "Female or male? CNNs on the CUFS face photos",
            "subtitle": "A course report reproduced, then evaluated honestly",
            "note": f"Results of commit {env.get('git_commit')}, {env.get('date')}, {env.get('device')}. "
                    "Arrow keys or click to move; every number comes from the project's results files."}


def data_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """The task and the data, with sample photos."""
    sizes = r["02_baseline_model"]["split_sizes"]
    return {"kicker": "The task and the data", "title": "188 photos, one per person, labelled by file name",
            "bullets": [f"CUHK Face Sketch Database (CUFS), student photos: {sum(sizes.values())} frontal colour "
                        "photos, 200 x 250 pixels, controlled lighting and background",
                        "134 male, 54 female: the classes are unbalanced (about 2.5 : 1)",
                        "Label from the file name (m- / f-); the task: predict it from the pixels",
                        "The report: a baseline CNN, then balancing by augmentation and a GAP/L2 CNN"],
            "figures": [figure("01_sample_photos", "sample photos (notebook 01)", root)]}


def split_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """The report's two splits, and the leak the second one causes."""
    base, final = r["02_baseline_model"]["split_sizes"], r["04_final_model"]["split_sizes"]
    leak = r["04_final_model"]["leakage"]
    return {"kicker": "The split", "title": "Two protocols, both from the report",
            "table": {"header": ["protocol", "train", "validation", "test", "stratified"],
                      "rows": [{"cells": ["baseline: the 188 photos", base["train"], base["validation"], base["test"],
                                          "no"]},
                               {"cells": [f"final model: {sum(final.values())} images after balancing", final["train"],
                                          final["validation"], final["test"], "yes"]}]},
            "bullets": [f"Seed {r['04_final_model']['seed']} everywhere, as in the report; the threshold and every "
                        "other choice are made on validation data, never on the test set",
                        f"The report balances first, then splits: {leak['shares a source with any other split']} "
                        f"of the {leak['test images']} test images share their source photo with another split"],
            "figures": [figure("03_class_counts_before_after", "images per class, before and after balancing",
                               root)]}


def baseline_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebook 02: the baseline against the report's Tables 2 and 3."""
    b = r["02_baseline_model"]
    threshold = b["threshold"]
    columns = {"ours @ 0.5": b["test_at_0.5"], "report @ 0.5 (Table 2)": published.BASELINE_AT_HALF,
               f"ours @ {threshold:.3f}": b["test_at_threshold"],
               "report @ optimal (Table 3)": published.BASELINE_AT_OPTIMAL}
    return {"kicker": "Notebook 02 · the baseline and its threshold",
            "title": f"Baseline CNN ({b['parameters']['total']:,} parameters), class weights",
            "table": {"header": ["test", *METRICS],
                      "rows": metric_rows(columns, ())},  # one split: no row is set in bold as a winner
            "bullets": [f"Threshold {threshold:.3f} chosen on validation (Youden's J); "
                        "the report does not say which set it used",
                        f"Early stopping: best epoch {b['best_epoch']} of {b['epochs_run']}"],
            "figures": [figure("02_roc_curve", "test ROC, validation threshold marked", root)]}


def balancing_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebook 03: balancing by augmentation and the leakage it causes."""
    leak = r["04_final_model"]["leakage"]
    return {"kicker": "Notebook 03 · balancing, and the leak it causes",
            "title": "Augment the female photos to 134 : 134, then split",
            "bullets": [f"{sum(r['04_final_model']['split_sizes'].values())} images: the 188 photos and augmented "
                        "copies of female photos",
                        f"Test set of the report's split: {leak['test images']} images, "
                        f"{leak['augmented test images']} "
                        "of them augmented copies",
                        f"{leak['shares a source with train']} test images share their source photo with a training "
                        "image: the model is tested on people it has seen",
                        "Reproduced faithfully to compare with the report, labelled leaky; notebook 06 measures "
                        "the cost"],
            "figures": [figure("03_augmented_examples", "female photos and their augmented copies", root)]}


def final_model_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebook 04: the final CNN beside the report's Table 5, its seed spread and target."""
    f, drawn = r["04_final_model"], [row["test_auc"] for row in r["05_analysis_seeds"]["rows"]]
    threshold = f["threshold"]
    columns = {"ours @ 0.5": f["test_at_0.5"], f"ours @ {threshold:.3f}": f["test_at_threshold"],
               "report (Table 5)": published.FINAL_MODEL}
    target = f["verdicts"]["target"]
    return {"kicker": f"Notebook 04 · the final GAP/L2 CNN, {f['parameters']['total']:,} parameters",
            "title": "The final model beside the report's Table 5",
            "table": {"header": ["test (report's split)", *METRICS],
                      "rows": metric_rows(columns, ())},  # one split: no row is set in bold as a winner
            "bullets": ["One model; Adam 1e-3, batches of 16, early stopping; the threshold chosen on validation",
                        f"Over {len(drawn)} seeds that draw the augmentation, the split and the training: test AUC "
                        f"{min(drawn):.3f} to {max(drawn):.3f}: one run is one draw",
                        f"Target on this split (AUC {target['wanted']['auc']:.2f}, accuracy "
                        f"{target['wanted']['accuracy']:.2f}): {verdict(target['met'])}; and this split leaks"],
            "figures": [figure("04_roc_curve", "test ROC (report's protocol)", root)]}


def rerun_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebook 08: how much notebooks 02 and 04 move over training seeds, and how the recipe was chosen."""
    stable, base = r["04_stability"], r["02_baseline_seeds"]
    one, reduced, spread = stable["spread"]["single model"], stable["spread"]["variance-reduced"], base["spread"]
    return {"kicker": "Notebook 08 · appendix: the recipe search and the seed studies",
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
            "figures": [figure("08_stability", "the improved CNN over training seeds: one dot per run", root)]}


def architecture_slide(r: Mapping[str, Any], which: str) -> dict[str, Any]:
    """Notebook 02 or 04: the architecture layer by layer, our Keras model beside the report's table."""
    name = "02_baseline_model" if which == "baseline" else "04_final_model"
    result = r[name]
    theirs = published.BASELINE_LAYERS if which == "baseline" else published.FINAL_LAYERS
    totals = published.BASELINE_PARAMS if which == "baseline" else published.FINAL_PARAMS
    ours = result.get("layers") or []
    rows = []
    for index, (layer, shape, params) in enumerate(theirs):
        mine = ours[index] if index < len(ours) else {}
        rows.append({"cells": [f"{layer} ({mine['type']})" if mine else layer, mine.get("output_shape", "-"), shape,
                               f"{mine['params']:,}" if mine else "-", f"{params:,}"]})
    rows.append({"cells": ["total", "", "", f"{result['parameters']['total']:,}", f"{totals['total']:,}"]})
    same = result["parameters"]["total"] == totals["total"] and [m.get("params") for m in ours] == [
        p for _, _, p in theirs]
    kind = "Baseline CNN: Flatten feeds one big dense layer" if which == "baseline" else \
        "Final CNN: global average pooling, under a third of the baseline's parameters"
    return {"kicker": f"Notebook {'02' if which == 'baseline' else '04'} · the architecture, layer by layer",
            "title": kind, "layout": "compact",
            "table": {"header": ["layer", "output (ours)", "output (report)", "parameters (ours)",
                                 "parameters (report)"], "rows": rows},
            "bullets": [("Every layer's parameter count equals the report's" if same else
                         "The parameter counts differ from the report's: see the notebook"),
                        "Our shapes are (height, width) of a portrait photo, the report's the transpose"]}


def curves_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebook 04: the training curves and the confusion matrices (the report's Figures 2 and 4)."""
    return {"kicker": "Notebook 04 · training and errors (the report's Figures 2 and 4)",
            "title": "The training curves, and where the errors fall",
            "figures": [figure("04_training_curves", "training and validation curves", root),
                        figure("04_confusion_matrix_0.5", "test confusion matrix at 0.5", root),
                        figure("04_confusion_matrix_threshold", "at the validation threshold", root)],
            "layout": "gallery"}


def calibration_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebooks 04 and 06: Brier score, reliability and what they mean for the threshold."""
    test = r["04_final_model"]["calibration"]["test"]
    threshold = r["04_final_model"]["threshold"]
    leak_free = results.spread_over_splits(r["07_repeated_splits"]["records"], "final_cnn_leak_free", "brier")
    return {"kicker": "Notebooks 04 and 06 · calibration",
            "title": "Do the scores mean what they say?",
            "bullets": [f"Brier score on test {test['brier']:.3f}; a constant guess of the female rate scores "
                        f"{test['brier_constant_rate']:.3f}",
                        f"Mean p(female) {test['mean_score']:.2f} for a female rate of {test['observed_rate']:.2f}; "
                        f"expected calibration error {test['ece']:.3f}",
                        f"Over {leak_free['n']} leak-free splits: Brier {leak_free['mean']:.3f} ± "
                        f"{leak_free['std']:.3f} "
                        f"({leak_free['min']:.3f}-{leak_free['max']:.3f})",
                        f"So: take the threshold ({threshold:.3f} here) from validation data, never from test; "
                        "0.5 is right only for calibrated scores"],
            "figures": [figure("04_reliability", "reliability diagram, notebook 04", root)], "layout": "stacked"}


def errors_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebook 05: the errors, the lighting hypothesis and Grad-CAM shares."""
    from helpers.studies import analysis_seeds  # its counts need neither NumPy nor pandas

    e = r["05_error_analysis"]
    lum = e["luminance_misclassified_vs_correct"]
    seen = analysis_seeds.counts(r["05_analysis_seeds"])
    return {"kicker": "Notebook 05 · errors and Grad-CAM",
            "title": f"This run: {len(e['errors'])} of {e['test_images']} test images misclassified",
            "bullets": ["The report's lighting story, measured: " + (
                            "no error on this run to compare" if lum is None else
                            f"face luminance of the errors {lum['mean_a']:.3f} vs {lum['mean_b']:.3f} for the "
                            f"correct ones (Mann-Whitney p = {lum['p_value']:.3f})"),
                        f"Grad-CAM over {seen['seeds_with_both_decisions']} seeds, against each region's area: "
                        f"deciding female, the face box gets less than its share in "
                        f"{seen['female_face_below_area']} of {seen['seeds_with_both_decisions']}; deciding male, more "
                        f"in {seen['male_face_above_area']} of {seen['seeds_with_both_decisions']}",
                        f"Errors over {seen['seeds']} seeds: {seen['errors_min']} to {seen['errors_max']} of "
                        f"{seen['test_images']}; one run's pattern is one draw"],
            "figures": [figure("05_grad_cam", "Grad-CAM on misclassified and confident images", root)]}


def honest_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebook 07: every method's mean ± sd over the repeated splits; the CNN's row is set in bold only when it
    beats the pixel logistic regression significantly (a tied row must not look like a winner)."""
    h = r["07_repeated_splits"]
    nested, summary = results.NESTED, {**h["summary"], **h["selection"]["summary"]}
    pixels = h["selection"]["paired_vs_pixel_logreg"][nested]["auc"]
    significant = pixels["mean"] > 0 and pixels["p_value"] < h["verdicts"]["leak_free_target"]["wanted"]["p_value"]
    labels = {**config.METHOD_WORDS, nested: "final CNN, leak-free, settings chosen per split",
              "final_cnn_leak_free": "final CNN, leak-free, settings chosen on other splits"}
    rows = [{"cells": [labels.get(m, h["method_labels"].get(m, m)), pm(summary[m]["auc"]),
                       pm(summary[m]["accuracy"]), pm(summary[m]["balanced_accuracy"])],
             "ours": m == nested and significant}
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


def splits_figure_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebook 07: the per-split figure, full size."""
    h = r["07_repeated_splits"]
    return {"kicker": "Notebook 07 · the figure", "title": f"Every split is a dot ({h['n_splits']} per method)",
            "figures": [figure("07_auc_per_split", "test AUC per split and method; the other metrics: notebook 07",
                               root)]}


def leak_sentence(inflation: Mapping[str, Any]) -> str:
    """The leak, like with like: paired differences of AUC and balanced accuracy (metrics that do not depend on the
    share of female test photos: the leaky protocol tests on balanced sets), each with its corrected interval."""
    paired = inflation["paired"]
    parts = [f"{config.METRIC_WORDS[m]} {paired[m]['mean']:+.3f} [{paired[m]['ci_low']:+.3f}, "
             f"{paired[m]['ci_high']:+.3f}]" for m in ("auc", "balanced_accuracy")]
    zero = all(inflation["includes_zero"].values())
    return ("Report's protocol minus leak-free, paired over the same splits (corrected 95 % intervals): "
            + ", ".join(parts) + ("; every interval includes zero" if zero else ""))


def leak_established(inflation: Mapping[str, Any]) -> bool:
    """True when some prevalence-free metric's paired interval lies wholly above zero."""
    metrics = inflation.get("prevalence_free_metrics", ["auc"])
    return any(inflation["paired"][m]["ci_low"] > 0 for m in metrics if m in inflation["paired"])


def leak_and_test_slide(r: Mapping[str, Any], root: Root) -> dict[str, Any]:
    """Notebooks 06 and 07: the leak's inflation, the paired test against pixels and the target."""
    h, inflation = r["07_repeated_splits"], r["06_the_leak"]["inflation"]
    paired = h["selection"]["paired_vs_pixel_logreg"][results.NESTED]
    target = h["verdicts"]["leak_free_target_nested"]
    wanted = target["wanted"]
    return {"kicker": "Notebooks 06 and 07 · what the leak adds, and what the CNN adds",
            "title": ("The leak inflates" if leak_established(inflation) else "The leak's effect is not "
                      "established") + ("; the CNN's edge over pixels is not significant"
                                        if paired["auc"]["p_value"] >= wanted["p_value"] else
                                        "; the CNN beats pixels significantly"),
            "bullets": [leak_sentence(inflation),
                        f"CNN (settings chosen per split) minus pixel logistic regression, paired: AUC "
                        f"{paired['auc']['mean']:+.3f} (p = {paired['auc']['p_value']:.3f})",
                        f"Target (leak-free mean AUC ≥ {wanted['auc']:.2f}, accuracy ≥ {wanted['accuracy']:.2f}, "
                        f"p < {wanted['p_value']:.2f} vs pixels): AUC {target['mean_auc']:.3f} "
                        f"{verdict(target['checks']['auc'])}, accuracy {target['mean_accuracy']:.3f} "
                        f"{verdict(target['checks']['accuracy'])}, test "
                        f"{verdict(target['checks']['better_than_pixel_logreg'])}"],
            "figures": [figure("06_leak_per_split", "each line joins one split's two protocols (notebook 06)", root)]}


def conclusions_slide(r: Mapping[str, Any]) -> dict[str, Any]:
    """What the results support, and the limits of the data."""
    h = r["07_repeated_splits"]
    drawn = [row["test_auc"] for row in r["05_analysis_seeds"]["rows"]]
    leak_free = h["selection"]["summary"][results.NESTED]
    pixels = h["selection"]["paired_vs_pixel_logreg"][results.NESTED]["auc"]
    significant = pixels["p_value"] < h["verdicts"]["leak_free_target"]["wanted"]["p_value"]
    return {"kicker": "Conclusions and limits", "title": "What this project can and cannot say",
            "bullets": [f"On the report's leaky protocol, over {len(drawn)} seeds, the final CNN reaches AUC "
                        f"{min(drawn):.3f} to {max(drawn):.3f} (report "
                        f"{published.FINAL_MODEL['auc']:.3f}); leak-free over {h['n_splits']} splits: "
                        f"{leak_free['auc']['mean']:.3f}, 95 % interval [{leak_free['auc']['ci_low']:.3f}, "
                        f"{leak_free['auc']['ci_high']:.3f}]",
                        f"One split is one draw: the leak-free accuracy has a standard deviation of "
                        f"{leak_free['accuracy']['std']:.3f} over the splits",
                        f"The CNN and a logistic regression on grey pixels differ by {pixels['mean']:+.3f} AUC (CNN "
                        f"minus pixels, p = {pixels['p_value']:.3f}): "
                        + ("a significant edge for the CNN" if significant and pixels["mean"] > 0 else
                           "on these photos the two cannot be told apart"),
                        "188 students of one university, frontal, one lighting set-up, binary labels from file names: "
                        "nothing here transfers to other people or cameras, or says anything about anyone's gender",
                        "MODEL_CARD.md: a teaching model, never a tool to infer anyone's sex or gender"]}


def provenance_slide(r: Mapping[str, Any]) -> dict[str, Any]:
    """Where each results file was produced, and the commands that reproduce the deck."""
    rows = []
    for name in RESULTS:
        env = r[name].get("environment", {})
        device = re.sub(r"\(R\)| Processor| \(\d+ cores\)", "", env.get("device", "?")).replace(": ", " ")
        commit = env.get("git_commit", "?")
        rows.append({"cells": [name, device, f"TF {env.get('tensorflow')} / Keras {env.get('keras')}",
                               commit[:7] + ("+" if commit.endswith("+changes") else ""), env.get("date", "?")]})
    return {"kicker": "Where the numbers come from", "title": "Reproduce every slide", "layout": "compact",
            "table": {"header": ["results file", "device", "libraries", "commit", "date"], "rows": rows},
            "bullets": ["make pipeline  (runs notebooks 01-08 headless, 10 to 20 minutes on a 2-core CPU)",
                        "make slides  (this deck, from results/ and figures/)",
                        "Another CPU or GPU draws other numbers from the same seed: compare ranges, not digits"]}


def build_slides(root: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Every slide's content, in order."""
    r = load_inputs(root)
    return [title_slide(r), data_slide(r, root), split_slide(r, root), baseline_slide(r, root),
            architecture_slide(r, "baseline"), balancing_slide(r, root), architecture_slide(r, "final"),
            final_model_slide(r, root), curves_slide(r, root), rerun_slide(r, root), calibration_slide(r, root),
            errors_slide(r, root),
            honest_slide(r, root), splits_figure_slide(r, root), leak_and_test_slide(r, root), conclusions_slide(r),
            provenance_slide(r)]
