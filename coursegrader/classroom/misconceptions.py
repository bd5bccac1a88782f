"""Misconceptions by question: which mistakes a class made, how often, with one example each.

Counts come from each hidden check's verdict id (the hidden test's own data, never parsed from
messages), so a batch graded here, on Dask, or read back from Gradescope's results.json (whose
per-test ``extra_data`` carries the ids) counts the same. A submission counts once per question
and id. Shares are of the graded submissions: those with status invalid, duplicate or error
were not graded (nothing was judged) and are left out of the count and the denominator. A
graded submission that stopped early (a crash, a time-out) counts its unreached checks under
the grader's own id, ``not-checked``. A submission whose answer cell is still the release's
template (nothing written) failed for no misconception: all its failures on that question count
once, under ``not-attempted``.

The example of each misconception is the answer cell of one submission that hit it (never the
hidden test), anonymised: comments and docstrings removed, every string literal blanked,
non-ASCII names and long numbers replaced, cut to a few lines. Writes ``misconceptions.csv``
and ``misconceptions.png`` into the output folder and returns the section of report.html.
"""

import csv
import html
import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from coursegrader.core import messages
from coursegrader.core.notebooks import write_bytes_atomic
from coursegrader.core.results import Verdict
from coursegrader.core.statuses import Status

CSV_NAME = "misconceptions.csv"
CHART_NAME = "misconceptions.png"
CSV_COLUMNS = ["question", "misconception", "submissions", "share", "message"]
EXAMPLE_LINES, EXAMPLE_CHARS = 12, 600
BLANK = "'…'"  # what every string literal of an example becomes


@dataclass
class Misconception:
    question: str
    misconception: str  # the id
    submissions: int  # how many graded submissions hit it
    share: float  # of the graded submissions
    message: str  # the most common message with this id (one representative)
    example: str  # one anonymised answer cell that hit it ("" when none could be read)


def graded_submissions(work) -> list:
    return [g for g in work.graded if Status(g.status).judged]


def count(work) -> list[Misconception]:
    """Per autograded question (in notebook order), each misconception hit, most often first."""
    graded = graded_submissions(work)
    found = []
    for question in work.questions:
        if question.manual:
            continue
        name = question.name
        checks = list(question.checks)  # from the autograder's manifest
        hits: dict[str, list[str]] = {}  # id -> submissions, in batch order
        texts: dict[str, Counter] = {}
        for g in graded:
            verdicts = [g.verdict(check) for check in checks]
            if _untouched(work, g.submission, name):
                verdicts = [Verdict(False, messages.NOT_ATTEMPTED, messages.NOT_ATTEMPTED_ID)] \
                    if any(not v.passed for v in verdicts) else []
            for verdict in verdicts:
                if verdict.passed:
                    continue
                ids = hits.setdefault(verdict.misconception, [])
                if g.submission not in ids:
                    ids.append(g.submission)
                texts.setdefault(verdict.misconception, Counter())[verdict.message] += 1
        for misconception, submissions in sorted(hits.items(), key=lambda item: (-len(item[1]), item[0])):
            message = texts[misconception].most_common(1)[0][0]
            example = next(filter(None, (anonymised(work.answers[s][name]) for s in submissions
                                         if name in work.answers.get(s, {}))), "")
            found.append(Misconception(name, misconception, len(submissions), len(submissions) / len(graded),
                                       message, example))
    return found


def _untouched(work, submission: str, question: str) -> bool:
    """The submission's answer cell for ``question`` is the template as released (a cell it
    could not be found for is not called untouched)."""
    if question not in work.template:
        return False
    answer = work.answers.get(submission, {}).get(question)
    return answer is not None and answer.split() == work.template[question].split()


def anonymised(code: str) -> str:
    """An answer cell as an example another person may read: no comments or docstrings, every
    string literal blanked, identifiers with non-ASCII letters and numbers of 6+ digits (names,
    student numbers) replaced, at most EXAMPLE_LINES lines and EXAMPLE_CHARS characters."""
    try:
        text = _blanked_tokens(code)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        text = _blanked_lines(code)
    lines = [line.rstrip() for line in text.splitlines()]
    lines = [line for line in lines if line.strip()]
    cut = len(lines) > EXAMPLE_LINES
    text = "\n".join(lines[:EXAMPLE_LINES])
    if len(text) > EXAMPLE_CHARS:
        text, cut = text[:EXAMPLE_CHARS], True
    return text + ("\n…" if cut and text else "")


