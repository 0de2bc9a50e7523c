"""The class deck: built from the committed results, self-contained, and checked in a real (headless) browser."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import config, published
from helpers.infra import browser
from helpers.reporting import documents, results

ROOT = config.project_root()


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deck built from the committed results and figures (the tests never write into the project)."""
    return documents.write_deck(tmp_path_factory.mktemp("deck") / "slides.html", ROOT)


def inputs() -> dict:
    return results.full_run_results(documents.DECK_NEEDS, ROOT)


def slide_count() -> int:
    return len(sections(documents.render_deck(ROOT)))


def sections(page: str) -> list[str]:
    """The HTML of every slide, in order."""
    return re.findall(r'<section class="slide.*?</section>', page, re.S)


def table_rows(section: str) -> list[list[str]]:
    """The cells of every row of a slide's table body, and whether the row is set in bold (last item)."""
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S).group(1)
    return [[*re.findall(r"<td>(.*?)</td>", row), 'class="ours"' in attributes]
            for attributes, row in re.findall(r"<tr([^>]*)>(.*?)</tr>", body)]


def committed(name: str) -> dict:
    return json.loads((ROOT / "results" / f"{name}.json").read_text(encoding="utf-8"))


def test_the_deck_embeds_everything_and_links_nothing(deck: Path):
    text = deck.read_text(encoding="utf-8")
    sources = re.findall(r'\b(?:src|href)="([^"]*)"', text)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"https?://|url\(|@import", text.split("<body>", 1)[1].split("<script>", 1)[0])
    slides = sections(text)
    assert "<link" not in text and len(slides) > 10  # each slide numbered "n / count", in order
    assert [re.search(r'<div class="footer">(\d+) / (\d+)</div>', s).groups() for s in slides] == [
        (str(n), str(len(slides))) for n in range(1, len(slides) + 1)]


def test_the_deck_shows_the_results_files_numbers(deck: Path):
    text = deck.read_text(encoding="utf-8")
    final, honest = committed("04_final_model"), committed("07_repeated_splits")
    for value in (final["test_at_0.5"]["auc"], final["test_at_0.5"]["accuracy"], published.FINAL_MODEL["auc"],
                  final["calibration"]["test"]["brier"],
                  honest["selection"]["paired_vs_pixel_logreg"][results.NESTED]["auc"]["p_value"]):
        assert f"{value:.3f}" in text
    headline = honest["selection"]["summary"][results.NESTED]["auc"]
    for leak_free in (headline, honest["summary"]["final_cnn_leak_free"]["auc"]):
        assert f"{leak_free['mean']:.3f} ± {leak_free['std']:.3f}" in text
    assert f"{final['parameters']['total']:,}" in text


def copy_of_results(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "results", tmp_path / "results")
    shutil.copytree(ROOT / "figures", tmp_path / "figures")
    return tmp_path


def test_results_of_a_quick_run_are_refused(tmp_path: Path):
    root = copy_of_results(tmp_path)
    path = root / "results" / "04_final_model.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "quick": True}))
    with pytest.raises(results.ResultsNotReadyError, match="quick run"):
        documents.render_deck(root)


def test_a_missing_figure_is_named(tmp_path: Path):
    root = copy_of_results(tmp_path)
    (root / "figures" / "05_grad_cam.png").unlink()
    with pytest.raises(results.ResultsNotReadyError, match="05_grad_cam.png is missing.*make pipeline"):
        documents.render_deck(root)


