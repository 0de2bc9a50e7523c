"""MODEL_CARD.md, generated from the results files so that it cannot drift from them.

    python -m helpers.reporting.model_card            # rewrite MODEL_CARD.md (the pipeline does it after a full run)
    python -m helpers.reporting.model_card --check    # exit 1 if MODEL_CARD.md differs from what the results say

Numbers come from ``results/*.json``; the rest is the card's fixed text (intended and forbidden uses, the
data's facts, what other data would change). Intervals: on the single report's split, Wilson for accuracy and
Hanley-McNeil for AUC; over the repeated splits of notebook 07, the Nadeau-Bengio corrected t-interval of the mean
over splits (the splits' training sets overlap, so the naive one is too narrow), computed from the per-split
records so that a results file written before the correction gets it too.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import config, evaluation, methods, published, split_statistics
from helpers.infra import storage
from helpers.methods import LEAK_FREE, LEAKY, PREVALENCE_FREE, with_specificity
from helpers.reporting import results, targets

CARD = "MODEL_CARD.md"
NEEDED = ("02_baseline_model", "04_final_model", "04_stability", "05_error_analysis", "05_analysis_seeds",
          "07_repeated_splits")


class ModelCardError(results.ResultsNotReadyError):
    """The results needed for the card are missing or come from a quick run; the message says what to run."""


def join_words(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def errors_by_kind(confusion: list[list[int]]) -> tuple[int, int]:
    """(female photos called male, male photos called female) from a 2 x 2 matrix, rows = true (male, female)."""
    return int(confusion[1][0]), int(confusion[0][1])


def load(root: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """The results files the card reads: a full run's, with the calibration step."""
    loaded = results.full_run_results(NEEDED, root)
    if not all("brier" in r for r in loaded["07_repeated_splits"]["records"]):
        raise ModelCardError("results/07_repeated_splits.json predates the calibration step: run `make pipeline`.")
    return loaded


def _single_split_line(label: str, metrics: Mapping[str, float], n_test: int, confusion: list[list[int]]) -> str:
    """One table row for one test set: AUC (Hanley-McNeil) and accuracy (Wilson) with intervals, Brier."""
    positives = int(np.sum(confusion[1]))
    negatives = int(np.sum(confusion[0]))
    correct = round(metrics["accuracy"] * n_test)
    acc_low, acc_high = evaluation.wilson_interval(correct, n_test)
    auc_low, auc_high = evaluation.auc_interval(metrics["auc"], positives, negatives)
    return (f"| {label} | {n_test} | {metrics['auc']:.3f} [{auc_low:.3f}, {auc_high:.3f}] | "
            f"{metrics['accuracy']:.3f} [{acc_low:.3f}, {acc_high:.3f}] | {metrics['brier']:.3f} |")


def repeated_summary(honest: Mapping[str, Any]) -> pd.DataFrame:
    """Notebook 07's per-method summary with corrected intervals, recomputed from its per-split records."""
    records = with_specificity(pd.DataFrame(honest["records"]))
    return split_statistics.summarise(records, ("auc", "accuracy"))


def _interval(row: pd.Series) -> str:
    return f"{row['mean']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _repeated_line(label: str, honest: Mapping[str, Any], summary: pd.DataFrame, method: str) -> str:
    """One table row over notebook 07's splits: means with their corrected intervals, Brier mean ± sd."""
    brier = results.spread_over_splits(honest["records"], method, "brier")
    return (f"| {label} | {honest['n_splits']} splits x {honest['test_images'][method]} | "
            f"{_interval(summary.loc[(method, 'auc')])} | {_interval(summary.loc[(method, 'accuracy')])} | "
            f"{brier['mean']:.3f} ± {brier['std']:.3f} |")


def leak_line(honest: Mapping[str, Any]) -> str:
    """The leak on the metrics that do not depend on the test sets' share of female photos, paired and corrected."""
    records = with_specificity(pd.DataFrame(honest["records"]))
    paired = split_statistics.paired_inflation(records, PREVALENCE_FREE, LEAKY, LEAK_FREE)
    words = config.METRIC_WORDS
    parts = [f"{words[m]} {row['mean']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]"
             for m, row in paired.iterrows()]
    unclear = [words[m] for m, row in paired.iterrows() if row["ci_low"] <= 0 <= row["ci_high"]]
    return (f"- The leak, split by split (report's protocol minus leak-free, same splits and seeds; "
            f"{split_statistics.INTERVAL_LABEL}): {', '.join(parts)}. "
            + ("Every interval includes zero: with this many splits the leak's effect on these metrics cannot be "
               "told apart from none. " if len(unclear) == len(parts) else
               f"The interval includes zero for {join_words(unclear)}. " if unclear else
               "No interval includes zero: the leak inflates each of these metrics. ")
            + "Precision, F1 and accuracy are left out here: the report's test sets are balanced, the leak-free "
              "ones keep the data's share of female photos, so those metrics differ even without a leak.")


