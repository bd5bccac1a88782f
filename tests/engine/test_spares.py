"""Each submission's process is forked ahead of its request (a spare of the fork server or of the
lesson server) and still holds nothing of anyone else: one socket, its own conversation with the
grader, and no other submission's."""

import json

import pytest

from coursegrader.core.assignment import Question
from coursegrader.engine.assignment import Assignment, LoadedCheck
from coursegrader.engine.checks import HiddenCheck, standalone
from coursegrader.engine.engine import Engine
from coursegrader.engine.sandbox import Limits
from coursegrader.inputs.nbreader import CodeCell
from coursegrader.inputs.submissions import Notebook, Submission

LESSON = ("import otter\ngrader = otter.Notebook()", "lesson_value = 1")
OPEN_FILES = """
import os
_open = []
for fd in os.listdir("/proc/self/fd"):
    try:
        _open.append(os.readlink(f"/proc/self/fd/{fd}").split("[")[0])
    except OSError:  # the folder listing's own descriptor, closed since
        pass
"""
PROBES = "def probes():\n    return {}\n"
OBSERVE = "def observe(env, probes):\n    return {'open': env['_open'], 'pid': __import__('os').getpid()}\n"
JUDGE = "def judge(probes, seen):\n    import json\n    return ('open', json.dumps([seen['open'], seen['pid']]))\n"


@pytest.fixture(scope="module")
def engine(course):
    check = HiddenCheck("test_open", 1.0, None, None, PROBES, OBSERVE, JUDGE)
    assignment = Assignment([Question("q", 1.0, False, ("test_open",))], [LoadedCheck(check, "q", standalone(JUDGE), {})],
                            {}, 42, False, "q.ipynb", {}, warm_up="", lesson=LESSON)
    with Engine(assignment, Limits.from_course(course), snapshot=True) as engine:
        yield engine


@pytest.mark.slow
def test_a_submission_process_holds_its_own_socket_and_no_other(engine, tmp_path):
    after_lesson = Notebook([CodeCell(i + 1, source, ()) for i, source in enumerate((*LESSON, OPEN_FILES))])
    fresh = Notebook([CodeCell(1, LESSON[0], ()), CodeCell(2, OPEN_FILES, ())])
    seen = []
    for index, notebook in enumerate([after_lesson, fresh, after_lesson, fresh, after_lesson]):
        graded = engine.grade(Submission(f"s{index}", tmp_path / "unused"), tmp_path / f"s{index}", notebook)
        assert graded.status == "ok", graded.message
        seen.append(json.loads(graded.feedback["test_open"].message))
    assert engine.after_lesson == 3
    for open_files, _ in seen:
        assert [name for name in open_files if name == "socket:"] == ["socket:"], open_files
    assert len({pid for _, pid in seen}) == len(seen)
