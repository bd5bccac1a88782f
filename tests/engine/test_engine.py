"""The Engine on its own: an assignment built in the test, graded through the engine every route
uses (engine/engine.py)."""

import os
import signal
import time

import pytest

from helpers import forkservers_left
from coursegrader.core import messages
from coursegrader.core.assignment import Question
from coursegrader.engine.assignment import Assignment, FirstUse, LoadedCheck, warm_up_of
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


MARK_FIRST_USE = "import sys, types\nsys.modules['first_use_ran'] = types.ModuleType('first_use_ran')\n"
BOTH_RAN = "def judge(probes, seen):\n    return None if seen == [True, True] else ('seen', repr(seen))\n"


def _first_use_assignment(first_use: str = MARK_FIRST_USE, lesson: tuple[str, ...] = ()) -> Assignment:
    check = HiddenCheck("test_warm", 1.0, None, None, PROBES, OBSERVE, BOTH_RAN)
    return Assignment([Question("warm", 1.0, False, ("test_warm",))],
                      [LoadedCheck(check, "warm", standalone(BOTH_RAN), {})], {}, None, False, "warm.ipynb", {},
                      warm_up=MARK_WARM_UP, first_use=FirstUse(first_use, ("vmap", "func")), lesson=lesson)


LESSON = ("lesson_ran = True",)
SEEN = "import sys\nseen = ['course_warm_up_ran' in sys.modules, 'first_use_ran' in sys.modules]\n"
NAMING = Notebook([CodeCell(1, LESSON[0], ()), CodeCell(2, SEEN + "# torch.vmap(f)", ())])
NOT_NAMING = Notebook([CodeCell(1, LESSON[0], ()), CodeCell(2, SEEN + "# function, vmapped", ())])


def _first_use_seen(graded) -> str:
    assert graded.status == "ok", graded.feedback
    return "both" if graded.scores == {"warm": 1.0} else "course only" if "[True, False]" in str(graded.feedback) else repr(graded)


@pytest.mark.slow
def test_a_submission_finds_the_first_use_set_up_run_only_if_its_code_names_it_alone_or_in_a_batch_in_any_order(course, tmp_path):
    """The course's first-use set-up (torch.func's) runs before a submission's process is forked
    only if that submission's code names one of the words, as a whole word: for one graded alone
    (Gradescope) in its server, in a batch in a server of its own forked from the batch's, from
    which only such submissions (and their lesson server) are forked. Either way the course's
    warm-up runs. A submission finds the same state alone and in a batch, in any order."""
    limits, seen = Limits.from_course(course), {}
    for name, notebook in (("naming", NAMING), ("not naming", NOT_NAMING)):
        with Engine(_first_use_assignment(), limits, alone=notebook) as engine:
            seen[f"alone, {name}"] = _first_use_seen(engine.grade(Submission("s", tmp_path / "unused"), tmp_path / name, notebook))
    for order in ((NOT_NAMING, NAMING, NOT_NAMING, NAMING), (NAMING, NOT_NAMING, NAMING, NOT_NAMING)):
        with Engine(_first_use_assignment(lesson=LESSON), limits, snapshot=True) as engine:
            for index, notebook in enumerate(order):
                graded = engine.grade(Submission(f"s{index}", tmp_path / "unused"), tmp_path / f"{id(order)}-{index}", notebook)
                seen.setdefault(f"batch, {'naming' if notebook is NAMING else 'not naming'}", set()).add(_first_use_seen(graded))
            assert engine.after_lesson == len(order)  # each from the lesson server of its kind
    assert seen == {"alone, naming": "both", "alone, not naming": "course only",
                    "batch, naming": {"both"}, "batch, not naming": {"course only"}}


@pytest.mark.slow
def test_a_first_use_set_up_that_fails_is_the_graders_fault_for_the_submissions_that_need_it_only(course, tmp_path):
    """A batch's first-use server whose set-up fails: a submission that names a word gets the
    grader's fault (graded again on the next run), one that does not is graded as ever."""
    with Engine(_first_use_assignment(first_use="raise RuntimeError('broken set-up')"), Limits.from_course(course)) as engine:
        naming = engine.grade(Submission("naming", tmp_path / "unused"), tmp_path / "naming", NAMING)
        not_naming = engine.grade(Submission("not naming", tmp_path / "unused"), tmp_path / "not-naming", NOT_NAMING)
    assert naming.status == "error" and "did not start" in naming.fault, naming
    assert _first_use_seen(not_naming) == "course only"


@pytest.mark.slow
def test_a_fork_server_killed_between_submissions_is_replaced_and_leaves_nothing(course, tmp_path):
    """A fork server that stopped (here killed from outside, with its first-use and lesson
    servers forked) is dropped with every server forked from it before the next submission: that
    one is graded from fresh servers, not given the grader's fault, and no server is left."""
    since = time.time()
    with Engine(_first_use_assignment(lesson=LESSON), Limits.from_course(course), snapshot=True) as engine:
        first = engine.grade(Submission("first", tmp_path / "unused"), tmp_path / "first", NAMING)
        os.kill(engine._server._process.pid, signal.SIGKILL)
        engine._server._process.wait(timeout=30)
        later = [engine.grade(Submission(name, tmp_path / "unused"), tmp_path / name, notebook)
                 for name, notebook in (("not naming", NOT_NAMING), ("naming", NAMING))]
        assert engine.after_lesson == 3
    assert [_first_use_seen(graded) for graded in (first, *later)] == ["both", "course only", "both"]
    deadline = time.monotonic() + 30
    while forkservers_left(since) and time.monotonic() < deadline:
        time.sleep(0.2)  # the killed server's children end once the grader closes their sockets
    assert not forkservers_left(since)


