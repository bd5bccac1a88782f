"""Code that makes no progress is stopped, whatever its CPU share; code that computes never is.

A hidden check's call of the student's function that never returns ends that check (it fails
with the timeout message), not the submission: the questions after it are still judged. The
former wall-clock backstop fired only under 2% CPU, so a main thread deadlocked beside a helper
thread burning 5% of a CPU, or a call waiting in a loop of short system calls (about 6%), was
stopped only at the submission's limit and every later question was lost. Tested through real
grading runs, the local batch and the Gradescope zip's run_autograder, with short limits (3 s of
CPU per check and 4 s per cell: the backstop then comes after 9 and 12 s without progress), and
on a core shared with six busy processes, where code that computes gets a seventh of a CPU.

The module's grading runs (the local batch, the two zip runs, the crowded-core batch) are started
together, once, by the ``runs`` fixture: the stuck ones spend their time waiting for the backstop
and the crowded one on the one crowded core, so side by side they take about as long as the
longest of them. Each test asserts on its own run.
"""

import csv
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from coursegrader.core import messages
from coursegrader.core.notebooks import read
from gradescope_harness import gradescope_tree, results_of, run_autograder
from helpers import ASSIGNMENT, ROOT, busy, package_grade, with_answers

pytestmark = pytest.mark.slow

LIMITS = ("--timeout", "35", "--cell-timeout", "4", "--check-timeout", "3")

# my_control_flow as the solution has it, but stuck on the hidden inputs below -3 (the
# notebook's own call, at 0.2, returns)
SOLUTION_BODY = """
    y = x
    for _ in range(10):
        if y.abs() >= 1:
            break
        y = y * 3
    if y > 0:
        return y ** 2
    return torch.sin(y) - y
"""
BURNER = """
import os, threading, time
def burn():  # about 5% of a CPU: 5 ms of work every 100 ms
    while True:
        started = time.perf_counter()
        while time.perf_counter() - started < 0.005:
            pass
        time.sleep(0.095)
"""
STUCK = {
    "deadlock_beside_a_busy_thread": "threading.Thread(target=burn, daemon=True).start()\n"
                                     "        lock = threading.Lock()\n        lock.acquire()\n        lock.acquire()",
    "short_waits_in_system_calls": "while True:\n            time.sleep(0.0002)",
    "join_a_sleeping_thread": "worker = threading.Thread(target=time.sleep, args=(10**6,))\n"
                              "        worker.start()\n        worker.join()",
    "read_a_silent_pipe_beside_a_busy_thread": "threading.Thread(target=burn, daemon=True).start()\n"
                                               "        os.read(os.pipe()[0], 1)",
}
# a cell (right before e5's answer) that never ends, beside a busy thread
STUCK_CELL = BURNER + """
threading.Thread(target=burn, daemon=True).start()
lock = threading.Lock()
lock.acquire()
lock.acquire()
"""
# a cell that computes for 3.5 s of CPU, under its 4 s limit however long the machine makes it wait
COMPUTING_CELL = """
import time
started, spins = time.process_time(), 0
while time.process_time() - started < 3.5:
    spins += 1
"""


def stuck_answer(how: str) -> str:
    return (BURNER + "\nimport torch\n\ndef my_control_flow(x):\n    if x < -3:\n        " + STUCK[how] + "\n"
            + SOLUTION_BODY + "\nx = torch.tensor(0.2, requires_grad=True)\ny = my_control_flow(x)\ny.backward()\nx.grad\n")