def metrics_section(r: Mapping[str, Any]) -> list[str]:
    """The metrics under both protocols, with intervals, seed spread, paired test, calibration, targets."""
    final, honest = r["04_final_model"], r["07_repeated_splits"]
    honest = {**honest, "records": honest["records"] + honest["selection"]["records"],  # with the headline's
              "test_images": {**honest["test_images"], results.NESTED: honest["test_images"][LEAK_FREE]}}
    summary, leak_free_target = repeated_summary(honest), honest["verdicts"]["leak_free_target_nested"]
    n_test = final["split_sizes"]["test"]
    scale = honest["parameters"]["IMAGE_SCALE"]
    head = ["| protocol | test images | AUC [95 % interval] | accuracy [95 % interval] | Brier |",
            "|---|---|---|---|---|"]
    single = [
        _single_split_line(f"report's protocol (leaky), one split, seed {final['seed']}, threshold 0.5",
                           final["test_at_0.5"], n_test, final["test_confusion_at_0.5"]),
        _single_split_line(f"same, threshold {final['threshold']:.3f} chosen on validation",
                           final["test_at_threshold"], n_test, final["test_confusion_at_threshold"]),
    ]
    repeated = [
        _repeated_line("report's protocol (leaky), repeated K-fold", honest, summary, LEAKY),
        _repeated_line("**leak-free, repeated K-fold, settings chosen inside each split (the honest number)**",
                       honest, summary, results.NESTED),
        _repeated_line("leak-free, settings chosen on other splits' validation photos (may flatter)", honest,
                       summary, LEAK_FREE),
        _repeated_line("for comparison: logistic regression on grey pixels, leak-free", honest, summary,
                       "pixel_logreg"),
    ]
    stable = r["04_stability"]["spread"]["variance-reduced"]
    drawn = [row["test_auc"] for row in r["05_analysis_seeds"]["rows"]]
    paired = {"test": honest["paired_vs_pixel_logreg"]["test"],
              **honest["selection"]["paired_vs_pixel_logreg"][results.NESTED]}
    cal = final["calibration"]["test"]
    return [
        "## Metrics", "",
        f"Female is the positive class. The single split is the report's (notebook 04, {n_test} test images, of "
        "which some are augmented copies of training photos: it leaks). The repeated K-fold is notebook 07's "
        f"({honest['n_splits']} splits; CNN images scaled by {scale:g}; the leak-free test sets hold real photos "
        "only). Single split: Wilson interval for accuracy, Hanley-McNeil for AUC. Repeated splits: "
        f"{split_statistics.INTERVAL_LABEL}, of the mean over splits: the splits' training sets overlap, so the "
        "variance "
        "of the mean is (1/K + n_test/n_train) · var rather than var / K (t with K - 1 degrees of freedom; not "
        "clipped to [0, 1]). Brier as mean ± sd over splits.", "",
        *head, *single, *repeated, "",
        f"- Report's Table 5 for comparison: AUC {published.FINAL_MODEL['auc']:.3f}, accuracy "
        f"{published.FINAL_MODEL['accuracy']:.3f} (same leaky protocol).",
        f"- Seed spread on the report's protocol: this model over {len(drawn)} seeds that draw the augmentation, the "
        f"split and the training, test AUC {min(drawn):.3f} to {max(drawn):.3f}; the improved CNN of notebook 08 "
        f"over {r['04_stability']['runs']} training seeds on this split, AUC {stable['auc_mean']:.3f} ± "
        f"{stable['auc_std']:.3f}, accuracy {stable['accuracy_at_0.5_mean']:.3f} ± "
        f"{stable['accuracy_at_0.5_std']:.3f}.",
        leak_line(honest),
        f"- Leak-free CNN minus pixel logistic regression ({paired['test']}): AUC {paired['auc']['mean']:+.3f} "
        f"[{paired['auc']['ci_low']:+.3f}, {paired['auc']['ci_high']:+.3f}] (p = {paired['auc']['p_value']:.3f}), "
        f"accuracy {paired['accuracy']['mean']:+.3f} [{paired['accuracy']['ci_low']:+.3f}, "
        f"{paired['accuracy']['ci_high']:+.3f}] (p = {paired['accuracy']['p_value']:.3f}).",
        f"- Calibration on the report's split: Brier {cal['brier']:.3f} (constant guess of the female rate: "
        f"{cal['brier_constant_rate']:.3f}), mean p(female) {cal['mean_score']:.2f} for a female rate of "
        f"{cal['observed_rate']:.2f}, expected calibration error {cal['ece']:.3f}. Scores are not to be read as "
        "probabilities without checking calibration on the data at hand; the threshold is chosen on validation.",
        f"- Project targets: on the report's split AUC ≥ {targets.TARGET['auc']:.2f} and accuracy ≥ "
        f"{targets.TARGET['accuracy']:.2f}; leak-free mean AUC ≥ {leak_free_target['wanted']['auc']:.2f}, accuracy ≥ "
        f"{leak_free_target['wanted']['accuracy']:.2f} and better than pixels with p < "
        f"{leak_free_target['wanted']['p_value']:.2f}: leak-free target "
        + ("**met**." if leak_free_target["met"] else "**not met**."),
        "",
    ]