def _blanked_tokens(code: str) -> str:
    offsets = [0]
    for line in code.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    at = lambda position: offsets[position[0] - 1] + position[1]  # noqa: E731 - (row, column) -> index
    edits, renamed, previous, fstring = [], {}, tokenize.NEWLINE, []
    line_starts = (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT)
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        kind, text, replacement = token.type, token.string, None
        if kind == tokenize.ERRORTOKEN and text.strip():  # an unclosed quote, say: read as lines instead
            raise tokenize.TokenError("not Python")
        if kind == getattr(tokenize, "FSTRING_START", None):  # Python 3.12+: an f-string is several tokens
            fstring.append((token.start, previous))
        elif kind == getattr(tokenize, "FSTRING_END", None) and fstring:
            begin, before = fstring.pop()
            if not fstring:
                edits.append((at(begin), at(token.end), _string_replacement(code, at(token.end), before in line_starts)))
        elif fstring:
            pass  # inside an f-string: blanked with it
        elif kind == tokenize.COMMENT:
            replacement = ""
        elif kind == tokenize.STRING:
            replacement = _string_replacement(code, at(token.end), previous in line_starts)
        elif kind == tokenize.NAME and not text.isascii():
            replacement = renamed.setdefault(text, f"name_{len(renamed) + 1}")
        elif kind == tokenize.NUMBER and sum(c.isdigit() for c in text) >= 6:
            replacement = "0"
        if replacement is not None:
            edits.append((at(token.start), at(token.end), replacement))
        if kind not in (tokenize.COMMENT, tokenize.NL) and not fstring:
            previous = kind
    for begin, finish, replacement in sorted(edits, reverse=True):
        code = code[:begin] + replacement + code[finish:]
    return code


def _string_replacement(code: str, end: int, starts_line: bool) -> str:
    """A docstring (a string that is a whole statement) goes; any other string is blanked."""
    rest = code[end:].split("\n", 1)[0]
    return "" if starts_line and rest.split("#")[0].strip() in ("", ";") else BLANK


_QUOTED = re.compile(r"""([rRbBuUfF]{0,2})('''.*?'''|\"\"\".*?\"\"\"|'[^'\n]*'|"[^"\n]*")""", re.S)


def _blanked_lines(code: str) -> str:
    """For text that is not Python (a magic, a typo): strings blanked, then anything after #."""
    text = _QUOTED.sub(BLANK, code)
    text = "\n".join(line.split("#")[0] for line in text.splitlines())
    text = re.sub(r"\b\d{6,}\b", "0", text)
    return re.sub(r"[^\x00-\x7f…]+", "…", text)


# --- What the instructor gets ----------------------------------------------------------

def misconceptions_csv(rows: list[Misconception]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row.question, row.misconception, row.submissions, f"{row.share:.4f}", row.message])
    return buffer.getvalue()


def section(work, out: Path) -> str:
    """Writes misconceptions.csv and the chart into ``out``; returns the report's section."""
    rows = count(work)
    graded, left_out = len(graded_submissions(work)), len(work.graded) - len(graded_submissions(work))
    write_bytes_atomic(misconceptions_csv(rows).encode("utf-8"), out / CSV_NAME)
    chart = out / CHART_NAME
    if rows:
        _chart(rows, chart, work.plot_settings)
    elif chart.exists():
        chart.unlink()  # a chart of an earlier batch must not stand beside this one's table
    note = (f"<p>{html.escape(messages.MISCONCEPTIONS_NOTE.format(graded=graded, left_out=left_out))}</p>"
            f"<p><a href='{CSV_NAME}'>{CSV_NAME}</a></p>")
    if not rows:
        return f"<section id='misconceptions'><h2>{messages.MISCONCEPTIONS_TITLE}</h2>{note}<p>{messages.NO_MISCONCEPTIONS}</p></section>"
    table = "".join(
        f"<tr><td>{html.escape(r.question)}</td><td><code>{html.escape(r.misconception)}</code></td>"
        f"<td class='num'>{r.submissions}</td><td class='num'>{r.share:.0%}</td><td>{html.escape(r.message)}</td>"
        f"<td><pre>{html.escape(r.example)}</pre></td></tr>" for r in rows)
    return (f"<section id='misconceptions'><h2>{messages.MISCONCEPTIONS_TITLE}</h2>{note}"
            f"<img src='{CHART_NAME}' alt='submissions per misconception and question'>"
            "<table><tr><th>question</th><th>misconception</th><th>submissions</th><th>share</th>"
            f"<th>message</th><th>example (anonymised answer cell)</th></tr>{table}</table></section>")


def _chart(rows: list[Misconception], path: Path, plot_settings: Path | None) -> None:
    """Horizontal bars, one per question and id, questions top to bottom in notebook order."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(fname=str(plot_settings) if plot_settings else None):
        figure = Figure(figsize=(7, 1.2 + 0.28 * len(rows)))
        axes = figure.add_subplot()
        positions = list(range(len(rows)))[::-1]
        questions = list(dict.fromkeys(r.question for r in rows))
        colours = ["#4878a8", "#e0884b"]
        axes.barh(positions, [r.submissions for r in rows],
                  color=[colours[questions.index(r.question) % 2] for r in rows])
        axes.set_yticks(positions, [f"{r.question} · {r.misconception}" for r in rows], fontsize=8)
        axes.set_xlabel(messages.MISCONCEPTIONS_AXIS)
        axes.set_title(messages.MISCONCEPTIONS_TITLE, fontsize=10)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=96, metadata={"Software": None})