def before_e5(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    notebook = nbformat.from_dict(notebook)
    at = next(i for i, cell in enumerate(notebook.cells) if "e5" in cell.get("metadata", {}).get("tags", []))
    notebook.cells.insert(at, nbformat.v4.new_code_cell(source))
    return notebook


def cases(course) -> dict[str, nbformat.NotebookNode]:
    solution = read(course.solution(ASSIGNMENT))
    found = {f"check_{how}": with_answers(solution, {"e4a": stuck_answer(how)}) for how in STUCK}
    found["cell_deadlock_beside_a_busy_thread"] = before_e5(solution, STUCK_CELL)
    return found


# through the zip too: the two the former backstop missed (a helper thread at 5%, short system calls)
ZIP_ROUTE = ["check_deadlock_beside_a_busy_thread", "check_short_waits_in_system_calls"]


def _local_batch(course, where):
    folder = where / "in"
    folder.mkdir()
    for name, notebook in cases(course).items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
    return package_grade([folder], where / "grades", *LIMITS, "--workers", "2")


def _on_the_zip(course, where, name):
    """(run_autograder's exit code, results.json) of one case through the zip."""
    root = gradescope_tree(where / name, course.autograder(ASSIGNMENT),
                           {"mine.ipynb": nbformat.writes(cases(course)[name]).encode()})
    return run_autograder(root, *LIMITS).returncode, results_of(root)


def _on_a_crowded_core(course, where):
    """(the grade command's run, its grades.csv row, the submission's graded.json) of a notebook
    whose cell pins itself to a core with six busy processes and computes for 3.5 s of CPU."""
    folder = where / "in"
    folder.mkdir()
    core = max(os.sched_getaffinity(0))
    pinned = f"import os\nos.sched_setaffinity(0, {{{core}}})\n" + COMPUTING_CELL
    nbformat.write(before_e5(read(course.solution(ASSIGNMENT)), pinned), folder / "computes.ipynb")
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade",
               str(folder), "--out", str(where / "out"), "--timeout", "300", "--cell-timeout", "4"]
    with busy(core, processes=6):
        completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if completed.returncode != 0:
        return completed, None, None
    with open(where / "out" / "grades.csv", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    return completed, row, json.loads((where / "out" / "results" / "computes" / "graded.json").read_text())


@pytest.fixture(scope="module")
def runs(course, tmp_path_factory) -> dict:
    """Every grading run of the module, started at once; each test takes its own run's result
    (``.result()`` raises there whatever went wrong in that run)."""
    local, crowded, on_the_zip = (tmp_path_factory.mktemp(name) for name in ("no-progress", "crowded", "no-progress-zip"))
    with ThreadPoolExecutor(2 + len(ZIP_ROUTE)) as pool:
        started = {"local": pool.submit(_local_batch, course, local),
                   "crowded": pool.submit(_on_a_crowded_core, course, crowded),
                   **{name: pool.submit(_on_the_zip, course, on_the_zip, name) for name in ZIP_ROUTE}}
    return started  # the pool has waited for every run


@pytest.fixture(scope="module")
def local_batch(runs):
    return runs["local"].result()


@pytest.mark.parametrize("how", STUCK)
def test_a_check_whose_call_never_returns_fails_that_check_and_the_later_questions_are_judged(local_batch, points, how):
    row = local_batch[f"check_{how}"]
    assert row["status"] == "ok", row
    assert {q: float(row[q]) for q in points} == {q: 0 if q == "e4a" else p for q, p in points.items()}, row
    verdicts = (local_batch.out / "results" / f"check_{how}" / "results.json").read_text(encoding="utf-8")
    assert messages.CHECK_TIMEOUT.format(seconds=3)[:20] in verdicts  # the check says it ran out of time


def test_a_cell_that_never_ends_is_stopped_and_the_later_questions_are_judged(local_batch, points):
    row = local_batch["cell_deadlock_beside_a_busy_thread"]
    assert row["status"] == "cell-timeout" and float(row["total"]) == sum(points.values()), row


def test_on_the_gradescope_zip_route(runs, points):
    for name in ZIP_ROUTE:
        returncode, result = runs[name].result()
        assert returncode == 0, name
        assert result["extra_data"]["status"] == "ok", (name, result["output"])
        scores = {test["name"]: test["score"] for test in result["tests"] if test["name"] in points}
        assert scores == {q: 0 if q == "e4a" else p for q, p in points.items()}, (name, scores)


def test_code_that_computes_on_a_crowded_core_is_never_stopped_for_wall_time(runs, points):
    """The submission's process pins itself to a core with six busy processes: the cell gets
    about a seventh of a CPU, so its 3.5 s of CPU take over 20 s of wall time, past the
    backstop's 12 s (three times its 4 s limit). The time it waited for the CPU is not counted:
    it is not stopped. (Only the submission is crowded: the grader's start-up is not the subject.)"""
    completed, row, record = runs["crowded"].result()
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert row["status"] == "ok" and float(row["total"]) == sum(points.values()), (row, record)
    assert record["phases"]["cells"] > 20, record["phases"]  # the cells did take longer than the backstop
