"""A graded submission, and every form it is shown in.

``Graded`` is the one result type of every route (a local batch, a Dask worker, Gradescope,
nbgrader). Its conversions live here and nowhere else: the record a batch keeps
(``to_record`` / ``from_record``), Gradescope's results.json (``to_gradescope``, read back by
``from_gradescope`` for a folder of Gradescope results), and the CSV row and terminal line of
the grades table; the feedback page, made from results.json, is classroom/pages.py's. A
submission that earned nothing because it could not be graded is made by ``Graded.failed``.

Each hidden check's verdict carries the id of the misconception its message names, taken from
the hidden test's own data (its judge returns ``(id, message)``), so a class's failures can be
counted without reading messages.
"""

import re
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from coursegrader.core import messages
from coursegrader.core.assignment import Question, autograded, possible_points
from coursegrader.core.spreadsheet import csv_text
from coursegrader.core.statuses import Status



class Verdict(NamedTuple):
    """One hidden check's outcome: what the student reads, and the misconception's id."""
    passed: bool
    message: str
    misconception: str = ""  # "" when passed


@dataclass
class Graded:
    submission: str
    status: Status
    scores: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    message: str = ""
    seconds: float = 0.0
    feedback: dict[str, Verdict] = field(default_factory=dict)  # hidden check -> verdict
    peak_mb: float = 0.0  # the submission process's peak resident memory (shared pages included)
    unique_mb: float | None = None  # its own pages at the end (beyond the fork server's); counted for some submissions only
    phases: dict = field(default_factory=dict)  # seconds spent starting, running cells, public tests, checks
    missing_walls: list = field(default_factory=list)  # sandbox parts this machine could not provide
    walls: list = field(default_factory=list)  # sandbox parts built around this submission
    public: list = field(default_factory=list)  # public checks: {"name", "passed", "message"}
    fault: str = ""  # the traceback of the grader's own failure (status error): its grader-error.txt, never shown

    @classmethod
    def failed(cls, submission: str, status: str, message: str, seconds: float = 0.0) -> "Graded":
        """A submission that could not be graded (or not by this run): no points, one message."""
        return cls(submission, status, message=message, seconds=seconds)

    def to_record(self) -> dict:
        """JSON data that ``from_record`` turns back into the same result."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict) -> "Graded":
        """The result ``to_record`` wrote (raises TypeError/ValueError for anything else)."""
        graded = cls(**record)
        graded.feedback = {str(name): Verdict(*verdict) for name, verdict in graded.feedback.items()}
        graded.status = Status(graded.status)  # ValueError for a status no version wrote
        return graded

    def failures(self) -> list[tuple[str, Verdict]]:
        """(check, verdict) of every hidden check not passed."""
        return [(name, verdict) for name, verdict in self.feedback.items() if not verdict.passed]

    def status_line(self) -> str:
        text = Status(self.status).line
        return f"{text}. {self.message}" if self.message else text

    def to_gradescope(self, assignment, seconds: float | None = None) -> dict:
        """Gradescope's results format, the same on every route.

        A box per question holds the judge's messages as markdown (never test code or inputs),
        shown to students when the course says (SHOW_HIDDEN_RESULTS_AFTER_PUBLISH, HIDDEN_FEEDBACK,
        carried in the zip's manifest): never, after grades are published, or at once; the public
        checks' box is visible at once. ``extra_data``, which students do not see, gives instructors the
        status, each failed check with its message and misconception id, the checks passed
        (so a check read back is passed, failed or, when absent, not checked), and the sandbox
        walls this machine lacked. ``seconds`` is the whole run (Gradescope's); the submission's own
        time by default. Without an assignment (its files could not be read) one box carries
        the status line.
        """
        visibility = hidden_visibility(assignment)
        tests = []
        if self.public:
            tests.append(_test("Public Tests", 0.0, 0.0, "visible", _public_output(self.public, visibility),
                               {"status": self.status}))
        for question in assignment.questions if assignment else []:
            if question.manual:
                continue
            name = question.name
            verdicts = [(check, self.verdict(check)) for check in question.checks]
            failed = [{"check": check, "message": v.message, "misconception": v.misconception}
                      for check, v in verdicts if not v.passed]
            passed = [check for check, v in verdicts if v.passed]
            tests.append(_test(name, self.scores.get(name, 0.0), question.points, visibility,
                               "\n\n".join(v.message for _, v in verdicts),
                               {"status": self.status, "failed": failed, "passed": passed}))
        if not tests:
            tests.append(_test(messages.AUTOGRADER_BOX, 0.0, 0.0, "visible", _md_escaped(self.status_line()),
                               {"status": self.status}))
        return {"score": self.total, "execution_time": round(self.seconds if seconds is None else seconds, 2),
                "output": self.status_line(), "stdout_visibility": "hidden", "tests": tests,
                "extra_data": {"status": self.status, "missing_walls": list(self.missing_walls)}}

    @classmethod
    def from_gradescope(cls, submission: str, results: dict, questions: list[str]) -> "Graded":
        """The result a Gradescope results.json (``to_gradescope``'s) records for ``questions``.

        Counts and scores come from the data fields only (scores, ``extra_data``), never from
        the text shown to students; anything malformed raises ValueError."""
        if not isinstance(results, dict) or not isinstance(results.get("tests"), list):
            raise ValueError("not a Gradescope results.json (no list of tests)")
        extra = results.get("extra_data") if isinstance(results.get("extra_data"), dict) else {}
        status = Status(extra["status"]) if extra.get("status") in set(Status) else Status.OK
        output, line = str(results.get("output", "")), status.line
        message = output[len(line) + 2:] if output.startswith(line + ". ") else "" if output == line else output
        graded = cls(submission, status, message=message[:500])  # the message status_line put after the status
        for test in results["tests"]:
            if not isinstance(test, dict) or test.get("name") not in questions:
                continue
            score = test.get("score", 0.0)
            graded.scores[test["name"]] = float(score) if isinstance(score, (int, float)) else 0.0
            data = test.get("extra_data") if isinstance(test.get("extra_data"), dict) else {}
            for check in data.get("passed", []) if isinstance(data.get("passed"), list) else []:
                if isinstance(check, str):
                    graded.feedback[check] = Verdict(True, messages.PASSED)
            for failure in data.get("failed", []) if isinstance(data.get("failed"), list) else []:
                if not isinstance(failure, dict) or not isinstance(failure.get("check"), str):
                    continue
                if failure.get("misconception") == messages.NOT_CHECKED_ID:
                    continue  # to_gradescope's filler for a check that never ran, not a verdict
                graded.feedback[failure["check"]] = Verdict(False, str(failure.get("message", "")),
                                                            str(failure.get("misconception", "")))
        graded.total = sum(graded.scores.values())
        seconds = results.get("execution_time")
        graded.seconds = float(seconds) if isinstance(seconds, (int, float)) else 0.0
        return graded

    def verdict(self, check: str) -> Verdict:
        """The verdict of one hidden check; a check this run never reached was not checked."""
        return self.feedback.get(check) or self._not_checked()

    def _not_checked(self) -> Verdict:
        return Verdict(False, messages.NOT_CHECKED.format(reason=_md_escaped(self.message)), messages.NOT_CHECKED_ID)


# --- The grades table -------------------------------------------------------------------



def grades_csv(graded: list[Graded], questions: list[Question], people: dict[str, tuple[str, str]] | None = None) -> str:
    """grades.csv: a row per submission, a column per autograded question. ``people`` (submission
    -> its students' names and ids, from a Gradescope export) adds the columns student and
    student id. A row of the grader's own failure (``error``) has no points at all, not 0."""
    names, possible = autograded(questions), possible_points(questions)
    who = ["student", "student id"] if people else []
    rows = [["submission", *who, "status", *names, "total", "possible", "seconds", "error"]]
    for g in graded:
        person = list(people.get(g.submission, ("", ""))) if people else []
        points = [""] * (len(names) + 1) if g.status == "error" else \
            [*(f"{g.scores.get(n, 0.0):g}" for n in names), f"{g.total:g}"]
        rows.append([g.submission, *person, g.status, *points, f"{possible:g}", f"{g.seconds:.1f}", g.message])
    return csv_text(rows)


def grades_table(graded: list[Graded], questions: list[Question]) -> str:
    """The same table as plain text for the terminal."""
    names, possible = autograded(questions), possible_points(questions)
    header = ["submission", "status", *names, "total"]
    rows = [[g.submission, g.status, *(f"{g.scores.get(n, 0.0):g}" for n in names), f"{g.total:g}/{possible:g}"]
            for g in graded]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) for row in [header, *rows])


# --- Markdown for Gradescope ------------------------------------------------------------

def _test(name: str, score: float, max_score: float, visibility: str, output: str, extra: dict) -> dict:
    return {"name": name, "score": score, "max_score": max_score, "visibility": visibility,
            "output": output, "output_format": "md", "extra_data": extra}


def hidden_visibility(assignment) -> str:
    """Gradescope's visibility of the hidden tests' boxes: "hidden" when the course never shows
    them, "visible" with HIDDEN_FEEDBACK = "immediate", else "after_published"."""
    if not (assignment and assignment.show_hidden):
        return "hidden"
    return "visible" if getattr(assignment, "hidden_feedback", "") == "immediate" else "after_published"


def _public_output(public: list[dict], visibility: str) -> str:
    """Markdown: the note (saying when the hidden tests' results show), a line per public check,
    then each failure's message as a code block (shown literally, never as markdown)."""
    note = {"visible": messages.PUBLIC_NOTE_IMMEDIATE, "hidden": messages.PUBLIC_NOTE_NEVER}.get(visibility, messages.PUBLIC_NOTE)
    lines = [note, ""]
    lines += [f"- {'✅' if r.get('passed') else '❌'} {_md_escaped(r.get('name'))}" for r in public]
    for r in public:
        if not r.get("passed"):
            lines += ["", f"❌ {_md_escaped(r.get('name'))}:", "", _md_code_block(str(r.get("message")))]
    return "\n".join(lines)


def _md_escaped(text) -> str:
    """One line of plain text that markdown shows as typed."""
    return "".join(f"\\{c}" if c in "\\`*_[]<>#|~!&" else c for c in " ".join(str(text).split()))


def _md_code_block(text: str) -> str:
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}text\n{text}\n{fence}"