def test_a_first_use_word_counts_where_it_stands_whole_in_code():
    """The words are matched as whole words in the code cells: torch.func however it is reached
    by name, not `function` or `vmapped`; a batch's server (no notebook alone) leaves the set-up
    to the server forked for the submissions that name one."""
    first_use = FirstUse("set_up()", ("func", "vmap"))

    def alone(*sources: str) -> Notebook:
        return Notebook([CodeCell(number, source, ()) for number, source in enumerate(sources, 1)])

    for naming in ("torch.func.grad(f)(x)", "from torch import func", "getattr(torch, 'func')", "y = torch.vmap(f)(x)",
                   "import torch.func as F"):
        assert first_use.named_by(alone("x = 1", naming)), naming
        assert warm_up_of("import torch", first_use, alone(naming)) == "import torch\nset_up()"
    assert not first_use.named_by(alone("def function(f):\n    return functools.reduce(f, [])", "vmapped = 1", ""))
    assert warm_up_of("import torch", first_use, alone("vmapped = 1")) == "import torch"
    assert warm_up_of("import torch", first_use, None) == "import torch"
    assert warm_up_of("import torch", FirstUse(), None) == "import torch"


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


LOADS_ON_FIRST_USE = """import sys
deferred = [type(sys.modules[name]).__name__ for name in ('nbconvert', 'pandas', 'ipylab')]
import nbconvert, pandas
seen = [deferred, int(pandas.DataFrame({'a': [1, 2]})['a'].sum()), isinstance(nbconvert.export, object) and 'exporters' in dir(nbconvert)]
"""
LOADED_WHEN_USED = ("def judge(probes, seen):\n"
                    "    return None if seen == [['_Deferred'] * 3, 3, True] else ('seen', repr(seen))\n")


@pytest.mark.slow
def test_what_otter_imports_for_exporting_is_loaded_only_by_a_submission_that_uses_it(course, tmp_path):
    """The fork server defers nbconvert, pandas and ipylab (engine/deferred_imports.py): its
    submission's process finds them not yet run, and one that uses them gets the real libraries
    inside its walls."""
    check = HiddenCheck("test_used", 1.0, None, None, PROBES, OBSERVE, LOADED_WHEN_USED)
    assignment = Assignment([Question("used", 1.0, False, ("test_used",))],
                            [LoadedCheck(check, "used", standalone(LOADED_WHEN_USED), {})], {}, None, False, "used.ipynb", {})
    with Engine(assignment, Limits.from_course(course)) as engine:
        graded = engine.grade(Submission("s", tmp_path / "unused"), tmp_path / "grading", Notebook([CodeCell(1, LOADS_ON_FIRST_USE, ())]))
    assert graded.status == "ok" and graded.scores == {"used": 1.0}, graded.feedback


# A check's observe step that piles up memory in its own code (the notebook only sets a size).
PILES_UP = "def observe(env, probes):\n    piled = []\n    while True:\n        piled.append(bytearray(env['size']))\n"
NEVER_JUDGED = "def judge(probes, seen):\n    return ('seen', 'the observe step returned')\n"


@pytest.mark.slow
def test_a_check_whose_own_code_runs_out_of_memory_gets_the_time_or_memory_verdict(course, tmp_path):
    """Not "a name is missing or your code failed": running out of memory and out of time are
    one verdict, since which comes first depends on the machine."""
    check = HiddenCheck("test_piles", 1.0, None, None, PROBES, PILES_UP, NEVER_JUDGED)
    assignment = Assignment([Question("piles", 1.0, False, ("test_piles",))],
                            [LoadedCheck(check, "piles", standalone(NEVER_JUDGED), {})], {}, None, False, "piles.ipynb", {})
    with Engine(assignment, Limits.from_course(course, memory_mb=200)) as engine:
        graded = engine.grade(Submission("s", tmp_path / "unused"), tmp_path / "grading", Notebook([CodeCell(1, "size = 2**20", ())]))
    verdict = graded.feedback["test_piles"]
    assert graded.status == "ok", graded.message
    assert verdict.misconception == messages.CHECK_TIMEOUT_ID and "out of memory" in verdict.message, verdict


# An error whose message ends the process when read, raised inside a check's observe step.
EXITS_WHEN_READ = ("class Loud(Exception):\n    def __str__(self):\n        raise SystemExit(3)\n\n"
                   "def answer():\n    raise Loud()\n")
CALLS_ANSWER = "def observe(env, probes):\n    return env['answer']()\n"


@pytest.mark.slow
def test_an_error_whose_message_cannot_be_read_fails_its_check_and_the_next_one_is_judged(course, tmp_path):
    loud = HiddenCheck("test_loud", 1.0, None, None, PROBES, CALLS_ANSWER, NEVER_JUDGED)
    after = HiddenCheck("test_after", 1.0, None, None, PROBES, OBSERVE, JUDGE)
    assignment = Assignment([Question("loud", 1.0, False, ("test_loud",)), Question("after", 1.0, False, ("test_after",))],
                            [LoadedCheck(loud, "loud", standalone(NEVER_JUDGED), {}), LoadedCheck(after, "after", standalone(JUDGE), {})],
                            {}, None, False, "loud.ipynb", {})
    notebook = Notebook([CodeCell(1, EXITS_WHEN_READ + "seen = 'a,b\\n1,2\\n'", ())])
    with Engine(assignment, Limits.from_course(course)) as engine:
        graded = engine.grade(Submission("s", tmp_path / "unused"), tmp_path / "grading", notebook)
    assert graded.status == "ok", graded.message
    assert graded.feedback["test_loud"].misconception == messages.CANNOT_CHECK_ID
    assert graded.scores == {"loud": 0.0, "after": 1.0}, graded.feedback
