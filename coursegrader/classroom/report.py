"""The grading report an instructor opens in a browser: ``report.html`` beside ``grades.csv``.

Score histogram, per-question average and pass rate, the most common failure messages, the
slowest submissions, and a feedback page per submission. Plots are matplotlib PNGs.
"""

import html
import json
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from coursegrader.core.assignment import Question, possible_points
from coursegrader.core.results import Graded, feedback_html
from coursegrader.core.notebooks import write_bytes_atomic

REPORT_NAME = "report.html"


def write_report(graded: list[Graded], questions: list[Question], out: Path, sections: list[str] = ()) -> Path:
    """report.html; ``sections`` (analysis.sections) come after the per-question table."""
    auto = [q for q in questions if not q.manual]
    possible = possible_points(questions)
    _histogram([g.total for g in graded], possible, out / "score-histogram.png")
    for g in graded:
        _feedback_page(g, out / "results" / g.submission)
    page = "\n".join([
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>Grading report</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}.num{text-align:right}</style></head><body>",
        f"<h1>Grading report</h1><p>{len(graded)} submission(s); autograded points possible: {possible:g}. "
        "Grades: <a href='grades.csv'>grades.csv</a>.</p>",
        _status_counts(graded),
        "<h2>Score distribution</h2><img src='score-histogram.png' alt='histogram of total scores'>",
        _question_table(graded, auto),
        *sections,
        _common_failures(graded),
        _slowest(graded),
        _all_submissions(graded, possible),
        "</body></html>"])
    path = out / REPORT_NAME
    write_bytes_atomic(page.encode("utf-8", "replace"), path)
    return path


def _histogram(totals: list[float], possible: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6, 3.2))
    axes = figure.add_subplot()
    bins = max(1, min(24, int(possible) or 1))
    axes.hist(totals, bins=bins, range=(0, possible or 1), color="#4878a8", edgecolor="white")
    axes.set_xlabel("total autograded score")
    axes.set_ylabel("submissions")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=96, metadata={"Software": None})


def _status_counts(graded: list[Graded]) -> str:
    counts = Counter(g.status for g in graded)
    items = "".join(f"<li>{html.escape(status)}: {count}</li>" for status, count in counts.most_common())
    return f"<h2>Status</h2><ul>{items}</ul>"


def _question_table(graded: list[Graded], auto: list[Question]) -> str:
    rows = []
    for q in auto:
        scores = [g.scores.get(q.name, 0.0) for g in graded]
        average = sum(scores) / len(scores) if scores else 0.0
        passed = sum(1 for s in scores if s >= q.points) / len(scores) if scores else 0.0
        rows.append(f"<tr><td>{html.escape(q.name)}</td><td class='num'>{q.points:g}</td>"
                    f"<td class='num'>{average:.2f}</td><td class='num'>{passed:.0%}</td></tr>")
    return ("<h2>Questions</h2><table><tr><th>question</th><th>points</th><th>average</th><th>full marks</th></tr>"
            + "".join(rows) + "</table>")


def _common_failures(graded: list[Graded], top: int = 10) -> str:
    counts = Counter(verdict.message for g in graded for _, verdict in g.failures())
    counts.update(g.message for g in graded if g.status not in ("ok",) and g.message)
    rows = "".join(f"<tr><td class='num'>{n}</td><td>{html.escape(m)}</td></tr>" for m, n in counts.most_common(top))
    return f"<h2>Most common failure messages</h2><table><tr><th>count</th><th>message</th></tr>{rows}</table>"


def _slowest(graded: list[Graded], top: int = 10) -> str:
    rows = "".join(f"<tr><td>{_link(g)}</td><td class='num'>{g.seconds:.1f}</td><td>{html.escape(g.status)}</td></tr>"
                   for g in sorted(graded, key=lambda g: g.seconds, reverse=True)[:top])
    return f"<h2>Slowest submissions</h2><table><tr><th>submission</th><th>seconds</th><th>status</th></tr>{rows}</table>"


def _all_submissions(graded: list[Graded], possible: float) -> str:
    rows = "".join(f"<tr><td>{_link(g)}</td><td class='num'>{g.total:g}/{possible:g}</td><td>{html.escape(g.status)}</td>"
                   f"<td>{html.escape(g.message[:200])}</td></tr>" for g in graded)
    return ("<h2>Submissions</h2><table><tr><th>submission</th><th>score</th><th>status</th><th>note</th></tr>"
            f"{rows}</table>")


def _link(g: Graded) -> str:
    return f"<a href='results/{quote(g.submission)}/feedback.html'>{html.escape(g.submission)}</a>"


def _feedback_page(g: Graded, folder: Path) -> None:
    """What the student would read, from the submission's results.json."""
    try:
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = {"score": g.total, "output": g.message, "tests": []}
    folder.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(feedback_html(g.submission, results).encode("utf-8", "replace"), folder / "feedback.html")
