"""Readings written from a run's own values, so that no number in the notebooks' prose is typed by hand.

Each function takes what a notebook computed and returns Markdown; ``show`` displays it as a cell
output. Re-run a notebook on another machine and its readings change with its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import analysis, report

# What the project set out to reach on the report's split (seed 23): the report's AUC and accuracy, clearly beaten.
TARGET = {"auc": 0.97, "accuracy": 0.93}


def show(markdown: str) -> None:
    """Display generated Markdown as the output of the current cell (plain text outside Jupyter)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown))


def errors_by_kind(confusion: list[list[int]]) -> tuple[int, int]:
    """(female photos called male, male photos called female) from a 2 x 2 matrix, rows = true (male, female)."""
    return int(confusion[1][0]), int(confusion[0][1])


def search_summary(search: pd.DataFrame, recipe: str, seed: int, protocol: str = "report") -> dict[str, float]:
    """Mean test AUC and accuracy at 0.5 of one recipe over all its seeds, and its run with ``seed``."""
    rows = search[(search["recipe"] == recipe) & (search["protocol"] == protocol)]
    one = rows[rows["seed"] == seed]
    return {
        "n_seeds": int(rows["seed"].nunique()),
        "mean_auc": float(rows["test_auc"].mean()),
        "mean_accuracy": float(rows["test_acc_05"].mean()),
        "seed_auc": float(one["test_auc"].iloc[0]) if len(one) else float("nan"),
        "seed_accuracy": float(one["test_acc_05"].iloc[0]) if len(one) else float("nan"),
    }


def final_model_reading(evaluated: Mapping[str, Any], n_test: int, search: Mapping[str, float] | None = None) -> str:
    """Notebook 04: this run against the report and the target, its errors, threshold and loss."""
    at_half, at_threshold = evaluated["test_at_0.5"], evaluated["test_at_threshold"]
    threshold = evaluated["threshold"]
    right = round(at_half["accuracy"] * n_test)
    reached = at_half["auc"] >= TARGET["auc"] and at_half["accuracy"] >= TARGET["accuracy"]
    versus = _versus(at_half["accuracy"], report.FINAL_MODEL["accuracy"], "accuracy")
    lines = [
        f"**Reading (generated from this run).** Seed 23 gives a test AUC of {at_half['auc']:.3f} and an accuracy "
        f"at 0.5 of {at_half['accuracy']:.3f} ({right} of {n_test}); the report had {report.FINAL_MODEL['auc']:.3f} "
        f"and {report.FINAL_MODEL['accuracy']:.3f}, so this run's {versus}. The project's target on this split "
        f"(AUC {TARGET['auc']:.2f} and accuracy {TARGET['accuracy']:.2f}) is "
        + ("**reached** by this run." if reached else "**not reached** by this run."),
    ]
    if search:
        lines.append(
            f"The recipe search (other hardware, see above) gave this seed {search['seed_auc']:.3f} and "
            f"{search['seed_accuracy']:.3f}, and {search['n_seeds']} seeds averaged {search['mean_auc']:.3f} and "
            f"{search['mean_accuracy']:.3f}: one training run is one draw from that spread, and another CPU or "
            "GPU draws differently from the same seed."
        )
    f_as_m, m_as_f = errors_by_kind(evaluated["test_confusion_at_0.5"])
    same = evaluated["test_confusion_at_0.5"] == evaluated["test_confusion_at_threshold"]
    lines.append(
        f"\n\nAt 0.5 it calls {f_as_m} female photo(s) male and {m_as_f} male photo(s) female (the report's "
        f"errors were all female photos called male). The threshold chosen on validation, {threshold:.3f}, "
        + ("gives the same confusion matrix" if same else
           f"gives accuracy {at_threshold['accuracy']:.3f} on test (a threshold tuned on 81 validation images "
           "does not always transfer)")
        + f". The test loss is {at_half['loss']:.2f} against the report's {report.FINAL_MODEL['loss']:.2f} "
        "(which may include the L2 penalty; the report does not say): this model is rarely confidently wrong."
    )
    return " ".join(lines[:-1]) + lines[-1]


def lighting_reading(errors_vs_correct: Mapping[str, float], rho: float, rho_p: float,
                     male_vs_female: Mapping[str, float]) -> str:
    """Notebook 05: is the report's lighting hypothesis supported by this model's errors?"""
    e = errors_vs_correct
    supported = e["p_value"] < 0.05 and e["mean_a"] > e["mean_b"]
    verdict = "supported here" if supported else "not supported here"
    return (
        f"**Conclusion on lighting (generated from this run): {verdict}.** The {e['n_a']} misclassified test "
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
    by_prediction = test.groupby("predicted")[["cam_face_share", "cam_side_share"]].mean()
    male, female = by_prediction.loc[0], by_prediction.loc[1]
    augmented = confident_female[confident_female["augmented"]]
    seen_in_train = int(augmented["source"].isin(train_sources).sum())
    seen_in_val = int(augmented["source"].isin(validation_sources).sum())
    correct_top = test.loc[test["correct"], "cam_top_share"].mean()
    error_top = errors["cam_top_share"].mean() if len(errors) else float("nan")
    height, width = 250, 200  # the regions are fractions of the image, so any size gives these areas
    face_area = _area(analysis.face_region(height, width), height, width)
    side_area = sum(_area(r, height, width) for r in analysis.side_regions(height, width))
    return (
        f"**Measured (generated from this run).** When the model says *male*, {male['cam_face_share']:.0%} of the "
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


def _area(region: analysis.Region, height: int, width: int) -> float:
    rows, columns = region
    return len(range(*rows.indices(height))) * len(range(*columns.indices(width))) / (height * width)


def _versus(ours: float, theirs: float, name: str) -> str:
    if np.isclose(ours, theirs, atol=5e-4):
        return f"{name} equals the report's"
    return f"{name} is {'higher' if ours > theirs else 'lower'} than the report's"
