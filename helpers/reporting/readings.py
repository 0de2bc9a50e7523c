"""Readings written from a run's own values, so that no number in the notebooks' prose is typed by hand.

Each function takes what a notebook computed and returns Markdown; ``show`` displays it as a cell
output. Re-run a notebook on another machine and its readings change with its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.reporting.targets import LEAK_FREE_TARGET


def show(markdown: str) -> None:
    """Display generated Markdown as the output of the current cell (plain text outside Jupyter)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown))


def errors_by_kind(confusion: list[list[int]]) -> tuple[int, int]:
    """(female photos called male, male photos called female) from a 2 x 2 matrix, rows = true (male, female)."""
    return int(confusion[1][0]), int(confusion[0][1])


def lighting_reading(errors_vs_correct: Mapping[str, float] | None, rho: float, rho_p: float,
                     male_vs_female: Mapping[str, float]) -> str:
    """Notebook 05: is the report's lighting hypothesis supported by this model's errors?"""
    e = errors_vs_correct
    if e is None:
        return ("**This run misclassifies no test image**, so its errors cannot be compared with its correct "
                f"images. The face luminance of a test image and the probability the model gives it correlate with "
                f"Spearman rho = {rho:+.2f} (p = {rho_p:.2f}); across all 188 photos, male faces average "
                f"{male_vs_female['mean_a']:.3f} and female faces {male_vs_female['mean_b']:.3f} "
                f"(p = {male_vs_female['p_value']:.2f}).")
    supported = e["p_value"] < 0.05 and e["mean_a"] > e["mean_b"]
    verdict = "supported here" if supported else "not supported here"
    return (
        f"**The lighting hypothesis is {verdict}.** The {e['n_a']} misclassified test "
        f"images have a mean face luminance of {e['mean_a']:.3f} against {e['mean_b']:.3f} for the {e['n_b']} "
        f"correct ones (Mann-Whitney p = {e['p_value']:.2f}); the face luminance of a test image and the "
        f"probability the model gives it correlate with Spearman rho = {rho:+.2f} (p = {rho_p:.2f}); across all "
        f"188 photos, male faces average {male_vs_female['mean_a']:.3f} and female faces "
        f"{male_vs_female['mean_b']:.3f} (p = {male_vs_female['p_value']:.2f}). Two cautions: with "
        f"{e['n_a']} errors a test can only detect a large effect, and the report's errors came from a different "
        "model. A strong, systematic brightness cue would show up here."
    )


def grad_cam_reading(test: pd.DataFrame, confident_female: pd.DataFrame, train_sources: set[str],
                     validation_sources: set[str], top_area: float) -> str:
    """Notebook 05: where the heatmaps put their mass, which errors were made, and the leak in the confident ones.

    ``test`` needs ``sex``, ``predicted``, ``correct``, ``cam_top_share``, ``cam_side_share`` and
    ``cam_face_share``; ``confident_female`` needs ``augmented`` and ``source``.
    """
    errors = test[~test["correct"]]
    f_as_m = int(((errors["sex"] == 1) & (errors["predicted"] == 0)).sum())
    m_as_f = int(((errors["sex"] == 0) & (errors["predicted"] == 1)).sum())
    by_prediction = test.groupby("predicted")[["cam_face_share", "cam_side_share"]].mean().reindex([0, 1])
    male, female = by_prediction.loc[0], by_prediction.loc[1]  # NaN for a class the run never decides
    augmented = confident_female[confident_female["augmented"]]
    seen_in_train = int(augmented["source"].isin(train_sources).sum())
    seen_in_val = int(augmented["source"].isin(validation_sources).sum())
    correct_top = test.loc[test["correct"], "cam_top_share"].mean()
    error_top = errors["cam_top_share"].mean() if len(errors) else float("nan")
    height, width = 250, 200  # the regions are fractions of the image, so any size gives these areas
    from helpers import analysis  # imports Keras: only the Grad-CAM reading needs it

    face_area = analysis.region_area(analysis.face_region(height, width), height, width)
    side_area = sum(analysis.region_area(r, height, width) for r in analysis.side_regions(height, width))
    return (
        f"**Where the mass lies.** When the model says *male*, {male['cam_face_share']:.0%} of the "
        f"Grad-CAM mass lies in the central face box ({face_area:.0%} of the image) and "
        f"{male['cam_side_share']:.0%} at the sides of the head ({side_area:.0%} of the image); when it says "
        f"*female*, {female['cam_face_share']:.0%} and {female['cam_side_share']:.0%}. Its errors at "
        f"the validation threshold: {f_as_m} female photo(s) called male and {m_as_f} male photo(s) called female. "
        f"The top {top_area:.0%} of the image gets {test['cam_top_share'].mean():.1%} of the mass "
        f"({correct_top:.1%} for correct images, {error_top:.1%} for errors)."
        f"\n\nOf the {len(confident_female)} most confident *female* predictions, {len(augmented)} are augmented "
        f"images; {seen_in_train} of these share their source photo with a training image and {seen_in_val} with a "
        "validation image. That is the leak of the report's protocol at work (the model may be recognising a "
        "photo it has seen); notebook 06 measures how much it inflates the scores."
    )