def failure_section(r: Mapping[str, Any]) -> list[str]:
    """Notebook 05's errors, the lighting test and the Grad-CAM shares, as failure modes."""
    errors = r["05_error_analysis"]
    final = r["04_final_model"]
    f_as_m, m_as_f = errors_by_kind(final["test_confusion_at_threshold"])
    lum = errors["luminance_misclassified_vs_correct"]
    rows = [f"| {e['filename']} | {config.CLASS_NAMES[e['sex']]} | {e['p_female']:.2f} | "
            f"{'augmented copy of ' + e['source'] if e['augmented'] else 'real photo'} |" for e in errors["errors"]]
    from helpers.studies import analysis_seeds  # its counts need neither NumPy nor pandas

    seen = analysis_seeds.counts(r["05_analysis_seeds"])
    n, both = seen["seeds"], seen["seeds_with_both_decisions"]
    return [
        "## Known failure modes (notebook 05)", "",
        f"- On the report's split at the validation threshold this run of the model makes {len(errors['errors'])} "
        f"error(s) in {errors['test_images']} test images: {f_as_m} female photo(s) called male, {m_as_f} male "
        f"photo(s) called female. Over {n} seeds that draw the augmentation, the split and the training it makes "
        f"{seen['errors_min']} to {seen['errors_max']} errors in {seen['test_images']}; {seen['female_called_male']} "
        f"female photos called male against {seen['male_called_female']} male photos called female in all, more "
        f"female than male errors on {seen['seeds_more_female_errors']} of {n} seeds and fewer on "
        f"{seen['seeds_more_male_errors']}.",
        "", "| test image | true class | p(female) | image |", "|---|---|---|---|", *rows, "",
        "- Lighting: the report blamed strong frontal light. " + (
            "This run makes no error to compare with its correct images." if lum is None else
            f"Face luminance of the errors {lum['mean_a']:.3f} vs {lum['mean_b']:.3f} for correct images "
            f"(Mann-Whitney p = {lum['p_value']:.3f}, {lum['n_a']} errors): "
            + ("a measurable difference on this run." if lum["p_value"] < 0.05 else
               "no measurable difference with this few errors.")),
        f"- Where the model looks (Grad-CAM, each region's share of the heatmap against its share of the area, over "
        f"{both} seeds): when it decides *female*, the central face box gets less than its share in "
        f"{seen['female_face_below_area']} of {both} seeds and the hair regions (top band and sides) each more than "
        f"the face box in {seen['female_hair_above_face']}; when it decides *male*, the face box gets more than its "
        f"share in {seen['male_face_above_area']} of {both}. Hair and outline are cues of this photo set and of its "
        "fashions, and fail on anyone who does not follow them.",
        "- Anything unlike the training photos: other lighting, non-frontal poses, glasses, hats, other ages or "
        "ethnicities, other cameras or compression, sketches instead of photos. None of it was tested.",
        "",
    ]


