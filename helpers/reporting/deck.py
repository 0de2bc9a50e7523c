"""The class deck: one self-contained HTML file (and its PDF), every number read from the results files.

    python -m helpers.reporting.deck                  # -> build/slides.html (make slides)
    python -m helpers.reporting.deck --screenshot docs/slide_previews/slide_13.png --slide 13
    python -m helpers.reporting.deck --pdf docs/slides.pdf     # also print it, one slide per page (make slides does)

``templates/slides.html.j2`` holds every slide's text, one macro per slide; every picture is a PNG of ``figures/``
embedded as a data URI, so the page opens from a file with no network. A few lines of inline script navigate, scale
the 16:9 stage and, with ``?selfcheck``, report what loaded for the browser test.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from helpers import config, published
from helpers.infra import storage
from helpers.reporting import documents, results

DEFAULT_OUTPUT = Path("build") / "slides.html"
RESULTS = ("02_baseline_model", "02_baseline_seeds", "04_final_model", "04_stability", "05_error_analysis",
           "05_analysis_seeds", "06_the_leak", "07_repeated_splits")
METRICS = ["accuracy", "precision", "recall", "f1", "auc"]
Root = str | os.PathLike | None  # where results/ and figures/ are (None: the project)


class SlidesError(results.ResultsNotReadyError):
    """The deck cannot be built from what is there; the message says which file and what to run."""


def figure(name: str, caption: str, root: Root) -> dict[str, str]:
    """``figures/<name>.png`` embedded as a data URI (the deck must not depend on any file beside it)."""
    path = config.figures_dir(root) / f"{name}.png"
    if not path.is_file():
        raise SlidesError(f"{path} is missing: run `make pipeline` to produce every figure before building the deck.")
    return {"uri": "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii"), "caption": caption}


def provenance(r: Mapping[str, Any]) -> list[list[str]]:
    """One row per results file: its device (shortened), libraries, commit and date."""
    rows = []
    for name in RESULTS:
        env = r[name].get("environment", {})
        device = re.sub(r"\(R\)| Processor| \(\d+ cores\)", "", env.get("device", "?")).replace(": ", " ")
        commit = env.get("git_commit", "?")
        rows.append([name, device, f"TF {env.get('tensorflow')} / Keras {env.get('keras')}",
                     commit[:7] + ("+" if commit.endswith("+changes") else ""), env.get("date", "?")])
    return rows


def render(root: Root = None, r: Mapping[str, Any] | None = None) -> str:
    """The deck as one HTML string, from a full run's results files (or from ``r``, those files loaded)."""
    from helpers.studies import analysis_seeds  # its counts need neither NumPy nor pandas

    r = r or results.full_run_results(RESULTS, root)
    honest = r["07_repeated_splits"]
    headline = documents.headline(honest)
    return documents.render(
        "slides.html.j2", r=r, figure=lambda name, caption: figure(name, caption, root), published=published,
        METRICS=METRICS, NESTED=results.NESTED, words=config.METRIC_WORDS, method_words=config.METHOD_WORDS,
        summary=headline["summary"], versus=headline["paired"], drawn=documents.drawn_aucs(r),
        seen=analysis_seeds.counts(r["05_analysis_seeds"]), provenance=provenance(r),
        brier=results.spread_over_splits(honest["records"], "final_cnn_leak_free", "brier"))


def write(destination: str | os.PathLike, root: Root = None) -> Path:
    """Render the deck and write it atomically (left alone when it already holds that page)."""
    documents.write_text(destination, render(root))
    return Path(destination)


def _by_chromium(make: Callable[[Path], Path], destination: str | os.PathLike) -> Path:
    """What headless Chromium writes through ``make(temporary path)``, moved into place atomically."""
    with tempfile.TemporaryDirectory(prefix="cufs-chromium-") as folder:
        made = make(Path(folder) / "out")
        return storage.atomic_write(Path(destination), lambda tmp: tmp.write_bytes(made.read_bytes()))


def save_pdf(deck: str | os.PathLike, destination: str | os.PathLike) -> Path:
    """The deck printed to a PDF (one slide per page)."""
    from helpers.infra import browser

    return _by_chromium(lambda tmp: browser.print_pdf(deck, tmp), destination)


def save_screenshot(deck: str | os.PathLike, destination: str | os.PathLike, slide: int = 1) -> Path:
    """A PNG of one slide."""
    from helpers.infra import browser

    return _by_chromium(lambda tmp: browser.screenshot(deck, tmp, slide), destination)


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
