"""One notebook, one score and one set of messages: every time it is graded, on every route, by
any number of workers (the contract's "When and how long a question is judged").

The notebook is one a verdict could follow the random number generator in: its e4a answer picks
one of three branches from `torch.rand` (a path that does not follow x: 0 points by the contract),
and a cell before it seeds every generator from the clock, as students do, so each grading starts
the check from another random state unless the grader fixes it. Twenty copies are graded in one
batch with one worker and with two, on a two-worker Dask cluster, and twice through the autograder
zip run as Gradescope runs it (those five runs two at a time); every copy must get the contract's
scores and the same messages."""

import json
import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from gradescope_harness import grade_on_gradescope
from helpers import ASSIGNMENT, package_grade, with_answers
from coursegrader.core.notebooks import read

pytestmark = pytest.mark.slow

COPIES = 20
ZIP_RUNS = 2
# Three branches drawn at random: the same x takes any of them. Graded without a fixed random
# state, e4a's probes see the three paths in a different pattern each time, and about half the
# time too few probes keep one path across their finite-difference steps: 4 points or 0.
RANDOM_BRANCHES = """
def my_control_flow(x):
    r = torch.rand(())
    if r < 0.5:
        return x ** 2
    if r < 0.75:
        return x ** 3
    return torch.sin(x)
"""
CLOCK_SEED = """
import random, time
import numpy as np
torch.manual_seed(time.time_ns() % 2**32)  # a different state every run
random.seed(time.time_ns())
np.random.seed(time.time_ns() % 2**32)
"""
FEEDBACK = "the path follows a random number"


@pytest.fixture(scope="module")
def notebook_bytes(course) -> bytes:
    solution = read(course.solution(ASSIGNMENT))
    notebook = with_answers(solution, {"e4a": CLOCK_SEED + RANDOM_BRANCHES})
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nbformat.writes(notebook).encode()


@pytest.fixture(scope="module")
def copies(notebook_bytes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("copies")
    for index in range(COPIES):
        (folder / f"copy-{index:02d}.ipynb").write_bytes(notebook_bytes)
    return folder


def _verdicts(results: dict) -> tuple:
    """What a student is told: each test's name, score and message (not the time it took)."""
    return tuple((test["name"], test.get("score"), test.get("output", "")) for test in results["tests"])


def _batch(grades) -> dict[str, tuple]:
    found = {}
    for name, row in grades.items():
        assert row["status"] == "ok", (name, row["error"])
        found[name] = _verdicts(json.loads((grades.out / "results" / name / "results.json").read_text(encoding="utf-8")))
    assert len(found) == COPIES
    return found


def test_one_notebook_graded_many_times_on_every_route_gets_one_score_and_one_set_of_messages(copies, notebook_bytes, course,
                                                                                             points, tmp_path):
    from distributed import LocalCluster

    def local(workers):
        return _batch(package_grade([copies], tmp_path / f"local-{workers}", "--workers", workers))

    def on_dask(scheduler):
        return _batch(package_grade([copies], tmp_path / "dask", "--scheduler", scheduler))

    def on_the_zip(run):
        root = tmp_path / f"zip-{run}"
        verdicts = _verdicts(grade_on_gradescope(root, course.autograder(ASSIGNMENT), {"hw.ipynb": notebook_bytes}))
        shutil.rmtree(root)
        return verdicts

    seen = {}
    # the routes' runs two at a time, as the route tests run theirs (each run is one grading command)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster, \
            ThreadPoolExecutor(max_workers=2) as pool:
        dask = pool.submit(on_dask, cluster.scheduler_address)
        batches = {workers: pool.submit(local, workers) for workers in ("1", "2")}
        zips = [pool.submit(on_the_zip, run) for run in range(ZIP_RUNS)]
        for workers, batch in batches.items():
            for name, verdicts in batch.result().items():
                seen[f"local batch, {workers} worker(s), {name}"] = verdicts
        for name, verdicts in dask.result().items():
            seen[f"Dask, {name}"] = verdicts
        for run, verdicts in enumerate(zips):
            seen[f"autograder zip, run {run}"] = verdicts.result()
    kinds = {}
    for where, verdicts in seen.items():
        kinds.setdefault(verdicts, []).append(where)
    assert len(kinds) == 1, "graded differently:\n" + "\n".join(
        f"{len(places)} time(s), e.g. {places[0]}: {verdicts}" for verdicts, places in kinds.items())
    (verdicts,) = kinds
    scores = {name: score for name, score, _ in verdicts if name in points}
    assert scores == {**points, "e4a": 0}  # a path that follows a random number is not control flow on x
    assert FEEDBACK in dict((name, output) for name, _, output in verdicts)["e4a"]
