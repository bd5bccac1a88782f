"""The nbgrader instructor notebook, made from otter's student notebook and otter's test files.

nbgrader generates the student release from an instructor ("source") notebook by clearing
marked regions. This module writes that notebook so that nbgrader's release is the student
notebook otter made, cell for cell:

- each code answer cell is an nbgrader autograded answer whose solution region is the
  skeleton's first line that is only ``...`` (nbgrader writes its code stub, ``...``, back);
- each written answer is a manually graded answer worth the question's points (nbgrader
  writes its text stub, otter's placeholder, back);
- each ``grader.check("q")`` cell is an nbgrader autograder test worth the question's points;
  a hidden region after the check runs otter's own test file for ``q`` on the student's
  globals, prints each hidden test's verdict (never its code) and ends with the points earned,
  which nbgrader takes as the cell's partial credit.

The stubs are set in course_config.py; the build checks nbgrader's release against otter's.
"""


import nbformat

from coursegrader.core import messages
from coursegrader.core.notebooks import source_of, tags_of
from coursegrader.core.tags import ANSWER_TAG, CHECK_CALL

SOLUTION_STUB = "..."
SCHEMA_VERSION = 3

# Runs in the student's kernel during `nbgrader autograde`, where coursegrader may not be
# installed: it needs only otter, torch and NumPy. Scoring is otter's own (TestFile.score).
# Nothing is written to stderr (nbgrader gives 0 points for any stderr output) and no
# exception escapes (a traceback would show hidden test lines in the feedback).
HIDDEN_TEST_RUNNER = '''\
def _run_otter_tests(env, name, source):
    """Points earned on otter's test file `source`; prints each hidden test's verdict only."""
    import contextlib, io, random
    import numpy, torch
    from otter.test_files import ExceptionTestFile
    from otter.test_files.abstract_test import TestCaseResult
    tests = ExceptionTestFile.from_string(source, path=name + ".py")
    saved = random.getstate(), numpy.random.get_state(), torch.random.get_rng_state()
    tests.test_case_results = []
    for case in tests.test_cases:
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                case.body.call_func(env)
            passed, message = True, case.success_message or ""
        except Exception as error:
            passed, message = False, case.failure_message or f"{type(error).__name__}: {error}"
        tests.test_case_results.append(TestCaseResult(test_case=case, message=message, passed=passed))
    random.setstate(saved[0]); numpy.random.set_state(saved[1]); torch.random.set_rng_state(saved[2])
    for result in tests.test_case_results:
        if result.test_case.hidden:
            verdict = @PASSED@ if result.passed else @FAILED@
            print(@HIDDEN_TEST_LINE@.format(question=name, verdict=verdict, points=result.test_case.points))
            if result.message:
                print("    " + result.message.replace("\\n", "\\n    "))
    print(@QUESTION_SCORE_LINE@.format(question=name, score=tests.score, possible=tests.possible))
    return tests.score
'''
for _name in ("PASSED", "FAILED", "HIDDEN_TEST_LINE", "QUESTION_SCORE_LINE"):  # the catalog's texts, written in
    HIDDEN_TEST_RUNNER = HIDDEN_TEST_RUNNER.replace(f"@{_name}@", repr(getattr(messages, _name)))


class NbgraderSourceError(Exception):
    """otter's student notebook cannot be expressed as an nbgrader instructor notebook."""


def _nbgrader_metadata(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    metadata = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION, "solution": solution}
    if points is not None:
        metadata["points"] = points
    return metadata


def _python_literal(text: str) -> str:
    """``text`` as a readable raw triple-quoted literal when that is exact, else its repr."""
    literal = "r'''" + text + "'''"
    try:
        if "'''" not in text and not text.endswith("\\") and eval(literal) == text:  # noqa: S307 (our own text)
            return literal
    except SyntaxError:
        pass
    return repr(text)


def _answer_with_solution_region(source: str, question: str) -> str:
    """The skeleton with its first bare ``...`` line turned into an (empty) solution region."""
    lines = source.split("\n")
    for index, line in enumerate(lines):
        if line.strip() == SOLUTION_STUB:
            indent = line[: len(line) - len(line.lstrip())]
            lines[index: index + 1] = [indent + "### BEGIN SOLUTION", indent + "### END SOLUTION"]
            return "\n".join(lines)
    raise NbgraderSourceError(
        f"the answer cell of {question} has no line that is only '...'; nbgrader replaces a solution region "
        f"with '...', so give the skeleton such a line (otter writes one for each `# SOLUTION` line)"
    )


def _question_of(cell, names: set[str]) -> str | None:
    found = [tag for tag in tags_of(cell) if tag in names]
    return found[0] if found else None


def instructor_notebook(student: nbformat.NotebookNode, points: dict[str, float], manual: set[str],
                        test_files: dict[str, str]) -> nbformat.NotebookNode:
    """The nbgrader source notebook for otter's tagged student notebook ``student``.

    ``points``: each question's points; ``manual``: the manually graded questions;
    ``test_files``: otter's test file source for each autograded question.
    """
    nb = nbformat.from_dict(student)
    names = set(points)
    checked, answered = set(), set()
    for cell in nb.cells:
        source = source_of(cell)
        check = CHECK_CALL.match(source.strip()) if cell.cell_type == "code" else None
        if check and check.group(1) in test_files:
            name = check.group(1)
            cell.source = (f"{source.strip()}\n### BEGIN HIDDEN TESTS\n{HIDDEN_TEST_RUNNER}"
                           f"_run_otter_tests(globals(), {name!r}, {_python_literal(test_files[name])})\n"
                           "### END HIDDEN TESTS")
            cell.metadata["nbgrader"] = _nbgrader_metadata(name, grade=True, solution=False, locked=True, points=points[name])
            checked.add(name)
        elif ANSWER_TAG in tags_of(cell) and (question := _question_of(cell, names)):
            if cell.cell_type == "markdown" and question in manual:
                cell.metadata["nbgrader"] = _nbgrader_metadata(question, grade=True, solution=True, locked=False, points=points[question])
            elif cell.cell_type == "code":
                cell.source = _answer_with_solution_region(source, question)
                cell.metadata["nbgrader"] = _nbgrader_metadata(f"{question}-answer", grade=False, solution=True, locked=False)
            answered.add(question)
    missing_checks = sorted(set(test_files) - checked)
    if missing_checks:
        raise NbgraderSourceError(f"no grader.check cell for {', '.join(missing_checks)}: nbgrader needs one to hold each question's tests")
    missing_answers = sorted(manual - answered)
    if missing_answers:
        raise NbgraderSourceError(f"no answer cell tagged {', '.join(missing_answers)} for the manually graded question(s)")
    return nb
