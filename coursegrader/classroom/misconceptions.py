"""Misconceptions by question: which mistakes a class made, how often, with one example each.

Counts come from each hidden check's verdict id (the hidden test's own data, never parsed from
messages), so a batch graded here, on Dask, or read back from Gradescope's results.json (whose
per-test ``extra_data`` carries the ids) counts the same. A submission counts once per question
and id. Who counts is the report's one rule (analysis.py, stated on the page as
``messages.REPORT_RULE``): the counted submissions (not invalid, duplicate or error) that
attempted the question; a submission whose answer cell is still the release's template is not
attempted and is counted apart, in the report's question table, never as a misconception. A
counted submission that stopped early (a crash, a time-out) counts its unreached checks under
the grader's own id, ``not-checked``.

The example of each misconception is the answer cell of one submission that hit it (never the
hidden test), anonymised (``anonymised``): comments and docstrings removed, every string literal
blanked, the student's own names (any identifier with non-ASCII letters or a long number, or
made of words that are neither the release notebook's, Python's nor common programming words:
``zhang_answer``, ``wangwei``) and every run of 6 or more digits (student numbers, wherever they
stand: right after Chinese text, inside an identifier) replaced, cut to a few lines. Writes
``misconceptions.csv`` and ``misconceptions.png`` into the output folder and returns the section
of report.html.
"""

import builtins
import functools
import io
import keyword
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from coursegrader.classroom import pages
from coursegrader.core import messages
from coursegrader.core.notebooks import write_bytes_atomic
from coursegrader.core.spreadsheet import csv_text

CSV_NAME = "misconceptions.csv"
CHART_NAME = "misconceptions.png"
CSV_COLUMNS = ["question", "misconception", "submissions", "attempted", "share", "message"]
EXAMPLE_LINES, EXAMPLE_CHARS = 12, 600
BLANK = "'…'"  # what every string literal of an example becomes
LONG_NUMBER = re.compile(r"\d{6,}")  # a student number: 6 or more digits, whatever stands beside them
# Words of an identifier an example keeps without the release notebook holding it (besides Python's
# keywords and builtins and single letters): what people write in PyTorch code, never a name.
COMMON_WORDS = frozenset("""
    a ab abs acc add all alpha angle ans answer answers append arange arg args array as at autograd avg ax axes axis
    b back backward base batch beta big both branch branches buf c cache calc case cell check clone col cols compute
    const copy cos count counter cur curr curve d data ddf ddx ddy default delta deriv derivative derivatives desc detach
    df diff dim dims do dot dtype dx dy dz e elem elems end eps err error est eval exp expected f fd fig figure final
    find first flag float flow fn forward func function fx fy g gen generator get grad grads gradient gradients graph
    gx gy h helper hessian i idx in index init inner input inputs int is it item j k key label labels last layer left
    legend length lim limit line lines list ln lo loss low lr m main mask mat matrix max mean mid min mode model my n
    name names neg new next nn no node nodes norm np num number numeric numerical obj old on one ones op out outer
    output outputs p param params part path plot point points pos prev prob prod q r rand randn range rate ratio raw
    rec ref res result results ret right root row rows run s safe sample samples scale second seed shape sign
    signature sin size slope small solution sq sqrt start state step steps sub sum t target temp tensor tensors test
    the third to tmp torch total true two u up update v val vals value values var vec vector vectors w want weight
    weights with x xs y ys z zero zeros zs
    self cls kwargs exc err ex xx yy zz ii jj kk stack queue seen visited todo frontier child children parent
    parents next_fn fns count_nodes walk visit edge edges leaf leaves order grad_fn inp inputs dummy orig other
    pred probe probes check checks sample trial trials curve lo hi mid grid mesh dom domain left right up down
    time timeit plt pyplot matplotlib math random sys os functools itertools operator collections scipy sp pd F
""".split())
_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(dir(builtins))
_WORD_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass
class Misconception:
    question: str
    misconception: str  # the id
    submissions: int  # how many counted submissions that attempted the question hit it
    attempted: int  # the counted submissions that attempted the question (the share's denominator)
    share: float  # submissions / attempted
    message: str  # the most common message with this id (one representative)
    example: str  # one anonymised answer cell that hit it ("" when none could be read)