FIXED_HEAD = """# Model card: the final CNN of the CUFS sex-classification course project

*Generated by `python -m helpers.reporting.model_card` from the results files in `results/` (the pipeline regenerates it
after a full run; a test fails if it differs from them). Do not edit by hand.*

## Model
{model}

## Intended use
Teaching: how a small CNN is built, trained and regularised, how a decision threshold is chosen on validation
data, how a leaky protocol inflates results, and how to evaluate honestly (repeated splits, baselines, paired
tests, calibration). The model and its numbers are course material about **method**.

## Uses it must not serve
- Inferring anyone's sex or gender, from any photo, for any purpose. The labels are two letters in file names
  of one dataset, not anyone's self-described gender; the model knows nothing about gender.
- Any decision about a person: access, identity checks, hiring, admission, policing, surveillance, marketing,
  content filtering or "demographic analytics".
- Any population, camera or setting other than the CUFS photos it was evaluated on (see below).
- Any use that treats its scores as probabilities without re-checking calibration on the data at hand.

## Data
- CUHK Face Sketch Database (CUFS), the CUHK **student** photos only: 188 colour photos, one per person,
  {sexes}, 200 x 250 pixels, frontal, neutral expression, controlled lighting and a plain background.
- A narrow population: students of one university, a narrow age range, a narrow ethnic range.
- Binary labels read from the file names (`m-`/`m1-` male, `f-`/`f1-` female): the dataset's annotation, not
  self-identification; no other category exists in the data.
- Splits: the report's protocol balances the classes by augmenting female photos **before** splitting (268
  images, stratified 133 / 81 / 54, seed {seed}), so augmented copies of a test photo can be in training: it
  leaks. The leak-free protocol splits the 188 photos first and augments training photos only.

"""

FIXED_TAIL = """## What would change with other data
- **Other people** (ages, ethnicities, hairstyles, cultures): the cues learned here (hair and outline among
  them) would not carry over; expect lower accuracy, and errors concentrated on people unlike the training set.
- **Other capture conditions** (lighting, pose, background, camera, compression): the photos here are
  uniform; a change in any of them is a distribution shift the model never saw.
- **Other class balance**: the scores and the validation threshold were set for this dataset's proportions;
  with another balance both the calibration and the right threshold move.
- **More data**: 188 photos give wide intervals (see Metrics); with more photos per class the leak-free
  interval would narrow and the comparison with simple pixel baselines would become decisive either way.
- Whatever the data, the honest protocol stays: split people first, choose everything on validation data,
  report intervals over repeated splits, compare with a simple baseline, check calibration.

"""


def render(root: str | os.PathLike | None = None) -> str:
    """The model card's Markdown."""
    r = load(root)
    final, honest = r["04_final_model"], r["07_repeated_splits"]
    recipe = final["recipe"]
    improved = methods.describe_variant(honest["final_variant"], honest["parameters"]["IMAGE_SCALE"])
    model = (f"The report's final CNN (four convolutional blocks with L2 {final['l2']:g}, batch normalisation, global "
             f"average pooling; {final['parameters']['total']:,} parameters, as in the report: "
             f"{published.FINAL_PARAMS['total']:,}), one model trained by notebook 04 on the report's split. Recipe: "
             f"Adam, learning rate {recipe['learning_rate']:g}, batch {recipe['batch_size']}, at most "
             f"{recipe['epochs']} epochs with early stopping on validation loss. Output: p(female) for a 250 x 200 "
             f"RGB photo. Seed {final['seed']}. Trained with TensorFlow {final['environment']['tensorflow']}, Keras "
             f"{final['environment']['keras']} on {final['environment']['device']}. The leak-free evaluation "
             f"(notebook 07) trains the same network with the changes notebook 08 chose on validation photos: "
             f"{improved}. What the report itself did and found: [docs/report.md](docs/report.md).")
    sexes = "134 male and 54 female"  # data facts (helpers.data checks them on every load)
    provenance = ["## Provenance", "", "Each results file records where it was produced:", ""]
    for name in NEEDED:
        env = r[name]["environment"]
        provenance.append(f"- `results/{name}.json`: {env['device']}; TensorFlow {env['tensorflow']}, Keras "
                          f"{env['keras']}, Python {env['python']}; commit {env['git_commit']}; {env['date']}.")
    return (FIXED_HEAD.format(model=model, sexes=sexes, seed=final["seed"]) + "\n".join(metrics_section(r)) + "\n"
            + "\n".join(failure_section(r)) + "\n" + FIXED_TAIL + "\n".join(provenance) + "\n")


def refresh(path: Path | None = None, root: str | os.PathLike | None = None) -> bool:
    """Rewrite MODEL_CARD.md (atomically) if the results say something else; True if it changed."""
    path = path or config.project_root() / CARD
    text = render(root)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    storage.atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate MODEL_CARD.md from the results files.")
    parser.add_argument("--check", action="store_true", help="only check that MODEL_CARD.md is up to date")
    args = parser.parse_args(argv)
    path = config.project_root() / CARD
    try:
        if args.check:
            current = path.read_text(encoding="utf-8") if path.is_file() else ""
            if current != render():
                print(f"{path} differs from the results files: run `python -m helpers.reporting.model_card`.")
                return 1
            print(f"{path} is up to date")
            return 0
        print(f"{path} " + ("regenerated" if refresh(path) else "already up to date"))
    except results.ResultsNotReadyError as err:
        parser.exit(1, f"model card: {err}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
