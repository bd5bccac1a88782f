"""The grading report an instructor opens in a browser: ``report.html`` beside ``grades.csv``.

Statuses, the score histogram, per-question figures, the class analyses' sections (misconceptions,
similar answers, the gradebook), the most common failure messages, the slowest submissions and
every submission with a link to its feedback page. Every figure follows one rule, stated once at
the page's top (``messages.REPORT_RULE``, analysis.py): only counted submissions (not invalid,
duplicate or error), and per question only those that attempted it (an answer cell left as
released is counted apart, as not attempted). The page is ``templates/report.html.j2``; plots are
matplotlib PNGs.
"""

import json
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from coursegrader.classroom import pages
from coursegrader.classroom.analysis import ClassWork, counted
from coursegrader.core import messages
from coursegrader.core.notebooks import write_bytes_atomic
from coursegrader.core.assignment import Question, possible_points
from coursegrader.core.results import Graded
from coursegrader.core.statuses import Status

REPORT_NAME = "report.html"
TOP_MESSAGES, TOP_SLOWEST = 10, 10


def write_report(graded: list[Graded], questions: list[Question], out: Path, sections: list[str] = (),
                 work: ClassWork | None = None, pages_written: frozenset[str] = frozenset()) -> Path:
    """report.html and a feedback page per submission (but those in ``pages_written``, written
    by ``write_feedback_page`` as their results came in); ``sections`` (analysis.sections, the
    gradebook's) come after the per-question table. ``work`` (the batch's ClassWork) tells which
    answer cells were left as released; without it every counted submission attempted every question."""
    work = work or ClassWork(questions, graded)
    possible = possible_points(questions)
    included = counted(graded)
    _histogram([g.total for g in included], possible, out / "score-histogram.png", work.plot_settings)
    for g in graded:
        if g.submission not in pages_written:
            write_feedback_page(g, out / "results" / g.submission)
    statuses = Counter(g.status for g in graded)
    page = pages.render(
        "report.html.j2", total=len(graded), counted=len(included), possible=f"{possible:g}",
        rule=messages.REPORT_RULE.format(counted=", ".join(s.value for s in Status if s.judged)),
        statuses=[(s.value, statuses[s.value], s.judged) for s in Status if statuses[s.value]],
        questions=_question_rows(work), sections=[pages.trusted(s) for s in sections],
        failures=_common_failures(work), slowest=sorted(graded, key=lambda g: g.seconds, reverse=True)[:TOP_SLOWEST],
        submissions=graded, link=_link)
    path = out / REPORT_NAME
    write_bytes_atomic(page.encode("utf-8", "replace"), path)
    return path


def _histogram(totals: list[float], possible: float, path: Path, plot_settings: Path | None) -> None:
    """The counted submissions' totals, drawn with the release's matplotlibrc (its CJK font) when given."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(fname=str(plot_settings) if plot_settings else None):
        figure = Figure(figsize=(6, 3.2))
        axes = figure.add_subplot()
        bins = max(1, min(24, int(possible) or 1))
        axes.hist(totals, bins=bins, range=(0, possible or 1), color="#4878a8", edgecolor="white")
        shown = (lambda text: text) if plot_settings else (lambda text: text.rpartition(" / ")[2])  # no CJK font: English
        axes.set_xlabel(shown(messages.HISTOGRAM_AXIS))
        axes.set_ylabel(shown(messages.MISCONCEPTIONS_AXIS))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=96, metadata={"Software": None})


def _question_rows(work: ClassWork) -> list[dict]:
    """Per autograded question: points, attempted, not attempted, and over the attempted the
    average score and the share with full marks (None when no one attempted it)."""
    rows, included = [], counted(work.graded)
    for q in work.questions:
        if q.manual:
            continue
        attempted = work.attempted(q.name)
        scores = [g.scores.get(q.name, 0.0) for g in attempted]
        rows.append({"name": q.name, "points": f"{q.points:g}", "attempted": len(attempted),
                     "not_attempted": len(included) - len(attempted),
                     "average": f"{sum(scores) / len(scores):.2f}" if scores else "–",
                     "full": sum(s >= q.points for s in scores) / len(scores) if scores else None})
    return rows


def _common_failures(work: ClassWork) -> list[tuple[int, str, str]]:
    """(submissions, message, questions) of the most common hidden-check messages: a submission
    counts once per message, and only on questions it attempted; a check that never ran (the
    submission stopped first) counts under one message of its own."""
    question_of = {check: q.name for q in work.questions for check in q.checks}
    seen: dict[str, set[str]] = {}
    where: dict[str, set[str]] = {}
    for question in dict.fromkeys(question_of.values()):
        checks = [check for check, name in question_of.items() if name == question]
        for g in work.attempted(question):
            for check in checks:
                verdict = g.verdict(check)
                if verdict.passed:
                    continue
                message = messages.NOT_RUN_FAILURES if verdict.misconception == messages.NOT_CHECKED_ID else verdict.message
                seen.setdefault(message, set()).add(g.submission)
                where.setdefault(message, set()).add(question)
    order = {q.name: index for index, q in enumerate(work.questions)}
    ranked = sorted(seen, key=lambda m: (-len(seen[m]), m))[:TOP_MESSAGES]
    return [(len(seen[m]), m, ", ".join(sorted(where[m], key=order.get))) for m in ranked]


def _link(g: Graded) -> str:
    return f"results/{quote(g.submission)}/feedback.html"


def write_feedback_page(g: Graded, folder: Path) -> None:
    """What the student would read, from the submission's results.json (in ``folder``)."""
    try:
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = {"score": g.total, "output": g.status_line(), "tests": []}
    folder.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(pages.feedback_html(g.submission, results).encode("utf-8", "replace"), folder / "feedback.html")
