"""The build: committed artifacts are fresh, and a broken master fails loudly without writing."""

import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from helpers import ASSIGNMENT, ROOT
from coursegrader.autograder_zip import read_manifest
from coursegrader.notebooks import read, source_of


@pytest.mark.slow
def test_committed_artifacts_equal_a_rebuild(course, tmp_path):
    shutil.copy(ROOT / "course_config.py", tmp_path)
    completed = subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "build", "--out", str(tmp_path)],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    release_folder = course.release(ASSIGNMENT).parent
    assert sorted(p.name for p in release_folder.iterdir()) == \
           sorted(p.name for p in (tmp_path / release_folder.relative_to(ROOT)).iterdir())
    for committed in (*sorted(release_folder.iterdir()), course.solution(ASSIGNMENT), course.nbgrader_source(ASSIGNMENT)):
        rebuilt = tmp_path / committed.relative_to(ROOT)
        assert rebuilt.read_bytes() == committed.read_bytes(), f"{committed.relative_to(ROOT)} is stale: run `python -m coursegrader build`"
    committed_zip, rebuilt_zip = course.autograder(ASSIGNMENT), tmp_path / course.autograder(ASSIGNMENT).relative_to(ROOT)
    with zipfile.ZipFile(committed_zip) as old, zipfile.ZipFile(rebuilt_zip) as new:
        assert sorted(old.namelist()) == sorted(new.namelist())
        for name in old.namelist():
            assert old.read(name) == new.read(name), f"{name} in the autograder zip is stale"
    assert rebuilt_zip.read_bytes() == committed_zip.read_bytes()


def test_manifest_lists_every_question_with_the_masters_points(course, questions):
    manifest = read_manifest(course.autograder(ASSIGNMENT))
    assert [(q["name"], q["points"], q["manual"]) for q in manifest["questions"]] == \
           [(q.name, q.points, q.manual) for q in questions]


def test_solution_notebook_is_executed_with_the_plot(course):
    solution = read(course.solution(ASSIGNMENT))
    e5_cells = [c for c in solution.cells if "e5" in c.metadata.get("tags", [])]
    assert any(o.get("data", {}).get("image/png") for c in e5_cells for o in c.outputs), "the sin plot is missing"
    check_outputs = [o for c in solution.cells if c.cell_type == "code" and "grader.check(" in source_of(c) for o in c.outputs]
    assert check_outputs and all("the public check passed; hidden tests on new inputs decide the points" in str(o) for o in check_outputs)


@pytest.mark.slow
def test_a_failing_solution_fails_the_build_and_writes_nothing(course, tmp_path):
    broken_root = tmp_path / "course"
    shutil.copytree(ROOT / "source", broken_root / "source")
    shutil.copy(ROOT / "course_config.py", broken_root)
    master_path = broken_root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(master_path, as_version=4)
    for cell in nb.cells:
        cell.source = source_of(cell).replace("grad_w1 = x.grad.clone()  # SOLUTION", "grad_w1 = 2 * x.grad.clone()  # SOLUTION")
    nbformat.write(nb, master_path)
    completed = subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(broken_root), "build"],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 1
    assert "w1" in completed.stderr and "nothing was written" in completed.stderr
    assert not (broken_root / "release").exists() and not (broken_root / "autograder").exists()


def test_missing_master_is_a_clear_error(tmp_path):
    (tmp_path / "course_config.py").write_text("ASSIGNMENTS = ['nowhere']\n")
    completed = subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(tmp_path), "build"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert "nowhere" in completed.stderr and "does not exist" in completed.stderr
