"""The report an instructor opens after grading a real batch: real PNG plot, per-question figures
under the one counting rule, the most common failure messages, links to every feedback page.
The pages' rules on small made-up classes: test_pages.py; in a browser: test_pages_browser.py."""

import html
import re
from urllib.parse import unquote

import matplotlib.image
import pytest


pytestmark = pytest.mark.slow  # real batches, servers or browsers: not in the fast layer


def section(page: str, name: str) -> str:
    return re.search(rf'<section id="{name}">(.*?)</section>', page, re.S).group(1)


def rows(part: str) -> list[list[str]]:
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", part, re.S) if "<td" in row]


def test_report_shows_the_distribution_questions_failures_and_links(graded_examples, points):
    out = graded_examples.out
    page = (out / "report.html").read_text(encoding="utf-8")
    image = matplotlib.image.imread(out / "score-histogram.png")
    assert image.shape[0] > 100 and image.shape[1] > 100 and image.std() > 0  # a drawn plot, not a blank
    shown = {r[0]: r[1:] for r in rows(section(page, "questions"))}
    assert set(shown) == set(points)
    for name, possible in points.items():
        attempted, not_attempted = int(shown[name][1]), int(shown[name][2])
        assert attempted + not_attempted == len(graded_examples)  # every example is counted: none is invalid
        # a cell left as released earns nothing, so the attempted hold every point scored
        scores = [float(row[name]) for row in graded_examples.values()]
        assert shown[name][3] == f"{sum(scores) / attempted:.2f}", name
        assert shown[name][4] == f"{sum(s >= possible for s in scores) / attempted:.0%}", name
    assert int(shown["w1"][2]) >= 1 and int(shown["e5"][2]) > int(shown["w1"][2])  # the blanks; the partial export
    links = re.findall(r'href="(results/[^"]+/feedback.html)"', page)
    assert {unquote(link.split("/")[1]) for link in links} == set(graded_examples)
    for link in set(links):
        feedback = (out / unquote(link)).read_text(encoding="utf-8")
        assert "<span>w1</span>" in feedback or 'id="not-run"' in feedback
    failures = rows(section(page, "failures"))
    assert failures
    counts = [int(count) for count, _, _ in failures]
    assert counts == sorted(counts, reverse=True)
    for count, where, message in failures:  # never more than attempted the questions it names
        assert message and int(count) <= max(int(shown[q.strip()][1]) for q in where.split(",")), message
