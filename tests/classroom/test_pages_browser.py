"""feedback.html and report.html in a real browser (Debian's Chromium, driven by Playwright) at a
desktop width (1280 px) and a phone's (390 px), from a real grading run of the samples with two
hostile submissions (script, event handlers and javascript: links in their code, their written
answer and their file name), an unreadable file, and a forged results.json rendered as
--from-gradescope would: no page scrolls sideways, no Markdown fence or list marker shows as
text, ✓ and ✗ are drawn (their pixels are ink in the mark's colours, unlike the box a missing
glyph draws), and nothing any of them wrote runs. Screenshots are kept in the test's folder
(``shots/``), or in $COURSEGRADER_SCREENSHOTS when it is set."""

import io
import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import nbformat
import numpy as np
import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import sync_playwright

from helpers import ASSIGNMENT, answers_of, package_grade, with_answers
from coursegrader.classroom import pages
from coursegrader.core.notebooks import read, tags_of

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # a real batch and chromium

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = (1280, 390)
PAYLOAD = ("<script>window.pwned = 1; alert(1)</script><img src=x onerror=\"window.pwned = 2\">"
           "[click](javascript:window.pwned=3) <a href=\"javascript:window.pwned=4\">raw</a>"
           "<svg onload=\"window.pwned=5\"></svg><iframe srcdoc=\"<script>parent.pwned=6</script>\"></iframe>")
HOSTILE_NAME = "x' onmouseover='window.pwned=7' & a"  # a file name: <, > and quotes are replaced, the rest stays
# Before any page script could run: what a payload would change, and a record of dialogs
WATCH = "window.pwned = undefined; window.__dialogs = 0; window.alert = () => { window.__dialogs += 1; };"


