"""Shared fixtures: the course, its questions, the hidden test text, and the examples graded by this
package. Everything else the tests share is in helpers.py."""

import os
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from coursegrader.build import master
from coursegrader.core.config import load_course
from coursegrader.core.notebooks import read
from helpers import (ASSIGNMENT, HOSTILE_LIMITS, PARTIAL_ANSWERS, PARTIAL_EXPORT, ROOT, answers_of, hidden_lines,
                     package_grade, with_answers)


@pytest.fixture(scope="session")
def course():
    return load_course(ROOT)


@pytest.fixture(scope="session")
def questions(course):
    return master.questions(read(course.master(ASSIGNMENT)))


@pytest.fixture(scope="session")
def points(questions):
    """Autograded points per question, as the master defines them."""
    return {q.name: q.points for q in questions if not q.manual}


@pytest.fixture(scope="session")
def hidden_test_lines(course) -> set[str]:
    """Distinctive lines of the hidden tests that appear nowhere a student may see them."""
    lines = hidden_lines(course)
    assert len(lines) > 50  # the master really has hidden tests to look for
    return lines


@pytest.fixture(scope="session")
def graded_examples(course, tmp_path_factory):
    """The executed solution, the blank release, the bundled samples and a partial otter export
    (a zip), graded by this package in one batch."""
    folder = tmp_path_factory.mktemp("examples")
    shutil.copy(course.solution(ASSIGNMENT), folder / "solution.ipynb")
    shutil.copy(course.release(ASSIGNMENT), folder / "release_blank.ipynb")
    for sample in course.samples(ASSIGNMENT).glob("*.ipynb"):
        shutil.copy(sample, folder / sample.name)
    solution, release = read(course.solution(ASSIGNMENT)), read(course.release(ASSIGNMENT))
    with zipfile.ZipFile(folder / f"{PARTIAL_EXPORT}.zip", "w") as archive:  # the notebook inside a zip
        archive.writestr(f"{ASSIGNMENT}.ipynb", nbformat.writes(with_answers(release, answers_of(solution, PARTIAL_ANSWERS))))
    return package_grade([folder], tmp_path_factory.mktemp("examples-grades"))


@pytest.fixture(scope="session")
def corpus_folder(course, tmp_path_factory):
    """Every corpus case (tests/corpus/) as a notebook in one folder."""
    from corpus.build import case_notebook
    from corpus.cases import CASES

    folder = tmp_path_factory.mktemp("corpus")
    solution = read(course.solution(ASSIGNMENT))
    for case in CASES:
        nbformat.write(case_notebook(solution, case), folder / f"{case.name}.ipynb")
    return folder


@pytest.fixture(scope="session")
def corpus_grades(corpus_folder, tmp_path_factory):
    return package_grade([corpus_folder], tmp_path_factory.mktemp("corpus-grades"))


@pytest.fixture(scope="session")
def hostile_gradings(course, tmp_path_factory):
    """Every hostile case (tests/hostile_cases.py) in one folder, beside untouched copies of the
    solution, graded in one run as every batch is (``snapshot``: the lesson paid once) and, side
    by side with it, in a copy of the folder with --no-snapshot (``full``: every cell run per
    submission), the route tests/engine/test_snapshot.py compares it with. Both runs keep their
    scratch folders in one place, checked after both have ended. Returns (the cases, {route: grades})."""
    from hostile_cases import build_cases

    folders = {route: tmp_path_factory.mktemp(f"hostile-{route}") for route in ("snapshot", "full")}
    cases = {route: build_cases(course, ASSIGNMENT, folder) for route, folder in folders.items()}
    assert cases["snapshot"] == cases["full"]
    options = {"snapshot": (), "full": ("--no-snapshot",)}
    scratch = tmp_path_factory.mktemp("hostile-scratch")
    with pytest.MonkeyPatch.context() as patch, ThreadPoolExecutor(len(folders)) as pool:
        patch.setenv("TMPDIR", str(scratch))  # the graders' scratch folders go here, to be checked after
        running = {route: pool.submit(package_grade, [folder], tmp_path_factory.mktemp(f"hostile-{route}-grades"),
                                      *HOSTILE_LIMITS, *options[route]) for route, folder in folders.items()}
        grades = {route: run.result() for route, run in running.items()}
    grades["snapshot"].scratch_left = list(scratch.iterdir())
    return cases["snapshot"], grades


@pytest.fixture(scope="session")
def hostile_batch(hostile_gradings):
    """The hostile batch, graded with the snapshot as every batch is: (its grades, the cases);
    ``grades.scratch_left`` lists what either hostile run left in its scratch folder."""
    cases, grades = hostile_gradings
    return grades["snapshot"], cases


# The session's graded batches: the modules that use one run on one xdist worker, where it is graded once
GRADED_BATCHES = {"graded_examples", "corpus_grades", "hostile_gradings"}


def pytest_collection_modifyitems(items):
    """Tests marked ``root`` are skipped, saying why, where the suite does not run as root.

    Under xdist (``-n 2``; pyproject's addopts has ``--dist loadgroup``) each module is a group,
    so that its module fixtures are made once, and the modules that share a graded batch are one."""
    if os.geteuid() != 0:
        for item in items:
            if item.get_closest_marker("root"):
                item.add_marker(pytest.mark.skip(reason="needs a grader running as root"))
    module_of = {item: item.nodeid.split("::")[0] for item in items}
    sharing = {module_of[item] for item in items if GRADED_BATCHES & set(item.fixturenames)}
    for item in items:
        item.add_marker(pytest.mark.xdist_group("graded-batches" if module_of[item] in sharing else module_of[item]))
