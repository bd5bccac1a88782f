"""Running out of memory inside a hidden check is that check's "limit" verdict, the same as
running out of CPU time: which of the two a runaway answer meets first depends on the machine,
and where the memory runs out (in the answer, or in the check's own steps just after it) on the
moment. The real hidden tests, under a memory limit small enough that each runaway answer fills
it within seconds; and, through the engine, a check whose own code runs out of memory gets the
grader's time-or-memory verdict, not "a name is missing"."""

import json
import subprocess
import sys

import pytest

from corpus import inprocess
from helpers import ASSIGNMENT
from coursegrader.core import messages
from coursegrader.core.assignment import Question
from coursegrader.engine.assignment import Assignment, LoadedCheck
from coursegrader.engine.checks import HiddenCheck, standalone
from coursegrader.engine.engine import Engine
from coursegrader.engine.sandbox import Limits
from coursegrader.inputs.nbreader import CodeCell
from coursegrader.inputs.submissions import Notebook, Submission

SMALL_MEMORY_MB = 200

# Each loops forever, its autograd graph growing by a node an iteration, so memory runs out long
# before the check's 10 s of CPU time.
RUNAWAY = {
    "e1a": "def second_derivative(f, x):\n    y = f(x)\n    while True:\n        y = y * 2 + x\n",
    "e1b": "def count_graph_nodes(t):\n    y = t\n    while True:\n        y = y * 2\n",
    "e3c": "def control_flow_grad(a):\n    b = a.clone().requires_grad_()\n    y = b\n    while True:\n        y = y * 2\n",
    # the traced check: a node an iteration, and the trace's own bookkeeping besides
    "e4a": "def my_control_flow(x):\n    y = x\n    while y.abs() < 1:  # never ends at x = 0\n        y = y * 2\n"
           "    return y ** 2 if y > 0 else -y\n",
}

# One question's hidden test from the zip, called as otter's runner calls it, on one answer, with `extra` MB of
# address space left above what the process holds when the call starts.
UNDER_A_LIMIT = r"""
import json, resource, sys
import numpy, torch  # loaded before the limit, as the fork server loads them
source, answer, extra = sys.stdin.read().split("\0")
test_namespace, env = {}, {"In": []}
exec(compile(source, "hidden_test.py", "exec"), test_namespace)
exec(answer, env)
(hidden,) = [case for case in test_namespace.values() if getattr(case, "hidden", False) is True]
held = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
_, hard = resource.getrlimit(resource.RLIMIT_AS)
resource.setrlimit(resource.RLIMIT_AS, (held + int(extra) * 2**20, hard))
try:
    hidden.test_func(env)
    outcome = {"passed": True, "message": ""}
except AssertionError as failed:
    outcome = {"passed": False, "message": str(failed)}
except BaseException as error:
    outcome = {"passed": False, "message": f"escaped: {type(error).__name__}"}
resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
print(json.dumps(outcome))
"""


def _under_a_limit(source: str, answer: str, extra_mb: int) -> dict:
    completed = subprocess.run([sys.executable, "-c", UNDER_A_LIMIT], input="\0".join([source, answer, str(extra_mb)]),
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("extra_mb", [64, SMALL_MEMORY_MB])
@pytest.mark.parametrize("question", sorted(RUNAWAY))
def test_a_runaway_answer_that_runs_out_of_memory_gets_its_check_s_limit_verdict(course, question, extra_mb):
    """The hidden test as shipped; before its failed call let go of the runaway's frames, the
    traced check (e4a) ran out of memory again while reporting it, and the error escaped."""
    outcome = _under_a_limit(inprocess.test_sources(course.autograder(ASSIGNMENT))[question], RUNAWAY[question], extra_mb)
    assert not outcome["passed"] and "out of memory" in outcome["message"] and "用尽了内存" in outcome["message"], outcome


# A check's observe step that piles up memory in its own code (the answer only hands it a size).
PILES_UP = "def observe(env, probes):\n    piled = []\n    while True:\n        piled.append(bytearray(env['size']))\n"
NEVER = "def judge(probes, seen):\n    return ('seen', 'the observe step returned')\n"


@pytest.mark.slow
def test_a_check_whose_own_code_runs_out_of_memory_gets_the_time_or_memory_verdict(course, tmp_path):
    check = HiddenCheck("test_piles", 1.0, None, None, "def probes():\n    return {}\n", PILES_UP, NEVER)
    assignment = Assignment([Question("piles", 1.0, False, ("test_piles",))],
                            [LoadedCheck(check, "piles", standalone(NEVER), {})], {}, None, False, "piles.ipynb", {})
    with Engine(assignment, Limits.from_course(course, memory_mb=SMALL_MEMORY_MB)) as engine:
        graded = engine.grade(Submission("s", tmp_path / "unused"), tmp_path / "grading",
                              Notebook([CodeCell(1, "size = 2**20", ())]))
    verdict = graded.feedback["test_piles"]
    assert graded.status == "ok", graded.message
    assert verdict.misconception == messages.CHECK_TIMEOUT_ID, verdict
    assert "out of memory" in verdict.message
