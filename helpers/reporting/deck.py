"""The class deck as one self-contained HTML file, and its PDF, built from ``helpers.reporting.slides``.

    python -m helpers.reporting.deck                  # -> build/slides.html (make slides)
    python -m helpers.reporting.deck --screenshot docs/slide_previews/slide_13.png --slide 13
    python -m helpers.reporting.deck --pdf docs/slides.pdf     # also print it, one slide per page (make slides does)

The page has no other resource, so it opens from a file with no network. Jinja2 renders it (already installed
with Jupyter); a few lines of inline script give keyboard and click navigation, scale the 16:9 stage to the
screen, and, when the URL carries ``?selfcheck``, write a report of what loaded for the browser test.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import jinja2

from helpers import config
from helpers.infra import storage
from helpers.reporting import results
from helpers.reporting.slides import build_slides

TEMPLATE = "slides.html.j2"
DEFAULT_OUTPUT = Path("build") / "slides.html"


def render(root: str | os.PathLike | None = None) -> str:
    """The deck as one HTML string."""
    environment = jinja2.Environment(loader=jinja2.PackageLoader("helpers.reporting", "templates"),
                                     autoescape=jinja2.select_autoescape(["html", "j2"]),
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    defaults = {"kicker": "", "subtitle": "", "bullets": [], "table": None, "figures": [], "note": "", "layout": ""}
    slides = [{**defaults, **slide} for slide in build_slides(root)]
    return environment.get_template(TEMPLATE).render(title=slides[0]["title"], slides=slides)


def write(destination: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """Render the deck and write it atomically."""
    text = render(root)
    return storage.atomic_write(destination, lambda tmp: tmp.write_text(text, encoding="utf-8"))


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


def save_pdf(deck: str | os.PathLike, destination: str | os.PathLike) -> Path:
    """The deck printed to a PDF by headless Chromium (one slide per page), moved into place atomically."""
    from helpers.infra import browser

    with tempfile.TemporaryDirectory(prefix="cufs-pdf-") as folder:
        printed = browser.print_pdf(deck, Path(folder) / "slides.pdf")
        return storage.atomic_write(Path(destination), lambda tmp: tmp.write_bytes(printed.read_bytes()))


def save_screenshot(deck: str | os.PathLike, destination: str | os.PathLike, slide: int = 1) -> Path:
    """A PNG of one slide, taken by headless Chromium and moved into place atomically."""
    from helpers.infra import browser

    destination = Path(destination)
    with tempfile.TemporaryDirectory(prefix="cufs-shot-") as folder:
        shot = browser.screenshot(deck, Path(folder) / "slide.png", slide)
        return storage.atomic_write(destination, lambda tmp: tmp.write_bytes(shot.read_bytes()))


if __name__ == "__main__":
    raise SystemExit(main())
