"""nbgrader's autograde step, graded by this package's engine instead of a Jupyter kernel.

course_config.py puts ``GradeWithEngine`` where nbgrader's ``Execute`` stands among the
Autograde converter's preprocessors. It receives the notebook nbgrader is autograding (outputs
cleared, test cells restored from the instructor notebook), removes every hidden-test region,
grades what is left exactly as ``python -m coursegrader grade`` does (a sandboxed process forked
from a warm server runs the student's cells and observes; this process judges), and writes into
each ``grader.check("q")`` test cell the outputs from which nbgrader's own ``SaveAutoGrades``
takes q's points: the verdict messages on stdout, then the points as the cell's result (nbgrader's
partial credit). Hidden test code never reaches the student's process, and the autograded
notebook holds none either.

nbgrader autogrades one notebook after another in one process (the command's, or the Jupyter
server's for the Formgrader) and makes a new preprocessor for each; the fork server and the
loaded autograders are kept for the life of that process (``_Engines``).
"""

import atexit
import threading
from pathlib import Path

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.core import messages
from coursegrader.core.config import load_course
from coursegrader.core.statuses import Status
from coursegrader.engine.assignment import Assignment
from coursegrader.engine.engine import Engine
from coursegrader.core.results import Graded
from coursegrader.core.tags import CHECK_CALL
from coursegrader.engine.sandbox import Limits
from coursegrader.engine.workspace import scratch_folder
from coursegrader.inputs.submissions import Submission

HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"  # nbgrader's own delimiters


def without_hidden_tests(source: str) -> str:
    """``source`` without its hidden-test regions; an unclosed region runs to the end of the cell
    (nothing of it may reach the student's process)."""
    kept, hidden = [], False
    for line in source.split("\n"):
        if HIDDEN_BEGIN in line:
            hidden = True
        elif HIDDEN_END in line and hidden:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def _check_cells(nb) -> dict:
    """nbgrader's autograder-test code cells, by question: the cell's ``grader.check`` call,
    else its grade id."""
    found = {}
    for cell in nb.cells:
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and grading.get("grade") and not grading.get("solution"):
            call = CHECK_CALL.match(cell.source.strip())
            found.setdefault(call.group(1) if call else grading.get("grade_id", ""), []).append(cell)
    return found


class _Engines:
    """The engine of this process for each autograder zip, made at its first notebook and kept
    (again if the zip was rebuilt meanwhile); all closed when the process exits. Thread-safe: the
    Formgrader may autograde from two requests at once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._engines: dict[str, tuple[tuple, Engine]] = {}  # zip path -> (its stat when read, engine)

    def get(self, autograder: Path, limits: Limits) -> Engine:
        stat = autograder.stat()
        version = (stat.st_mtime_ns, stat.st_size, limits)
        with self._lock:
            known = self._engines.get(str(autograder.resolve()))
            if known and known[0] == version:
                return known[1]
            if known:
                known[1].close()
            engine = Engine(autograder.read_bytes(), limits, snapshot=True)
            self._engines[str(autograder.resolve())] = (version, engine)
            return engine

    def close(self) -> None:
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for _, engine in engines:
            engine.close()


_ENGINES = _Engines()
atexit.register(_ENGINES.close)


class GradeWithEngine(NbGraderPreprocessor):
    """Autograde with coursegrader's engine: nbgrader's ``Execute``, replaced (see module doc)."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = without_hidden_tests(cell.source)
                cell.outputs, cell.execution_count = [], None
        ids = resources["nbgrader"]
        try:
            assignment, graded = self._grade(nb, ids["assignment"], f"{ids['student']}/{ids['notebook']}")
        except Exception as error:  # the grader's own failure: this notebook gets 0, nbgrader goes on
            self.log.error(messages.ENGINE_FAILED_LOG, f"{ids['notebook']} of {ids['student']}",
                           f"{type(error).__name__}: {error}")
            assignment, graded = None, None
        for question, cells in _check_cells(nb).items():
            text, points = _cell_report(question, assignment, graded)
            for cell in cells:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text),
                                nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(points))},
                                                       execution_count=None)]
        return nb, resources

    def _grade(self, nb, assignment_id: str, name: str) -> tuple[Assignment, Graded | None]:
        course = load_course(Path(CourseDirectory(config=self.config).root))
        autograder = course.autograder(assignment_id)
        if not autograder.is_file():
            raise FileNotFoundError(f"{autograder} not found; run `python -m coursegrader build`")
        engine = _ENGINES.get(autograder, Limits.from_course(course))
        assignment = engine.assignment
        with scratch_folder("coursegrader-nbgrader-", passable=False) as scratch:
            notebook = Path(scratch) / "submitted" / assignment.notebook_name
            notebook.parent.mkdir()
            nbformat.write(nb, str(notebook))
            graded = engine.grade(Submission(name, notebook), Path(scratch) / "grading")
        if graded.missing_walls:
            self.log.warning(messages.WALLS_MISSING_LOG, "; ".join(graded.missing_walls))
        if graded.status == Status.ERROR:  # the grader's fault (its sandbox did not start, its server stopped)
            self.log.error(messages.ENGINE_FAILED_LOG, name, f"{graded.message}\n{graded.fault}")
            return assignment, None
        self.log.info(messages.GRADED_LOG, name, graded.status, graded.total,
                      assignment.possible, graded.seconds)
        return assignment, graded


def _cell_report(question: str, assignment: Assignment | None, graded: Graded | None) -> tuple[str, float]:
    """What the test cell of ``question`` prints (verdicts and messages, never test code) and its points."""
    if assignment is None or graded is None:
        return messages.ENGINE_FAILED + "\n", 0.0
    checks = assignment.checks_of(question)
    if not checks:
        return messages.NO_TESTS + "\n", 0.0
    lines = []
    for judged in checks:
        passed, message, _ = graded.feedback.get(judged.name, (None, messages.UNCHECKED, ""))
        verdict = {True: messages.PASSED, False: messages.FAILED, None: messages.UNCHECKED}[passed]
        lines.append(messages.HIDDEN_TEST_LINE.format(question=question, verdict=verdict, points=judged.points))
        if message and message != messages.UNCHECKED:
            lines.append("    " + message.replace("\n", "\n    "))
    if graded.status != "ok":
        lines.append(graded.status_line())
    score = graded.scores.get(question, 0.0)
    lines.append(messages.QUESTION_SCORE_LINE.format(question=question, score=score,
                                                     possible=sum(j.points for j in checks)))
    return "\n".join(lines) + "\n", score
