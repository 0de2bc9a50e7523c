"""Headless Chromium from its own command line (no driver library, no browser download): screenshots and PDFs."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Root in a container needs --no-sandbox; the rest keeps a headless run quiet, offline and deterministic.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-extensions", "--disable-sync", "--no-first-run", "--hide-scrollbars", "--mute-audio",
         "--virtual-time-budget=5000")


def find_chromium() -> str | None:
    """The Chromium executable: ``$CHROMIUM`` if set, else the first of ``CANDIDATES`` on the PATH."""
    chosen = os.environ.get("CHROMIUM")
    return shutil.which(chosen) if chosen else next(filter(None, map(shutil.which, CANDIDATES)), None)


def render(page: str | os.PathLike, destination: str | os.PathLike, slide: int | None = None) -> Path:
    """Print the deck at ``page`` to a PDF (one slide per page), or with ``slide`` (1-based) a 1280 x 720 PNG of it."""
    output, options, timeout, anchor = (("--print-to-pdf", ["--no-pdf-header-footer"], 120.0, "") if slide is None
                                        else ("--screenshot", ["--window-size=1280,720"], 60.0, f"#{slide}"))
    page, destination, browser = Path(page).resolve(), Path(destination).resolve(), find_chromium()
    if not page.is_file():
        raise RuntimeError(f"{page} does not exist: build the deck first (make slides)")
    if browser is None:
        raise RuntimeError("No Chromium found (tried $CHROMIUM, " + ", ".join(CANDIDATES) + "). On Debian or "
                           "Ubuntu: sudo apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="cufs-chromium-") as profile:
        command = [browser, *FLAGS, f"--user-data-dir={profile}", *options, f"{output}={destination}",
                   page.as_uri() + anchor]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as err:
            raise RuntimeError(f"Chromium did not finish within {timeout:.0f} s: {' '.join(command)}") from err
    if done.returncode != 0:
        raise RuntimeError(f"Chromium exited with {done.returncode}: {done.stderr.strip()[-2000:]}")
    if not destination.is_file():
        raise RuntimeError(f"Chromium wrote no {destination}")
    return destination
