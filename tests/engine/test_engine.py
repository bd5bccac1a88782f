"""The Engine on its own: an assignment built in the test, graded through the engine every route
uses (engine/engine.py)."""

import pytest

from coursegrader.core.assignment import Question
from coursegrader.engine.assignment import Assignment, LoadedCheck
from coursegrader.engine.checks import HiddenCheck, standalone
from coursegrader.engine.engine import Engine
from coursegrader.engine.sandbox import Limits
from coursegrader.inputs.nbreader import CodeCell
from coursegrader.inputs.submissions import Notebook, Submission

PROBES = "def probes():\n    return {}\n"
OBSERVE = "def observe(env, probes):\n    return env['seen']\n"
JUDGE = "def judge(probes, seen):\n    return None if seen == 'a,b\\n1,2\\n' else ('missing-file', 'no data')\n"


@pytest.mark.slow
def test_the_master_s_files_are_beside_the_notebook_as_otter_run_puts_them(course, tmp_path):
    """A notebook that reads a file the master ships (`files:` in its config, `files/` in the zip)
    finds it in its folder on every route."""
    check = HiddenCheck("test_data", 1.0, None, None, PROBES, OBSERVE, JUDGE)
    assignment = Assignment([Question("data", 1.0, False, ("test_data",))],
                            [LoadedCheck(check, "data", standalone(JUDGE), {})], {}, None, False, "data.ipynb", {},
                            files={"table.csv": b"a,b\n1,2\n"})
    notebook = Notebook([CodeCell(1, "seen = open('table.csv').read()", ())])
    with Engine(assignment, Limits.from_course(course)) as engine:
        graded = engine.grade(Submission("s", tmp_path / "unused"), tmp_path / "grading", notebook)
    assert graded.status == "ok" and graded.scores == {"data": 1.0}, graded.feedback
