"""No result typed by hand: a number in a notebook's markdown is a fact of the report, of the data or of the
method, never a measurement of one run (a code cell prints those below the prose).

A re-run on another machine changes the measurements; it cannot change these facts, so prose that holds
only facts stays true.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import published
from helpers.infra import pipeline
from helpers.reporting import targets

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = pipeline.numbered_notebooks(ROOT / "notebooks")

# Metric-like: a decimal with two or more places (0.944, 1.82), a decimal percentage (16.8 %), a change in
# points (+2.6 points) and a count of successes (36 of 38, 47 of the 54).
DECIMAL = re.compile(r"(?<![\w.])\d+\.\d{2,}(?![\w.])")
PERCENT = re.compile(r"(?<![\w.])\d+\.\d+ ?%")
POINTS = re.compile(r"[+-]\d+(?:\.\d+)? points|\d+\.\d+ points")
COUNT = re.compile(r"\b(\d+) of (?:the |its )?(\d+)\b")


def report_facts() -> set[str]:
    """The report's published metrics, as the notebooks may print them (2 to 4 places)."""
    values = [*published.BASELINE_AT_HALF.values(), *published.BASELINE_AT_OPTIMAL.values(),
              *published.FINAL_MODEL.values()]
    return {f"{value:.{places}f}" for value in values for places in (2, 3, 4)}


# Constants of the method, stated where the method is explained (not results of a run).
METHOD_FACTS = {
    "0.299", "0.587", "0.114",  # the luma weights of the face-luminance statistic (ITU-R BT.601)
    "0.975",  # the t quantile of a 95 % interval
    "0.375",  # the validation fraction of what remains after the test split (30 % of the whole)
    "0.99",  # Keras' default batch-normalisation momentum, the setting the recipe search rejects
    *(f"{value:.2f}" for value in targets.TARGET.values()),  # the project's target for notebook 04's split
    *(f"{value:.2f}" for value in targets.LEAK_FREE_TARGET.values()),  # the leak-free target (notebook 07)
    f"{targets.STABILITY_TARGET_SD:.3f}",  # the stability target (notebook 04)
}
# Facts of the data: the seed-23 report split's leakage (checked by nbval in notebooks 03 and 04).
DATA_COUNTS = {("25", "54")}


def metric_like_numbers(text: str) -> list[str]:
    """The metric-like numbers in ``text`` that are not facts of the report, the method or the data."""
    allowed = report_facts() | METHOD_FACTS
    found = [m.group(0) for m in DECIMAL.finditer(text) if m.group(0) not in allowed]
    found += [m.group(0) for m in PERCENT.finditer(text)]
    found += [m.group(0) for m in POINTS.finditer(text)]
    found += [m.group(0) for m in COUNT.finditer(text) if m.groups() not in DATA_COUNTS]
    return found


def test_the_detector_catches_typed_results_and_lets_facts_through():
    typed = ("accuracy of 0.870 (47 of 54), AUC 0.944 against 0.938, 16.8 % of the mass, F1 +8.3 points, "
             "threshold 0.549, 36 of the 38 photos")
    assert metric_like_numbers(typed) == ["0.944", "0.549", "16.8 %", "+8.3 points", "47 of 54", "36 of the 38"]
    facts = ("the report's 0.938 and 0.870, the target AUC 0.97, weights 0.299 R + 0.587 G + 0.114 B, "
             "25 of the 54 test images, momentum 0.9, dropout 0.5, 93 / 57 / 38 photos, the top 30 % of the photo")
    assert metric_like_numbers(facts) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_states_no_measured_number(path: Path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    offending = {
        index: numbers
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "markdown" and (numbers := metric_like_numbers("".join(cell["source"])))
    }
    assert not offending, (
        f"{path.name}: markdown cells state measured numbers {offending}; print them from a code cell below the "
        "prose, or state only facts of the report, the data or the method."
    )
