"""The class deck: one offline HTML file (and its PDF) from ``templates/slides.html.j2``, figures as data URIs.

    python -m helpers.reporting.deck [--pdf docs/slides.pdf] [--screenshot docs/slide_previews/slide_13.png --slide 13]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpers import config
from helpers.infra import storage
from helpers.reporting import documents, results

RESULTS = ("02_baseline_model", "02_baseline_seeds", "04_final_model", "04_stability", "05_error_analysis",
           "05_analysis_seeds", "06_the_leak", "07_repeated_splits")


def figure(name: str, caption: str, root: results.Root) -> dict[str, str]:
    """``figures/<name>.png`` embedded as a data URI (the deck must not depend on any file beside it)."""
    path = config.figures_dir(root) / f"{name}.png"
    if not path.is_file():
        raise results.ResultsNotReadyError(f"{path} is missing: run `make pipeline` to produce every figure before "
                                           "building the deck.")
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


def render(root: results.Root = None, r: Mapping[str, Any] | None = None) -> str:
    """The deck as one HTML string, from a full run's results files (or from ``r``, those files loaded)."""
    r = r or results.full_run_results(RESULTS, root)
    honest = r["07_repeated_splits"]
    return documents.TEMPLATES.get_template("slides.html.j2").render(
        r=r, figure=lambda name, caption: figure(name, caption, root), **documents.headline(honest),
        **documents.over_seeds(r), provenance=provenance(r),
        brier=results.spread_over_splits(honest["records"], "final_cnn_leak_free", "brier"))


def write(destination: str | os.PathLike, root: results.Root = None) -> Path:
    """Render the deck and write it atomically (left alone when it already holds that page)."""
    documents.write_text(destination, render(root))
    return Path(destination)


def print_deck(deck: str | os.PathLike, destination: str | os.PathLike, slide: int | None = None) -> Path:
    """The deck printed by headless Chromium to a PDF, one slide per page (with ``slide``: a PNG of that slide)."""
    from helpers.infra import browser

    return storage.atomic_write(destination, lambda tmp: browser.render(deck, tmp, slide))  # tmp keeps the suffix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the class deck (one offline HTML file) from the results.")
    parser.add_argument("--output", default=str(config.project_root() / "build" / "slides.html"),
                        help="the HTML file to write")
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
        print(f"PDF written: {print_deck(path, args.pdf)}")
    if args.screenshot:
        print_deck(path, args.screenshot, slide=args.slide)
        print(f"screenshot of slide {args.slide}: {args.screenshot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