def test_the_command_line_reports_a_missing_results_file(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as raised:
        documents.main(["--deck-only", "--root", str(tmp_path), "--output", str(tmp_path / "deck.html")])
    assert raised.value.code == 1 and "make pipeline" in capsys.readouterr().err
    assert not (tmp_path / "deck.html").exists()


def chromium_or_skip() -> None:
    if browser.find_chromium():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but no Chromium is installed: .ci/run installs Debian's chromium package")
    pytest.skip("no Chromium on this machine (apt-get install chromium): the deck's browser test did not run")


def self_check(page: Path) -> dict:
    """The report the deck's script writes into the page when its URL carries ?selfcheck."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([browser.find_chromium(), *browser.FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                               page.resolve().as_uri() + "?selfcheck=1"], capture_output=True, text=True, timeout=60,
                              check=True)
    match = re.search(r'<pre id="selfcheck"[^>]*>(.*?)</pre>', done.stdout, re.S)
    assert match, f"the deck's script wrote no self-check report: {done.stderr[-1000:]}"
    return json.loads(html.unescape(match.group(1)))


@pytest.mark.slow
def test_every_resource_loads_and_every_image_decodes_in_chromium(deck: Path):
    chromium_or_skip()
    checked = self_check(deck)
    assert checked["loadErrors"] == [] and checked["externalReferences"] == []
    assert checked["brokenImages"] == []
    assert checked["images"] == deck.read_text(encoding="utf-8").count("<img ") > 0
    assert checked["slides"] == slide_count()


@pytest.mark.slow
def test_a_broken_image_is_caught_by_the_browser_check(tmp_path: Path):
    chromium_or_skip()
    page = tmp_path / "broken.html"
    deck_text = documents.render_deck(ROOT)
    page.write_text(deck_text.replace('src="data:image/png;base64,', 'src="data:image/png;base64,AAAA', 1))
    assert len(self_check(page)["brokenImages"]) == 1


@pytest.mark.slow
def test_the_first_slide_is_not_blank(deck: Path, tmp_path: Path):
    chromium_or_skip()
    shot = browser.render(deck, tmp_path / "first.png", slide=1)
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (720, 1280)
    dark = (pixels < 128).mean()  # the title's ink on the white slide
    assert 0.002 < dark < 0.5 and pixels.std() > 10


def pdf_pages(path: Path) -> list[str]:
    """The text of every page of a PDF, whitespace normalised."""
    from pypdf import PdfReader

    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def printed(deck: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deck built from the committed results, printed by headless Chromium as `make slides` prints it."""
    chromium_or_skip()
    return documents.print_deck(deck, tmp_path_factory.mktemp("pdf") / "slides.pdf")


@pytest.mark.slow
def test_the_pdf_has_one_page_per_slide_and_no_blank_page(printed: Path):
    pages = pdf_pages(printed)
    assert len(pages) == slide_count()
    for number, text in enumerate(pages, start=1):
        assert f"{number} / {len(pages)}" in text, f"page {number} is blank or not slide {number}"
        assert len(text) > 40, f"page {number} holds almost no text"


def test_the_committed_pdf_matches_the_committed_results(printed: Path):
    committed_pdf = ROOT / "docs" / "slides.pdf"
    assert committed_pdf.is_file(), "docs/slides.pdf is missing: run make slides"
    assert pdf_pages(committed_pdf) == pdf_pages(printed), "docs/slides.pdf is stale: run make slides"


def test_the_deck_needs_neither_tensorflow_nor_the_scientific_stack():
    import subprocess
    import sys

    code = ("import sys; from helpers.reporting import documents; documents.render_deck(sys.argv[1]); "
            "heavy = {'tensorflow', 'keras', 'numpy', 'pandas', 'matplotlib', 'sklearn'}; "
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_a_tied_cnn_row_is_not_set_in_bold():
    loaded = inputs()
    honest = loaded["07_repeated_splits"]
    for p_value, bold in ((0.4, False), (0.01, True)):
        honest["selection"]["paired_vs_pixel_logreg"][results.NESTED]["auc"].update(mean=0.01, p_value=p_value)
        rows = table_rows(sections(documents.render_deck(ROOT, loaded))[12])
        assert rows[0][0] == "final CNN, leak-free, settings chosen per split"
        assert [row[-1] for row in rows] == [bold] + [False] * (len(rows) - 1)


def test_the_architecture_slides_set_our_layers_beside_the_reports():
    slides = sections(documents.render_deck(ROOT))
    for number, theirs in ((5, published.BASELINE_LAYERS), (7, published.FINAL_LAYERS)):
        rows = table_rows(slides[number - 1])
        assert len(rows) == len(theirs) + 1  # every layer, then the total
        assert [row[4] for row in rows[:-1]] == [f"{p:,}" for _, _, p in theirs]
        assert [row[3] for row in rows[:-1]] == [f"{p:,}" for _, _, p in theirs], "ours equal the report's"
        assert "Every layer's parameter count equals the report's" in html.unescape(slides[number - 1])
    loaded = inputs()
    loaded["04_final_model"]["layers"][0]["params"] += 1
    assert "The parameter counts differ from the report" in sections(documents.render_deck(ROOT, loaded))[6]