@pytest.fixture(scope="module")
def graded_pages(course, tmp_path_factory):
    """The bundled samples, the blank release, two copies of a hostile notebook (so that the
    similarity section shows their code), an unreadable file, graded by `grade`; and a forged
    results.json made a feedback page."""
    folder = tmp_path_factory.mktemp("pages-class")
    for sample in course.samples(ASSIGNMENT).glob("*.ipynb"):
        shutil.copy(sample, folder / sample.name)
    shutil.copy(course.release(ASSIGNMENT), folder / "blank-release.ipynb")
    solution = read(course.solution(ASSIGNMENT))
    code = answers_of(solution, ["e4a"])["e4a"]
    hostile = with_answers(solution, {"e4a": f"{code}\n# {PAYLOAD}\nnote = {PAYLOAD!r}\n"})
    for cell in hostile.cells:
        if cell.cell_type == "markdown" and "e1c" in tags_of(cell):
            cell.source = f"# {PAYLOAD}\n\n- {PAYLOAD}\n\n```\n{PAYLOAD}\n```"
    for name in (HOSTILE_NAME, "hostile-copy"):
        nbformat.write(hostile, str(folder / f"{name}.ipynb"))
    (folder / "unreadable.ipynb").write_text('{"cells": [', encoding="utf-8")  # truncated JSON: invalid
    roster = folder.parent / "pages-roster.csv"  # names a student typed into an LMS profile
    roster.write_text("student id,name,email\nfull_marks,\"<script>window.pwned=8</script>\",fm@example.edu\n"
                      "partial_credit,\"<img src=x onerror=window.pwned=9> 张三\",pc@example.edu\n"
                      "20269999,=HYPERLINK(\"javascript:window.pwned=10\"),absent@example.edu\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("pages-grades")
    grades = package_grade([folder], out, "--roster", str(roster))
    forged = {"score": "<b>24</b>", "output": PAYLOAD, "extra_data": {"status": "ok"},
              "tests": [{"name": PAYLOAD, "score": 1, "max_score": 1, "visibility": "visible", "output": PAYLOAD},
                        {"name": "e3c", "score": 0, "max_score": 2, "visibility": "visible", "output": "",
                         "extra_data": {"failed": [{"check": "c", "message": f"- {PAYLOAD}\n\n```\nfenced\n```",
                                                    "misconception": "x"}], "passed": []}}]}
    (out / "forged").mkdir()
    (out / "forged" / "feedback.html").write_text(pages.feedback_html(PAYLOAD, forged), encoding="utf-8")
    return grades, out


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def shots_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("COURSEGRADER_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser, path: Path, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.add_init_script(WATCH)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # an onerror or onload handler would have run by now
    return context, page, dialogs


def check_layout_and_script(page, dialogs, label: str) -> None:
    width = page.evaluate("innerWidth")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, f"{label}: scrolls sideways"
    assert page.evaluate("window.pwned") is None and page.evaluate("window.__dialogs") == 0 and not dialogs, label
    assert page.evaluate("document.querySelectorAll('script, iframe, object, embed, svg').length") == 0, label
    handlers = page.evaluate("""[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
        .filter(a => a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value)).map(a => e.tagName + ' ' + a.name))""")
    assert handlers == [], f"{label}: {handlers}"
    # what a reader sees outside code blocks: no Markdown syntax as text
    text = page.evaluate("""(() => { const copy = document.body.cloneNode(true);
        copy.querySelectorAll('pre').forEach(e => e.remove()); return copy.innerText; })()""")
    assert "```" not in text, f"{label}: a fence shows as text"
    assert not any(line.lstrip().startswith("- ") for line in text.splitlines()), f"{label}: a list marker shows as text"


def ink(image: Image.Image) -> float:
    """The share of pixels that are not the white page."""
    return float((np.asarray(image.convert("L")) < 235).mean())


def mark_image(page, selector: str) -> Image.Image:
    locator = page.locator(selector).first
    locator.scroll_into_view_if_needed()
    return Image.open(io.BytesIO(locator.screenshot())).convert("RGB")


def check_marks(page, label: str, folder: Path) -> None:
    """✓ and ✗ are drawn: a green and a red disc with a white stroke, far from what the same
    place shows for a glyph no font has (a tofu box or nothing) and for the emoji ✅/❌ this
    machine has no font for."""
    page.evaluate("""(() => { for (const [id, text] of [['tofu', '\\u{10FFFD}'], ['emoji', '\\u2705']]) {
        const span = document.createElement('span'); span.id = id; span.textContent = text;
        span.style.cssText = 'display:inline-block;font-size:16px;width:1.15em;height:1.15em;line-height:1.15em;background:#fff';
        document.body.prepend(span); } })()""")
    tofu, emoji = mark_image(page, "#tofu"), mark_image(page, "#emoji")
    drawn = {kind: mark_image(page, f".mark.{kind}") for kind in ("pass", "fail")}
    for kind, image in drawn.items():
        image.save(folder / f"{label}-mark-{kind}.png")
        assert ink(image) > 0.45, f"{label}: the {kind} mark has no ink"
        red, green, blue = ImageStat.Stat(image).mean
        assert (green > red + 30) if kind == "pass" else (red > green + 60), f"{label}: {kind} mark colour {red, green, blue}"
        inside = np.asarray(image)[image.height // 4: -image.height // 4, image.width // 4: -image.width // 4]
        assert (inside.min(axis=2) > 200).mean() > 0.1, f"{label}: no white stroke inside the {kind} mark"
        for other, name in ((tofu, "tofu"), (emoji, "emoji")):
            difference = ImageStat.Stat(ImageChops.difference(image, other.resize(image.size))).mean
            assert sum(difference) / 3 > 40, f"{label}: the {kind} mark looks like a {name} ({difference})"
    difference = ImageStat.Stat(ImageChops.difference(drawn["pass"], drawn["fail"].resize(drawn["pass"].size))).mean
    assert sum(difference) / 3 > 30, f"{label}: ✓ and ✗ look alike"
    tofu.save(folder / f"{label}-tofu.png")
    emoji.save(folder / f"{label}-emoji.png")


def test_feedback_and_report_pages_in_a_browser(graded_pages, browser, tmp_path):
    grades, out = graded_pages
    assert grades["unreadable"]["status"] == "invalid" and grades["full_marks"]["status"] == "ok"
    hostile_id = next(name for name in grades if name.startswith("x"))
    folder = shots_folder(tmp_path)
    pages_to_open = {"report": out / "report.html", "feedback-partial": out / "results" / "partial_credit" / "feedback.html",
                     "feedback-unreadable": out / "results" / "unreadable" / "feedback.html",
                     "feedback-hostile": out / "results" / hostile_id / "feedback.html",
                     "feedback-forged": out / "forged" / "feedback.html"}
    report_text = pages_to_open["report"].read_text(encoding="utf-8")
    assert "<mark>" in report_text and "hostile-copy" in report_text  # the two hostile copies are shown side by side
    assert quote(hostile_id) in report_text and 'id="gradebook"' in report_text
    for label, path in pages_to_open.items():
        for width in WIDTHS:
            context, page, dialogs = open_page(browser, path, width)
            try:
                name = f"{label}-{width}"
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
                check_layout_and_script(page, dialogs, name)
                if label in ("feedback-partial", "feedback-forged"):
                    check_marks(page, name, folder)
                if label == "feedback-unreadable":
                    body = page.evaluate("document.body.innerText")
                    assert body.count("truncated") == 1 and body.count("截断") == 1  # the reason once, in Chinese and English
                    assert page.locator("#not-run").count() == 1 and page.locator("section.box").count() == 1
                if label == "feedback-forged":
                    assert "window.pwned = 1" in page.evaluate("document.body.innerText")  # shown as text
            finally:
                context.close()
    (folder / "index.json").write_text(json.dumps({"pages": {k: str(v) for k, v in pages_to_open.items()}}, indent=1))