METRIC_WORDS = {"auc": "AUC", "balanced_accuracy": "balanced accuracy", "recall": "sensitivity",
                "specificity": "specificity", "accuracy": "accuracy"}


def join_words(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _target_sentence(target: Mapping[str, Any], paired_auc: Mapping[str, float]) -> str:
    """The leak-free target, check by check, in sentences."""
    wanted, checks = target["wanted"], target["checks"]
    auc_ok, acc_ok, win_ok = checks["auc"], checks["accuracy"], checks["better_than_pixel_logreg"]
    if win_ok:
        win = "so the CNN's higher AUC is significant"
    elif paired_auc["mean"] <= 0:
        win = "and the CNN's mean AUC is not even the higher of the two"
    else:
        win = "so the CNN's edge is not significant"
    held = sum(bool(v) for v in checks.values())
    return (
        f"The project's target for the leak-free final CNN asks for a mean AUC of at least {wanted['auc']:.2f}, a "
        f"mean accuracy of at least {wanted['accuracy']:.2f} and a significant win over the pixel logistic regression "
        f"(p below {wanted['p_value']:.2f}). The mean AUC, {target['mean_auc']:.3f}, "
        + ("reaches" if auc_ok else "falls short of") + " its bar; the mean accuracy, "
        f"{target['mean_accuracy']:.3f}, " + ("reaches" if acc_ok else "falls short of") + " its bar; the paired test "
        f"gives p = {target['p_value_auc_vs_pixel_logreg']:.3f}, {win}. "
        + ("All three conditions hold: **the target is met**." if target["met"] else
           ("None of the three conditions holds" if held == 0 else
            f"{held} of the three conditions hold{'s' if held == 1 else ''}") + ": **the target is not met**.")
    )


def honest_evaluation_reading(summary: pd.DataFrame, records: pd.DataFrame, leak: pd.DataFrame,
                              paired: Mapping[str, Mapping[str, float]], target: Mapping[str, Any],
                              leaked: Mapping[Any, Mapping[str, int]], cnn_shape: tuple[int, ...],
                              final_variant: str, n_splits: int, refit_target: Mapping[str, Any] | None = None,
                              nested_target: Mapping[str, Any] | None = None) -> str:
    """Notebook 06's conclusions, from the run: the leak, the paired test, the target, like with like, the floor.

    ``leak`` is ``summaries.leak_table``: the leak measured only on metrics that do not depend on the share of
    female photos in the test set, each with its paired, corrected interval.
    """
    def mean(method: str, metric: str) -> float:
        return float(summary.loc[(method, metric), "mean"])

    honest, logreg = "final_cnn_leak_free", "pixel_logreg"
    names = [METRIC_WORDS.get(m, m.replace("_", " ")) for m in leak.index]
    pairs = join_words([f"{name} {row['report protocol']:.3f} against {row['leak-free']:.3f}"
                   for name, (_, row) in zip(names, leak.iterrows(), strict=True)])
    higher = int((leak["inflation"] > 0).sum())
    open_ = [n for n, zero in zip(names, leak["includes zero"], strict=True) if zero]
    shut = [n for n, zero in zip(names, leak["includes zero"], strict=True) if not zero]
    leak_counts = [counts["report_protocol"] for counts in leaked.values()]
    auc, accuracy = paired["auc"], paired["accuracy"]
    by_split = records.pivot(index="seed", columns="method", values="auc")
    wins = int((by_split[honest] >= by_split[logreg]).sum())
    spreads = summary.xs("balanced_accuracy", level="metric")["std"].drop("majority", errors="ignore")
    how_often = ("higher on every one of these metrics" if higher == len(names) else
                 "no higher on any of these metrics" if higher == 0 else
                 f"higher on {higher} of these {len(names)} metrics")
    if not shut:
        verdict = ("Split by split, the corrected 95 % interval of the difference includes zero for every one of "
                   f"them: with {n_splits} splits the leak's effect cannot be told apart from no effect on any.")
    elif not open_:
        verdict = ("Split by split, the corrected 95 % interval of the difference excludes zero for every one of "
                   "them: the inflation is established on each.")
    else:
        verdict = (f"Split by split, the corrected 95 % interval of the difference excludes zero for "
                   f"{join_words(shut)}, where the inflation is established, and includes zero for "
                   f"{join_words(open_)}, where it cannot be told apart from no effect.")
    direction = "exceeds" if auc["mean"] > 0 else "falls short of" if auc["mean"] < 0 else "equals"
    significant = auc["mean"] > 0 and auc["p_value"] < LEAK_FREE_TARGET["p_value"]
    paragraphs = [
        f"**Conclusions.** These come from {n_splits} splits of the repeated K-fold, with the final CNN trained as "
        f"`{final_variant}`.",
        f"**The leak.** The report's protocol tests on balanced sets, the leak-free protocol on the data's own share "
        f"of female photos, so precision, F1 and accuracy would differ between them even without a leak; the "
        f"comparison therefore uses only metrics that do not depend on that share. The report's protocol scores the "
        f"final CNN {how_often} ({pairs}). {verdict} In every leaky split, "
        f"between {min(leak_counts)} and {max(leak_counts)} validation and test images share their source photo "
        "with another role; the leak-free protocol has none.",
        f"**The CNN against pixels.** Leak-free, the final CNN's AUC {direction} the pixel logistic regression's "
        f"by {abs(auc['mean']):.3f} on average (corrected 95 % interval {auc['ci_low']:+.3f} to "
        f"{auc['ci_high']:+.3f}, p = {auc['p_value']:.3f}), and its accuracy differs by {accuracy['mean']:+.3f} "
        f"(p = {accuracy['p_value']:.3f}). The CNN's AUC is at least as high on {wins} of the {n_splits} splits. "
        + ("At the 5 % level the CNN **is** better on AUC." if significant else
           "At the 5 % level the two **cannot be told apart** on AUC."),
        f"**The target.** {_target_sentence(target, auc)}",
        *([] if nested_target is None else [
            f"**The headline** (section 9: the settings chosen inside each split on its own validation photos, so "
            f"that no choice saw a test photo): mean AUC {nested_target['mean_auc']:.3f}, mean accuracy "
            f"{nested_target['mean_accuracy']:.3f}, p = {nested_target['p_value_auc_vs_pixel_logreg']:.3f} against "
            "the pixels: the target is " + ("**met**." if nested_target["met"] else "**not met**.")]),
        *([] if refit_target is None else [
            f"**With the refit** (section 8), judged the same way on the refit CNN and the refit pixel logistic "
            f"regression: mean AUC {refit_target['mean_auc']:.3f}, mean accuracy {refit_target['mean_accuracy']:.3f}, "
            f"p = {refit_target['p_value_auc_vs_pixel_logreg']:.3f}: the target is "
            + ("**met**." if refit_target["met"] else "**not met** either." if not target["met"] else "**not met**.")]),
        f"**Like with like.** The two final-CNN rows differ only in the protocol. The baseline CNN (AUC "
        f"{mean('baseline_cnn', 'auc'):.3f}) differs from the leak-free final CNN ({mean(honest, 'auc'):.3f}) in "
        "architecture, recipe, augmentation and inference at once, so this table cannot say which of these matters; "
        f"its dense layer also shrinks with the image size (the CNNs saw {cnn_shape[0]} x {cnn_shape[1]} images "
        "here).",
        f"**The floor.** Calling every photo male, the majority class reaches an accuracy of "
        f"{mean('majority', 'accuracy'):.3f} but a balanced accuracy of only "
        f"{mean('majority', 'balanced_accuracy'):.3f}: accuracy alone rewards ignoring the minority class. From one "
        f"split to the next, the other methods' balanced accuracy has a standard deviation between "
        f"{spreads.min():.3f} and {spreads.max():.3f}, so a single split, the report's or those of notebooks 02 and "
        "04, can be off by about that much.",
    ]
    return "\n\n".join(paragraphs)


def refit_reading(gains: Mapping[str, Mapping[str, Mapping[str, float]]], versus: Mapping[str, Mapping[str, float]],
                  labels: Mapping[str, str], refit_of: Mapping[str, str], n_splits: int) -> str:
    """Notebook 06's refit section: what refitting on training + validation photos changed for each method (paired,
    corrected), and the refit CNN against the refit pixel logistic regression."""
    alpha = LEAK_FREE_TARGET["p_value"]

    def change(test: Mapping[str, float]) -> str:
        return f"{test['mean']:+.3f} (p = {test['p_value']:.3f})"

    lines = [f"**Reading.** Over {n_splits} splits, refit minus first fit, split by split (corrected paired test):"]
    for refit, base in refit_of.items():
        g = gains[refit]
        lines.append(f"- {labels[base]}: AUC {change(g['auc'])}, accuracy {change(g['accuracy'])}, balanced accuracy "
                     f"{change(g['balanced_accuracy'])}.")
    ranks_better_only = [labels[base] for refit, base in refit_of.items()
                         if gains[refit]["auc"]["mean"] > 0 > gains[refit]["accuracy"]["mean"]]
    text = "\n".join(lines)
    if ranks_better_only:
        text += ("\n\nFor " + join_words(ranks_better_only) + " the refit ranks the test photos better but classifies "
                 "them worse: the threshold was chosen for the first fit's scores, and a model trained on more photos "
                 "for as many epochs need not score on the same scale.")
    significant = [labels[base] for refit, base in refit_of.items()
                   if any(gains[refit][m]["p_value"] < alpha for m in ("auc", "accuracy", "balanced_accuracy"))]
    text += ("\n\nNo change is significant at the 5 % level." if not significant else
             "\n\nA change significant at the 5 % level: " + join_words(significant) + ".")
    auc, accuracy = versus["auc"], versus["accuracy"]
    win = auc["mean"] > 0 and auc["p_value"] < alpha
    text += (f"\n\n**Refit against refit.** The refit CNN's AUC minus the refit pixel logistic regression's is "
             f"{auc['mean']:+.3f} (corrected 95 % interval {auc['ci_low']:+.3f} to {auc['ci_high']:+.3f}, "
             f"p = {auc['p_value']:.3f}), its accuracy {accuracy['mean']:+.3f} (p = {accuracy['p_value']:.3f}): "
             + ("with both refit, the CNN **is** better on AUC at the 5 % level." if win else
                "with both refit, the two **still cannot be told apart** on AUC at the 5 % level."))
    return text


# ---- calibration --------------------------------------------------------------------------------

def brier_spread_reading(brier: pd.DataFrame, labels: Mapping[str, str], leaky: str = "final_cnn_report",
                         leak_free: str = "final_cnn_leak_free", pixels: str = "pixel_logreg") -> str:
    """Notebook 06: the Brier score of each method over the splits (rows method, columns mean, std, min, max):
    what the leak does to it, the leak-free CNN against the pixel baseline, and the spread over splits."""
    parts = [f"{labels.get(m, m)} {row['mean']:.3f} ± {row['std']:.3f} ({row['min']:.3f}-{row['max']:.3f})"
             for m, row in brier.iterrows()]
    ranges = brier["max"] - brier["min"]
    widest = ranges.idxmax()
    a, b, c = (brier.loc[m] for m in (leaky, leak_free, pixels))
    gap = b["mean"] - c["mean"]
    clear = abs(gap) > min(b["std"], c["std"])
    if a["mean"] < b["mean"]:
        leak = (f"Under the report's protocol the final CNN scores {a['mean']:.3f} against {b['mean']:.3f} leak-free: "
                "the leak flatters the calibration, though part of the gap may come from the "
                "test sets themselves, since the report's are balanced and the Brier score depends on the share of "
                "each class. ")
    else:
        leak = (f"The leak does not lower the Brier score here ({a['mean']:.3f} against {b['mean']:.3f} leak-free), "
                "even though the report's balanced test sets differ from the leak-free ones in their share of each "
                "class. ")
    if clear:
        better = "CNN" if gap < 0 else "pixel logistic regression"
        versus = f"so the {better} is the better calibrated on average. "
    else:
        versus = "less than either one's standard deviation over the splits: no clear difference. "
    return (
        "**Reading.** Over the splits, the Brier score on test (lower is better; mean ± standard deviation, then "
        f"the lowest and highest split) is: {'; '.join(parts)}.\n\n"
        + leak
        + f"Leak-free, the CNN ({b['mean']:.3f}) and the pixel logistic regression ({c['mean']:.3f}) differ by "
        f"{gap:+.3f}, " + versus
        + f"From one split to the next the Brier score of one method moves by up to {ranges[widest]:.3f} "
        f"({labels.get(widest, widest)}): a single split's calibration, like notebook 04's diagram, is one draw. "
        "Every method's threshold is chosen on its own validation data in every split, so a shift of the scores "
        "costs accuracy only where validation and test disagree."
    )
