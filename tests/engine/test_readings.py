"""A hidden test's static rule reads the cells up to where its question is judged: the cells up to
the check's call (cut after that line), or all of them on the final state. The grader starts
that reading early, where the notebook's text calls the check; wherever the check is really
called, the reading is of the cells up to there, and only a few are started ahead."""

import json

import pytest

from coursegrader.core.assignment import Question
from coursegrader.engine import inspection
from coursegrader.engine.assignment import Assignment, LoadedCheck
from coursegrader.engine.checks import HiddenCheck, standalone
from coursegrader.engine.engine import Engine
from coursegrader.engine.sandbox import Limits
from coursegrader.inputs.nbreader import CodeCell
from coursegrader.inputs.submissions import Notebook, Submission

PROBES = "def probes():\n    return {}\n"
OBSERVE = "def observe(env, probes):\n    return {}\n"
INSPECT = "def inspect(cells):\n    return [cell['source'] for cell in cells]\n"
JUDGE = "def judge(probes, seen):\n    import json\n    return ('read', json.dumps(seen['inspected']))\n"

INIT = "import otter\ngrader = otter.Notebook()"
HELPER = "def ask(question):\n    grader.check(question)"


def _assignment() -> Assignment:
    check = HiddenCheck("test_read", 1.0, None, None, PROBES, OBSERVE, JUDGE, INSPECT)
    return Assignment([Question("q", 1.0, False, ("test_read",))],
                      [LoadedCheck(check, "q", standalone(JUDGE), {}, standalone(INSPECT))], {}, 42, False,
                      "q.ipynb", {}, warm_up="")


CASES = {  # cells -> what the reading must see
    "called in its cell": ([INIT, "a = 1", 'grader.check("q")\nb = 2', "c = 3"],
                           [INIT, "a = 1", 'grader.check("q")\n']),
    "called through a helper": ([INIT, HELPER, 'ask("q")', "c = 3"], [INIT, HELPER, 'ask("q")']),
    "named in a comment, called later": ([INIT, HELPER, '# grader.check("q") later', 'ask("q")', "c = 3"],
                                        [INIT, HELPER, '# grader.check("q") later', 'ask("q")']),
    "never called": ([INIT, "a = 1", "c = 3"], [INIT, "a = 1", "c = 3"]),
    "called in a cell that never runs to it": ([INIT, 'raise ValueError\ngrader.check("q")', "c = 3"],
                                              [INIT, 'raise ValueError\ngrader.check("q")', "c = 3"]),
}


@pytest.fixture(scope="module")
def engine(course):
    with Engine(_assignment(), Limits.from_course(course)) as engine:
        yield engine


def _read(engine, cells, folder):
    notebook = Notebook([CodeCell(i + 1, source, ()) for i, source in enumerate(cells)])
    graded = engine.grade(Submission(folder.name, folder / "unused"), folder, notebook)
    return json.loads(graded.feedback["test_read"].message)


@pytest.mark.parametrize("case", CASES)
def test_the_reading_is_of_the_cells_up_to_where_the_question_is_judged(engine, case, tmp_path):
    cells, expected = CASES[case]
    assert _read(engine, cells, tmp_path) == expected


def test_only_a_few_readings_start_ahead_of_the_notebook(engine, tmp_path, monkeypatch):
    started = []
    reading = inspection.inspect_cells
    monkeypatch.setattr(inspection, "inspect_cells", lambda source, cells: started.append(len(cells)) or reading(source, cells))
    cells = [INIT] + [f'# grader.check("q") {n}' for n in range(200)]
    assert _read(engine, cells, tmp_path) == cells  # never called: read on the final state
    assert len(started) <= 6
