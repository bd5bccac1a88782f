"""A second course proves the engine holds nothing of the first: tests/courses/tensors (D2L zh 2.1,
tensors: three autograded questions and a written one, its own master notebook, hidden tests and
course_config.py) is copied to a temporary folder, built there with `python -m coursegrader
--course-root <copy> build`, and its samples are graded on every route: locally, on a Dask
cluster, by the autograder zip's own run_autograder, and by `nbgrader autograde`. Each route must
give the points samples/tensors/expected.json names, question by question, so all four agree.

The build reads two files of the course root besides the course's own: requirements.txt (the
pins of the grading image) and pyproject.toml (the package's dependencies it installs); the copy
takes them from this repository, as a course kept in its own repository would hold them."""

import csv
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from gradescope_harness import grade_on_gradescope
from helpers import ROOT
from coursegrader.build.nbgrader_release import CONFIG_OPTION
from coursegrader.core.assignment import questions_of
from coursegrader.core.autograder_zip import read_manifest
from coursegrader.core.config import load_course

FIXTURE = Path(__file__).resolve().parents[1] / "courses" / "tensors"
ASSIGNMENT = "tensors"
READ_FROM_THE_COURSE_ROOT = ("requirements.txt", "pyproject.toml")  # by the build, besides course_config.py
EXPECTED = {name: case for name, case in json.loads((FIXTURE / "samples" / ASSIGNMENT / "expected.json").read_text()).items()
            if not name.startswith("_")}
QUESTIONS = ["grid", "broadcast", "inplace"]  # autograded, in notebook order; "memory" is written
UPLOAD_NAMES = {"full_marks": "作业 final (1).ipynb"}  # Gradescope takes the one notebook, whatever it is called

pytestmark = pytest.mark.slow


def _environment() -> dict:
    """This checkout's package for every command, and this environment's tools (nbgrader runs `alembic`)."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _run(command: list[str], cwd: Path, timeout: float = 600) -> str:
    completed = subprocess.run(command, cwd=cwd, env=_environment(), capture_output=True, text=True, timeout=timeout)
    assert completed.returncode == 0, f"{' '.join(command[:6])} ... failed:\n{completed.stderr[-3000:]}"
    return completed.stdout + completed.stderr


def _coursegrader(root: Path, *args: str) -> str:
    return _run([sys.executable, "-m", "coursegrader", "--course-root", str(root), *args], cwd=root)


def _nbgrader(root: Path, *args: str) -> str:
    return _run([sys.executable, "-m", "nbgrader", *args, CONFIG_OPTION], cwd=root)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture course, copied and built in a temporary folder."""
    root = tmp_path_factory.mktemp("second-course") / "tensors-course"
    shutil.copytree(FIXTURE, root)
    for name in READ_FROM_THE_COURSE_ROOT:
        shutil.copy(ROOT / name, root / name)
    _coursegrader(root, "build")
    return load_course(root)


def _from_grades_folder(out: Path) -> dict[str, dict]:
    """Scores per question (grades.csv) and failed checks' misconception ids (each results.json)."""
    with open(out / "grades.csv", encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    return {sample: {"status": row["status"], "scores": {q: float(row[q]) for q in QUESTIONS},
                     "misconceptions": _misconceptions(json.loads((out / "results" / sample / "results.json").read_text()))}
            for sample, row in rows.items()}


def _misconceptions(results: dict) -> list[str]:
    return sorted(failed["misconception"] for test in results["tests"] for failed in test["extra_data"].get("failed", []))


def _local(built, out: Path) -> dict:
    _coursegrader(built.root, "grade", "--out", str(out))  # the course's samples/tensors by default
    return _from_grades_folder(out)


def _on_dask(built, out: Path, cluster) -> dict:
    _coursegrader(built.root, "grade", "--out", str(out), "--scheduler", cluster.scheduler_address)
    assert len(cluster.scheduler_info["workers"]) == 2
    return _from_grades_folder(out)


def _on_the_zip(built, workdir: Path, sample: str) -> dict:
    """One sample through the zip's own run_autograder, with the package the zip bundles."""
    upload = {UPLOAD_NAMES.get(sample, f"{sample}.ipynb"): (built.samples(ASSIGNMENT) / f"{sample}.ipynb").read_bytes()}
    results = grade_on_gradescope(workdir / sample, built.autograder(ASSIGNMENT), upload)
    return {"status": results["extra_data"]["status"],
            "scores": {t["name"]: t["score"] for t in results["tests"] if t["name"] in QUESTIONS},
            "misconceptions": _misconceptions(results)}


def _by_nbgrader(built, root: Path) -> dict:
    """The samples autograded by nbgrader's own command in a copy of the built course."""
    shutil.copytree(built.root, root)
    released = built.release(ASSIGNMENT).read_bytes()
    _nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")  # nbgrader's database learns the assignment
    assert built.at(root).release(ASSIGNMENT).read_bytes() == released  # nbgrader's release is the build's
    for sample in EXPECTED:
        folder = root / "submitted" / sample / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copy(built.samples(ASSIGNMENT) / f"{sample}.ipynb", folder / f"{ASSIGNMENT}.ipynb")
    log = _nbgrader(root, "autograde", ASSIGNMENT)
    assert log.count("coursegrader: ") == len(EXPECTED), log[-3000:]  # one engine verdict per notebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {sample: {"scores": {grade.name: grade.auto_score for grade in
                                    gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, sample).grades
                                    if grade.name in QUESTIONS}}
                for sample in EXPECTED}


