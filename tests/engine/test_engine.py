"""The Engine on its own: an assignment built in the test, graded through the engine every route
uses (engine/engine.py)."""

import signal

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
WARMED = "def judge(probes, seen):\n    return None if seen == [True, True, True] else ('not-warmed', 'the warm-up did not run first')\n"
MARK_WARM_UP = "import sys, types\nsys.modules['course_warm_up_ran'] = types.ModuleType('course_warm_up_ran')\n"


def _reads_a_shipped_file() -> tuple[Assignment, Notebook]:
    """An assignment that ships a file, and a notebook that passes its check by reading it."""
    check = HiddenCheck("test_data", 1.0, None, None, PROBES, OBSERVE, JUDGE)
    assignment = Assignment([Question("data", 1.0, False, ("test_data",))],
                            [LoadedCheck(check, "data", standalone(JUDGE), {})], {}, None, False, "data.ipynb", {},
                            files={"table.csv": b"a,b\n1,2\n"})
    return assignment, Notebook([CodeCell(1, "seen = open('table.csv').read()", ())])


@pytest.mark.slow
def test_the_master_s_files_are_beside_the_notebook_as_otter_run_puts_them(course, tmp_path):
    """A notebook that reads a file the master ships (`files:` in its config, `files/` in the zip)
    finds it in its folder on every route."""
    assignment, notebook = _reads_a_shipped_file()
    with Engine(assignment, Limits.from_course(course)) as engine:
        graded = engine.grade(Submission("s", tmp_path / "unused"), tmp_path / "grading", notebook)
    assert graded.status == "ok" and graded.scores == {"data": 1.0}, graded.feedback


@pytest.mark.slow
def test_a_server_started_before_its_engine_has_warmed_up_before_the_first_submission(course, tmp_path):
    """The Gradescope route starts the fork server before it has read the zip (Engine.start_server);
    the course's warm-up, sent once the engine has it, has run before any submission is forked, so
    its one-time set-up counts against no limit. The submission's process collects its own
    objects, the server's frozen."""
    check = HiddenCheck("test_warm", 1.0, None, None, PROBES, OBSERVE, WARMED)
    assignment = Assignment([Question("warm", 1.0, False, ("test_warm",))],
                            [LoadedCheck(check, "warm", standalone(WARMED), {})], {}, None, False, "warm.ipynb", {},
                            warm_up=MARK_WARM_UP)
    cell = "import gc, sys\nseen = ['course_warm_up_ran' in sys.modules, gc.isenabled(), gc.get_freeze_count() > 100_000]"
    with Engine(assignment, Limits.from_course(course), server=Engine.start_server()) as engine:
        graded = engine.grade(Submission("s", tmp_path / "unused"), tmp_path / "grading", Notebook([CodeCell(1, cell, ())]))
    assert graded.status == "ok" and graded.scores == {"warm": 1.0}, graded.feedback


def test_a_zip_that_cannot_be_read_stops_the_server_started_for_it():
    server = Engine.start_server()
    with pytest.raises(Exception):
        Engine(b"not an autograder zip", server=server)
    assert server._process.returncode == -signal.SIGKILL  # stopped at once, not left running or waited for


@pytest.mark.slow
def test_one_submission_in_eight_counts_its_own_memory_pages(course, tmp_path):
    """Counting them makes the kernel walk every page of the process (some 10 ms each): the first
    submission of an engine and every eighth after it count them, the rest do not pay for it."""
    from coursegrader.engine.engine import OWN_PAGES_EVERY

    assignment, notebook = _reads_a_shipped_file()
    with Engine(assignment, Limits.from_course(course)) as engine:
        pages = [engine.grade(Submission(f"s{n}", tmp_path / "unused"), tmp_path / f"grading{n}", notebook).unique_mb
                 for n in range(OWN_PAGES_EVERY + 1)]
    assert [n for n, counted in enumerate(pages) if counted is not None] == [0, OWN_PAGES_EVERY]
    assert all(pages[n] > 1 for n in (0, OWN_PAGES_EVERY))  # megabytes of its own: a count, not a default
