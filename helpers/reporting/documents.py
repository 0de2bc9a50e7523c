"""The Jinja2 templates of ``templates/``, their number formats and the findings every document quotes (no NumPy)."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from helpers import config, published
from helpers.infra import storage
from helpers.reporting import results, targets

METRICS = ["accuracy", "precision", "recall", "f1", "auc"]  # the report's tables' columns


def cell(value: Any) -> str:
    """A number as the tables show it: ``mean ± sd`` of a summary entry, three decimals, or a dash for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value['mean']:.3f} ± {value['std']:.3f}" if isinstance(value, Mapping) else f"{value:.3f}"


def interval(values: Mapping[str, float], signed: bool = False) -> str:
    """``mean [low, high]``, with signs for differences."""
    form = "+.3f" if signed else ".3f"
    return f"{values['mean']:{form}} [{values['ci_low']:{form}}, {values['ci_high']:{form}}]"


def paired(values: Mapping[str, float], digits: int = 2) -> str:
    """A paired difference and its p-value: ``+0.019 (p = 0.12)``."""
    return f"{values['mean']:+.3f} (p = {values['p_value']:.{digits}f})"


def established(differences: Mapping[str, Mapping[str, float]], metrics: Sequence[str]) -> list[str]:
    """The metrics whose corrected interval of a paired difference lies wholly above zero."""
    return [m for m in metrics if m in differences and differences[m]["ci_low"] > 0]


def oneline(text: str) -> str:
    """A block of a template written over several lines, as one line of Markdown (and its line break)."""
    return re.sub(r"\s*\n\s*", " ", text.strip()) + "\n"


def tight(html: str) -> Markup:
    """HTML written over several lines, on one: nothing between tags, one space where a line of words broke."""
    return Markup(re.sub(r"\s*\n\s*", " ", re.sub(r">\s*\n\s*<", "><", html.strip())))


def headline(honest: Mapping[str, Any]) -> dict[str, Any]:
    """Notebook 07's summary by method with the headline (settings chosen inside each split) and its paired test."""
    return {"summary": {**honest["summary"], **honest["selection"]["summary"]},
            "versus": honest["selection"]["paired_vs_pixel_logreg"][results.NESTED]}


def over_seeds(r: Mapping[str, Any]) -> dict[str, Any]:
    """The final CNN on the report's protocol over the seeds of ``05_analysis_seeds``: test AUCs and error counts."""
    from helpers.studies import analysis_seeds  # its counts need neither NumPy nor pandas

    return {"drawn": [row["test_auc"] for row in r["05_analysis_seeds"]["rows"]],
            "seen": analysis_seeds.counts(r["05_analysis_seeds"])}


TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("helpers.reporting", "templates"),
                               autoescape=jinja2.select_autoescape(["html.j2"]), undefined=jinja2.StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True)
TEMPLATES.filters.update(f3="{:.3f}".format, cell=cell, interval=interval, paired=paired, oneline=oneline, tight=tight,
                         verdict=lambda met: "met" if met else "not met")
TEMPLATES.globals.update(significant=targets.significant, established=established, all=all, P_LEVEL=targets.P_LEVEL,
                         published=published, targets=targets, METRICS=METRICS, words=config.METRIC_WORDS,
                         method_words=config.METHOD_WORDS, class_names=config.CLASS_NAMES, NESTED=results.NESTED,
                         FIXED=results.FIXED)


def write_text(path: str | os.PathLike, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it; True if it changed."""
    path = Path(path)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    storage.atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return True