def count(work) -> list[Misconception]:
    """Per autograded question (in notebook order), each misconception hit, most often first."""
    found = []
    for question in work.questions:
        if question.manual:
            continue
        name = question.name
        checks = list(question.checks)  # from the autograder's manifest
        attempted = work.attempted(name)
        hits: dict[str, list[str]] = {}  # id -> submissions, in batch order
        texts: dict[str, Counter] = {}
        for g in attempted:
            for verdict in (g.verdict(check) for check in checks):
                if verdict.passed:
                    continue
                ids = hits.setdefault(verdict.misconception, [])
                if g.submission not in ids:
                    ids.append(g.submission)
                texts.setdefault(verdict.misconception, Counter())[verdict.message] += 1
        for misconception, submissions in sorted(hits.items(), key=lambda item: (-len(item[1]), item[0])):
            message = texts[misconception].most_common(1)[0][0]
            example = next(filter(None, (anonymised(work.answers[s][name], work.vocabulary) for s in submissions
                                         if name in work.answers.get(s, {}))), "")
            found.append(Misconception(name, misconception, len(submissions), len(attempted),
                                       len(submissions) / len(attempted), message, example))
    return found


def anonymised(code: str, vocabulary: frozenset = frozenset()) -> str:
    """An answer cell as an example another person may read: no comments or docstrings, every
    string literal blanked, the student's own names (``kept_name`` says which are not: the
    release's ``vocabulary``, Python's, common programming words) made ``name_1``, ``name_2``, …,
    and every run of 6+ digits made 0, at most EXAMPLE_LINES lines and EXAMPLE_CHARS characters."""
    try:
        text = _blanked_tokens(code, vocabulary)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        text = _blanked_lines(code, vocabulary)
    text = LONG_NUMBER.sub("0", text)  # any left, wherever they stand (full-width digits, a token Python cannot read)
    lines = [line.rstrip() for line in text.splitlines()]
    lines = [line for line in lines if line.strip()]
    cut = len(lines) > EXAMPLE_LINES
    text = "\n".join(lines[:EXAMPLE_LINES])
    if len(text) > EXAMPLE_CHARS:
        text, cut = text[:EXAMPLE_CHARS], True
    return text + ("\n…" if cut and text else "")


def kept_name(name: str, vocabulary: frozenset = frozenset()) -> bool:
    """Whether an identifier the student wrote may stand in an example: one of the release
    notebook's (``vocabulary``) or Python's own names, or an ASCII name every part of which
    (``my_grad``: my, grad; ``dX2``: d, X, 2) is a single letter, a short number, a common
    programming word or a part of one of the release's names. Anything else may be a name or a
    student number (``zhang_answer``, ``ZhangSan``, ``li``, ``s2024000123``) and is replaced."""
    if name in vocabulary or name in _KEPT_NAMES:
        return True
    if not name.isascii() or LONG_NUMBER.search(name):
        return False
    known = COMMON_WORDS | _vocabulary_parts(vocabulary)
    return all(len(part) == 1 or part.isdigit() or part.lower() in known for part in _WORD_PARTS.findall(name))


@functools.lru_cache(maxsize=4)
def _vocabulary_parts(vocabulary: frozenset) -> frozenset:
    return frozenset(part.lower() for word in vocabulary for part in _WORD_PARTS.findall(word) if not part.isdigit())