@pytest.fixture(scope="module")
def routes(built, tmp_path_factory) -> dict:
    """The samples graded on every route: the local batch, a batch on a two-worker Dask cluster,
    each sample through the zip's run_autograder, and nbgrader's autograde in a copy of the built
    course. The runs are independent: they go two at a time (one per core). Each fixture below
    takes its route's result (``.result()`` raises there whatever went wrong in that run)."""
    from distributed import LocalCluster

    local, dask, zips, nbgrader = (tmp_path_factory.mktemp(f"second-{route}")
                                   for route in ("local", "dask", "gradescope", "nbgrader"))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, ThreadPoolExecutor(max_workers=2) as pool:
        return {"dask": pool.submit(_on_dask, built, dask / "grades", cluster),
                "gradescope": {sample: pool.submit(_on_the_zip, built, zips, sample) for sample in EXPECTED},
                "local": pool.submit(_local, built, local / "grades"),
                "nbgrader": pool.submit(_by_nbgrader, built, nbgrader / "course")}  # the pool waits for every run


@pytest.fixture(scope="module")
def local(routes):
    return routes["local"].result()


@pytest.fixture(scope="module")
def dask(routes):
    return routes["dask"].result()


@pytest.fixture(scope="module")
def gradescope(routes):
    return {sample: run.result() for sample, run in routes["gradescope"].items()}


@pytest.fixture(scope="module")
def nbgrader(routes):
    return routes["nbgrader"].result()


def test_the_course_builds_from_its_own_folder_with_its_own_questions_and_warm_up(built):
    manifest = read_manifest(built.autograder(ASSIGNMENT))
    questions = questions_of(manifest)
    assert [(q.name, q.points, q.manual) for q in questions] == \
        [("grid", 2, False), ("broadcast", 2, False), ("inplace", 2, False), ("memory", 1, True)]
    assert dict((q.name, q.checks) for q in questions)["inplace"] == ("test_inplace_hidden", "test_new_hidden")
    assert manifest["warm_up"] == built.FORK_SERVER_WARM_UP and "torch.func" not in manifest["warm_up"]
    assert manifest["first_use"] == {"warm_up": "", "words": []}  # the settings' defaults
    assert manifest["limits"]["cell_seconds"] == built.CELL_TIMEOUT_SECONDS == 30  # this course's, not the first's
    for path in (built.release(ASSIGNMENT), built.solution(ASSIGNMENT), built.nbgrader_source(ASSIGNMENT)):
        assert path.is_file(), path
    assert "make_grid" in built.release(ASSIGNMENT).read_text(encoding="utf-8")


def test_local_grading_gives_the_expected_points_and_misconceptions(local):
    assert {s: r["status"] for s, r in local.items()} == {s: "ok" for s in EXPECTED}
    for sample, expected in EXPECTED.items():
        assert local[sample]["scores"] == expected["scores"], sample
        assert local[sample]["misconceptions"] == expected["misconceptions"], sample


def test_dask_grading_gives_what_local_grading_gives(dask, local):
    assert dask == local


def test_the_zips_run_autograder_gives_what_local_grading_gives(gradescope, local):
    assert gradescope == local


def test_nbgrader_autograde_gives_the_same_points(nbgrader, local):
    assert nbgrader == {sample: {"scores": local[sample]["scores"]} for sample in EXPECTED}
