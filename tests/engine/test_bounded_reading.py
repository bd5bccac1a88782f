"""The grader's reading of a submission's code (a hidden test's inspect step) is bounded: it runs
in a child process with capped memory and CPU time (coursegrader/engine/inspection.py), and the
course's e5 reading is linear in strings that double and counts its steps. Hitting a bound is a
verdict about that submission ("too complex to check"), never a grader failure, on every route.
Fine grids for e5 (125,664 and 1,000,000 points) pass on every route (issue 23.3)."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from coursegrader.core.notebooks import read
from coursegrader.engine import inspection
from gradescope_harness import grade_on_gradescope
from helpers import ASSIGNMENT, answers_of, with_answers
from hostile_cases import evidence_cases, evidence_notebook
from test_nbgrader import course_copy, generated, nbgrader, nbgrader_points, read_questions, submit  # noqa: F401 - generated is a fixture

ROUTE_CASES = {"e5_doubling_empty": 5, "e5_doubling_huge": 0, "e5_grid_125664": 5, "e5_grid_million": 5}


@pytest.mark.parametrize("source, expected", [
    ("def inspect(cells):\n    while True:\n        pass", inspection.TOO_COMPLEX),
    ("def inspect(cells):\n    return len('x' * 10 ** 10)", inspection.TOO_COMPLEX),
    ("def inspect(cells):\n    return inspect(cells)", inspection.TOO_COMPLEX),
    ("def inspect(cells):\n    raise ValueError('odd')", None),
    ("def inspect(cells):\n    return {'cells': len(cells), 'found': []}", {"cells": 2, "found": []}),
])
def test_a_reading_that_runs_out_of_its_bounds_is_too_complex(monkeypatch, source, expected):
    monkeypatch.setattr(inspection, "CPU_SECONDS", 2)
    started = time.monotonic()
    assert inspection.inspect_cells(source, [{"source": "x = 1", "tags": []}] * 2) == expected
    assert time.monotonic() - started < 60  # bounded by the child's CPU limit, whatever the load


HONEST = "def inspect(cells):\n    return {'cells': len(cells)}"


def _cells(count):
    return [{"source": "x = 1", "tags": []}] * count


def test_readings_are_forked_by_one_server_that_outlives_readings_out_of_bounds(monkeypatch):
    """Each reading is a fresh child of the grader process's reading server: a child that ran out
    of memory or CPU time takes nothing with it, and a killed server is replaced at the next reading."""
    monkeypatch.setattr(inspection, "CPU_SECONDS", 2)
    assert inspection.inspect_cells(HONEST, _cells(1)) == {"cells": 1}
    server = inspection._server._process
    for source in ("def inspect(cells):\n    return len('x' * 10 ** 10)", "def inspect(cells):\n    while True:\n        pass"):
        assert inspection.inspect_cells(source, _cells(1)) == inspection.TOO_COMPLEX
        assert inspection.inspect_cells(HONEST, _cells(3)) == {"cells": 3}
    assert inspection._server._process is server and server.poll() is None
    server.kill()
    server.wait()
    assert inspection.inspect_cells(HONEST, _cells(4)) == {"cells": 4}
    assert inspection._server._process is not server


def test_a_reading_that_waits_is_stopped_by_the_wall_clock_backstop(monkeypatch):
    monkeypatch.setattr(inspection, "WALL_SECONDS", 2)
    source = "def inspect(cells):\n    import time\n    time.sleep(600)\n"  # no CPU time: the rlimit never fires
    started = time.monotonic()
    assert inspection.inspect_cells(source, _cells(1)) == inspection.TOO_COMPLEX
    assert time.monotonic() - started < 30


def test_readings_from_many_threads_each_get_their_own_answer():
    answers = {}

    def read(count):
        answers[count] = inspection.inspect_cells(HONEST, _cells(count))

    threads = [threading.Thread(target=read, args=(count,)) for count in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {count: {"cells": count} for count in range(1, 9)}


def test_without_a_reading_server_each_reading_starts_its_own_child(monkeypatch):
    monkeypatch.setattr(inspection._server, "fork", lambda job, source: None)
    assert inspection.inspect_cells(HONEST, _cells(2)) == {"cells": 2}
    assert inspection.inspect_cells("def inspect(cells):\n    return len('x' * 10 ** 10)", _cells(1)) == inspection.TOO_COMPLEX


def test_the_reading_server_defines_each_inspect_once(tmp_path):
    """The server compiles a test's inspect once, before it forks: its children only call it. (A
    default argument is evaluated where the def runs: here it counts the definitions.)"""
    source = f"def inspect(cells, _=__import__('tempfile').mkstemp(dir={str(tmp_path)!r})):\n    return {{'cells': len(cells)}}"
    assert [inspection.inspect_cells(source, _cells(n)) for n in (1, 2, 3)] == [{"cells": 1}, {"cells": 2}, {"cells": 3}]
    assert len(list(tmp_path.iterdir())) == 1
    broken = "def inspect(cells):\n    return (("
    assert inspection.inspect_cells(broken, _cells(1)) is None  # fails in each child, as it would alone


def _notebooks(course, folder):
    """The route cases on the release (nbgrader's grade cells are the release's), answered as the solution."""
    release, solution = read(course.release(ASSIGNMENT)), read(course.solution(ASSIGNMENT))
    solution = with_answers(release, answers_of(solution, [q.name for q in read_questions(course)]))
    paths = {}
    for name, (answers, before, after, _) in evidence_cases().items():
        if name in ROUTE_CASES:
            paths[name] = folder / f"{name}.ipynb"
            nbformat.write(evidence_notebook(solution, answers, before, after), paths[name])
    return paths


@pytest.mark.slow
def test_the_zips_run_autograder_reads_bounded_and_takes_fine_grids(course, tmp_path):
    """The notebooks that hung a Gradescope run (no results.json) or built a 4.3 GB string get
    results.json with e5 decided; fine grids get e5's 5 points. One run per notebook, two at a
    time (one per core)."""
    notebooks = _notebooks(course, tmp_path)

    def run(name):
        return grade_on_gradescope(tmp_path / f"gs-{name}", course.autograder(ASSIGNMENT),
                                   {"autograd.ipynb": notebooks[name].read_bytes()}, "--timeout", "200")

    with ThreadPoolExecutor(max_workers=2) as pool:
        graded = dict(zip(notebooks, pool.map(run, notebooks)))
    for name, results in graded.items():
        scores = {test["name"]: test["score"] for test in results["tests"]}
        assert scores["e5"] == ROUTE_CASES[name], (name, json.dumps(results)[:2000])
        assert scores["e3b"] == 2, name


@pytest.mark.slow
def test_nbgrader_reads_bounded_and_takes_fine_grids(course, generated, tmp_path):  # noqa: F811
    root = course_copy(generated, tmp_path / "course")
    for name, path in _notebooks(course, tmp_path).items():
        submit(root, name, path)
    nbgrader(root, "autograde", ASSIGNMENT)
    for name, expected in ROUTE_CASES.items():
        assert nbgrader_points(root, name)["e5"] == expected, name