def _blanked_tokens(code: str, vocabulary: frozenset) -> str:
    offsets = [0]
    for line in code.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    at = lambda position: offsets[position[0] - 1] + position[1]  # noqa: E731 - (row, column) -> index
    edits, renamed, previous, fstring = [], {}, tokenize.NEWLINE, []
    line_starts = (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT)
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    significant = [t for t in tokens if t.type not in (tokenize.COMMENT, tokenize.NL)]
    after = {id(t): significant[i + 1].string if i + 1 < len(significant) else "" for i, t in enumerate(significant)}
    before_text, depth, importing = "", 0, False  # the previous significant token; brackets open; in an import
    for token in tokens:
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
        elif kind == tokenize.NAME:
            importing = importing or (previous in line_starts and text in ("import", "from"))
            public = before_text == "." or importing or (depth and after[id(token)] == "=")  # an attribute, a module, a keyword
            if not public and not kept_name(text, vocabulary):
                replacement = renamed.setdefault(text, f"name_{len(renamed) + 1}")
        elif kind == tokenize.NUMBER and sum(c.isdigit() for c in text) >= 6:
            replacement = "0"
        elif kind == tokenize.OP:
            depth = max(0, depth + (text in "([{") - (text in ")]}"))
        if replacement is not None:
            edits.append((at(token.start), at(token.end), replacement))
        if kind not in (tokenize.COMMENT, tokenize.NL) and not fstring:
            previous, before_text = kind, text
            importing = importing and kind != tokenize.NEWLINE
    for begin, finish, replacement in sorted(edits, reverse=True):
        code = code[:begin] + replacement + code[finish:]
    return code


def _string_replacement(code: str, end: int, starts_line: bool) -> str:
    """A docstring (a string that is a whole statement) goes; any other string is blanked."""
    rest = code[end:].split("\n", 1)[0]
    return "" if starts_line and rest.split("#")[0].strip() in ("", ";") else BLANK


_QUOTED = re.compile(r"""([rRbBuUfF]{0,2})('''.*?'''|\"\"\".*?\"\"\"|'[^'\n]*'|"[^"\n]*")""", re.S)


def _blanked_lines(code: str, vocabulary: frozenset) -> str:
    """For text that is not Python (a magic, a typo): strings blanked, then anything after #,
    then the student's own names and every run of 6+ digits, wherever it stands."""
    text = _QUOTED.sub(BLANK, code)
    text = "\n".join(line.split("#")[0] for line in text.splitlines())
    renamed: dict[str, str] = {}

    def name(match: re.Match) -> str:
        word, before = match.group(0), match.start() - 1
        while before >= 0 and text[before] == " ":
            before -= 1
        attribute = before >= 0 and text[before] == "."
        return word if attribute or kept_name(word, vocabulary) else renamed.setdefault(word, f"name_{len(renamed) + 1}")

    text = re.sub(r"[^\W\d]\w*", name, text)  # identifiers, ASCII or not, with any digits inside them (学号2024000123)
    text = LONG_NUMBER.sub("0", text)  # numbers on their own (学号 2024000123)
    return re.sub(r"[^\x00-\x7f…]+", "…", text)


# --- What the instructor gets ----------------------------------------------------------

def misconceptions_csv(rows: list[Misconception]) -> str:
    return csv_text([CSV_COLUMNS, *([r.question, r.misconception, r.submissions, r.attempted, f"{r.share:.4f}", r.message]
                                    for r in rows)])


def section(work, out: Path) -> str:
    """Writes misconceptions.csv and the chart into ``out``; returns the report's section."""
    rows = count(work)
    write_bytes_atomic(misconceptions_csv(rows).encode("utf-8"), out / CSV_NAME)
    chart = out / CHART_NAME
    if rows:
        _chart(rows, chart, work.plot_settings)
    elif chart.exists():
        chart.unlink()  # a chart of an earlier batch must not stand beside this one's table
    return pages.render("misconceptions.html.j2", title=messages.MISCONCEPTIONS_TITLE, note=messages.MISCONCEPTIONS_NOTE,
                        empty=messages.NO_MISCONCEPTIONS, csv_name=CSV_NAME, chart_name=CHART_NAME, rows=rows)


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
