"""The report an instructor opens after grading: real PNG plot, per-question figures, links."""

import html
import json
import re
from collections import Counter
from urllib.parse import unquote

import matplotlib.image
import pytest

pytestmark = pytest.mark.slow  # real batches, servers or browsers: not in the fast layer



def test_report_shows_the_distribution_questions_failures_and_links(graded_examples, points):
    out = graded_examples.out
    page = (out / "report.html").read_text(encoding="utf-8")
    image = matplotlib.image.imread(out / "score-histogram.png")
    assert image.shape[0] > 100 and image.shape[1] > 100 and image.std() > 0  # a drawn plot, not a blank
    for name, possible in points.items():
        scores = [float(row[name]) for row in graded_examples.values()]
        average = sum(scores) / len(scores)
        full = sum(score >= possible for score in scores) / len(scores)
        assert re.search(rf"<td>{name}</td><td class='num'>{possible:g}</td><td class='num'>{average:.2f}</td>"
                         rf"<td class='num'>{full:.0%}</td>", page), name
    links = re.findall(r"href='(results/[^']+/feedback.html)'", page)
    assert {unquote(link.split("/")[1]) for link in links} == set(graded_examples)
    for link in links:
        feedback = (out / unquote(link)).read_text(encoding="utf-8")
        assert "<h3>w1" in feedback
    records = [json.loads(p.read_text(encoding="utf-8")) for p in out.glob("results/*/graded.json")]
    failures = Counter(message for r in records for passed, message, _ in r["feedback"].values() if not passed)
    (most_common, count), = failures.most_common(1)
    assert re.search(rf"<td class='num'>{count}</td><td>{re.escape(html.escape(most_common))}</td>", page)
