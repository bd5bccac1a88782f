"""Time limits in hidden checks stop runaway code, never a right answer.

Each call of student code in a hidden check gets 10 s of CPU time (its own timer, ITIMER_VIRTUAL),
and one-time set-up (the first torch.func call imports torch._dynamo) happens before any limit.
Tested with real processes: a fresh Jupyter kernel confined to one core that two busy processes
share (a third of a CPU), and loops that never end."""

import json
import os
import subprocess
import sys
import zipfile

import nbformat
import pytest

from helpers import ASSIGNMENT, busy
from corpus import inprocess

TORCH_FUNC_ANSWER = ("def second_derivative(f, x):\n    from torch.func import grad, vmap\n"
                     "    return vmap(grad(grad(f)))(x.detach())")

# Runs in the kernel, as otter's grading runs a question's tests there: the hidden test of the
# test file on the notebook's globals, alone (the public test would make the first call to
# second_derivative, outside any limit, so it goes first on no route that skips it); prints the
# points and the hidden test's message.
GRADE_IN_KERNEL = """\
import json
from otter.test_files import ExceptionTestFile
tests = ExceptionTestFile.from_file("e1a.py")
tests.test_cases = [case for case in tests.test_cases if case.hidden]
tests.run(globals())
print(json.dumps({"score": tests.score, "messages": [r.message for r in tests.test_case_results]}))
"""

# Executes a notebook in a fresh kernel started from this process (the kernel inherits its CPU affinity).
EXECUTE = """\
import sys
import nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(notebook, sys.argv[1])
"""




@pytest.mark.slow
def test_a_torch_func_answer_passes_in_a_fresh_kernel_on_a_core_shared_with_two_busy_processes(course, tmp_path):
    """The first vmap(grad(grad(f))) call in a process imports torch._dynamo, about 2 s of CPU (5 s
    and more of wall time here). Under the former wall-clock limit of 2 s this answer scored 0
    ("calling second_derivative raised an error"): the alarm interrupted that import half-way and
    every later call failed on the half-imported modules."""
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        (tmp_path / "e1a.py").write_bytes(archive.read("tests/e1a.py"))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch\n\n" + TORCH_FUNC_ANSWER),
                                               nbformat.v4.new_code_cell(GRADE_IN_KERNEL)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "grade.ipynb"
    nbformat.write(notebook, str(path))
    core = max(os.sched_getaffinity(0))
    with busy(core):
        subprocess.run(["taskset", "-c", str(core), sys.executable, "-c", EXECUTE, str(path), str(tmp_path)],
                       check=True, capture_output=True, timeout=900)
    (output,) = [o for o in nbformat.read(str(path), as_version=4).cells[1].outputs if o.get("name") == "stdout"]
    result = json.loads(output["text"])
    assert result["score"] == 2, result["messages"]


@pytest.mark.slow
def test_a_loop_that_never_ends_is_stopped_and_reported_as_running_over_the_limit(course, tmp_path):
    """The answer never ends on the hidden inputs (it passes the public example) and its loop
    swallows ordinary exceptions; the check stops it after 10 s of CPU time and says so, instead
    of calling the answer wrong or hanging."""
    endless = ("def second_derivative(f, x):\n    while len(x) > 2:\n        try:\n            x = x + 0\n"
               "        except Exception:\n            pass\n    return torch.tensor([6.0, 12.0])")
    env = {"__name__": "__main__"}
    exec("import torch\n" + endless, env)
    (outcome,) = inprocess.grade(env, {"e1a": inprocess.test_sources(course.autograder(ASSIGNMENT))["e1a"]}, tmp_path).values()
    assert outcome.score == 0
    (message,) = outcome.hidden_messages
    assert "运行超过 10 秒 CPU 时间" in message and "ran over 10 s of CPU time" in message


# Runs in a fresh interpreter: each hidden check that warms up, observed on answers that raise at
# once, counting torch.func.vmap calls (the answers make none: every one is the warm-up's).
COUNT_WARM_UPS = r"""
import json, sys
import torch
from coursegrader.engine.checks import standalone
if sys.argv[1] == "warm":
    exec(sys.argv[2], {"__name__": "warm_up"})  # as the grader's warm process does before a submission that names torch.func
vmap, calls = torch.func.vmap, []
torch.func.vmap = lambda *args, **kwargs: (calls.append(1), vmap(*args, **kwargs))[1]
def raises(*args):
    raise ValueError("no answer")
env = {"second_derivative": raises, "control_flow_grad": raises, "my_control_flow": raises}
if sys.argv[3] != "none":
    env["In"] = json.loads(sys.argv[3])  # the cells IPython ran
counts = []
for probes, observe in json.load(sys.stdin):
    before = len(calls)
    standalone(observe)(env, json.loads(json.dumps(standalone(probes)())))
    counts.append(len(calls) - before)
print(json.dumps(counts))
"""


@pytest.mark.slow
def test_the_one_time_set_up_is_done_once_per_process_and_only_for_cells_that_name_it(course):
    """A check's warm-up (torch.func's first calls, before any limit) runs where torch.func's
    one-time modules are not loaded yet and the cells the process ran name one of the course's
    FIRST_USE_WORDS (or are not known), and only there: not again in a later check of the same
    process, not in a process forked from the grader's first-use server (it ran the set-up),
    not after cells that never name torch.func (a submission graded alone is not warmed for it)."""
    from coursegrader.engine.checks import hidden_checks

    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        checks = [check for name in archive.namelist() if name.startswith("tests/")
                  for check in hidden_checks(archive.read(name).decode(), name) if "def warm_up" in check.observe_source]
    assert len(checks) >= 3  # e1a, e3c, e4a
    parts = json.dumps([[check.probes_source, check.observe_source] for check in checks])

    def counts(state: str, ran: list[str] | None = None) -> list[int]:
        warm_up = f"{course.FORK_SERVER_WARM_UP}\n{course.FIRST_USE_WARM_UP}"
        done = subprocess.run([sys.executable, "-c", COUNT_WARM_UPS, state, warm_up, "none" if ran is None else json.dumps(ran)],
                              input=parts, capture_output=True, text=True, timeout=600, check=True)
        return json.loads(done.stdout)

    once = [1] + [0] * (len(checks) - 1)
    assert [min(n, 1) for n in counts("fresh")] == once
    named = ["", "import torch", "def second_derivative(f, x):\n    return torch.func.vmap(torch.func.grad(torch.func.grad(f)))(x)"]
    assert [min(n, 1) for n in counts("fresh", named)] == once
    assert counts("fresh", ["", "import torch", "x = torch.ones(3, requires_grad=True)", "def function(x): pass"]) == [0] * len(checks)
    assert counts("warm") == [0] * len(checks)
