"""Headless Chromium for the deck's checks: load a page, report what failed to load, take a screenshot.

Only the browser's own command line is used (``--dump-dom``, ``--screenshot``), so no driver library or
browser download is needed: Debian's ``chromium`` package is enough. The page reports on itself: the deck's
script, when the URL carries ``?selfcheck``, writes a JSON report into the page once everything has loaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Root in a container needs --no-sandbox; the rest keeps a headless run quiet, offline and deterministic.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-extensions", "--disable-sync", "--no-first-run", "--hide-scrollbars", "--mute-audio")
SELFCHECK_PATTERN = re.compile(r'<pre id="selfcheck"[^>]*>(.*?)</pre>', re.S)


class BrowserError(RuntimeError):
    """Chromium is missing, failed, or the page did not report on itself."""


def find_chromium() -> str | None:
    """The Chromium executable: ``$CHROMIUM`` if set, else the first of ``CANDIDATES`` on the PATH."""
    chosen = os.environ.get("CHROMIUM")
    if chosen:
        return chosen if shutil.which(chosen) else None
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


def _run(arguments: list[str], timeout: float) -> subprocess.CompletedProcess:
    browser = find_chromium()
    if browser is None:
        raise BrowserError("No Chromium found (tried $CHROMIUM, " + ", ".join(CANDIDATES) + "). On Debian or "
                           "Ubuntu: sudo apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="cufs-chromium-") as profile:
        command = [browser, *FLAGS, f"--user-data-dir={profile}", *arguments]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as err:
            raise BrowserError(f"Chromium did not finish within {timeout:.0f} s: {' '.join(command)}") from err
    if done.returncode != 0:
        raise BrowserError(f"Chromium exited with {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done


def _existing(page: str | os.PathLike) -> Path:
    path = Path(page).resolve()
    if not path.is_file():
        raise BrowserError(f"{path} does not exist: build the deck first (make slides)")
    return path


def self_check(page: str | os.PathLike, timeout: float = 60.0) -> dict:
    """Open ``page`` (a local HTML file) headless and return the report its script wrote: resources that
    failed to load, images and their natural sizes, slides."""
    url = _existing(page).as_uri() + "?selfcheck=1"
    done = _run(["--virtual-time-budget=10000", "--dump-dom", url], timeout)
    match = SELFCHECK_PATTERN.search(done.stdout)
    if not match:
        raise BrowserError(f"{page} wrote no self-check report: its script did not run to the end "
                           f"(stderr: {done.stderr.strip()[-1000:]})")
    text = match.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return json.loads(text)


def screenshot(page: str | os.PathLike, destination: str | os.PathLike, slide: int = 1,
               size: tuple[int, int] = (1280, 720), timeout: float = 60.0) -> Path:
    """Save a PNG of slide ``slide`` (1-based) of the deck at ``page``, at ``size`` pixels."""
    destination = Path(destination).resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    url = f"{_existing(page).as_uri()}#{slide}"
    _run([f"--window-size={size[0]},{size[1]}", "--virtual-time-budget=5000", f"--screenshot={destination}", url],
         timeout)
    if not destination.is_file():
        raise BrowserError(f"Chromium wrote no screenshot to {destination}")
    return destination


def print_pdf(page: str | os.PathLike, destination: str | os.PathLike, timeout: float = 120.0) -> Path:
    """Print ``page`` to a PDF with headless Chromium: the deck's print style gives one slide per page."""
    destination = Path(destination).resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    _run(["--no-pdf-header-footer", "--virtual-time-budget=5000", f"--print-to-pdf={destination}",
          _existing(page).as_uri()], timeout)
    if not destination.is_file():
        raise BrowserError(f"Chromium wrote no PDF to {destination}")
    return destination
