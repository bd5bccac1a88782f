"""Shared fixtures: the course, its questions, and real grading runs (otter run and this package)."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursegrader import master
from coursegrader.config import load_course
from coursegrader.notebooks import read, source_of, tags_of

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "autograd"


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


def distinctive_lines(code: str, min_length: int = 20) -> set[str]:
    return {line.strip() for line in code.splitlines() if len(line.strip()) >= min_length}


@pytest.fixture(scope="session")
def hidden_test_lines(course, questions) -> set[str]:
    """Distinctive lines of the hidden tests that appear nowhere a student may see them."""
    master_nb = read(course.master(ASSIGNMENT))
    hidden_tests = [code for q in questions for code in q.hidden_tests]
    # lines the master also shows students (lesson code, public tests) are not secrets
    elsewhere = "\n".join(source_of(c) for c in master_nb.cells if not any(code in source_of(c) for code in hidden_tests))
    lines = {line for code in hidden_tests for line in distinctive_lines(code) if line not in elsewhere}
    assert len(lines) > 50  # the master really has hidden tests to look for
    return lines


def leaked_lines(text: str, hidden_lines: set[str]) -> set[str]:
    """The hidden lines found in ``text`` (quotes may have been rewritten)."""
    return {line for line in hidden_lines if line in text or line.replace('"', "'") in text}


def answers_of(notebook: nbformat.NotebookNode, names) -> dict[str, str]:
    """The answer cells' code for the given questions, keyed by question tag."""
    return {tag: source_of(cell) for cell in notebook.cells for tag in tags_of(cell)
            if tag in names and cell.cell_type == "code"}


def with_answers(notebook: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of a student notebook with the tagged answer cells replaced."""
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        for tag in tags_of(cell):
            if tag in answers and cell.cell_type == "code":
                cell.source = answers[tag]
    return notebook


def otter_run(notebook: Path, autograder: Path, out: Path) -> dict[str, float]:
    """Per-question scores from the real `otter run` command; its results.json goes to ``out``."""
    out.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(notebook)],
                   check=True, capture_output=True, timeout=600)
    results = json.loads((out / "results.json").read_text())
    return {t["name"]: t["score"] for t in results["tests"] if "score" in t}


class Grades(dict):
    """Rows of grades.csv keyed by submission; ``out`` is the results folder."""

    def __init__(self, rows, out: Path):
        super().__init__(rows)
        self.out = out


def package_grade(paths, out: Path, *options: str) -> Grades:
    """Rows of grades.csv, keyed by submission, from `python -m coursegrader grade`."""
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", *map(str, paths),
               "--out", str(out), *options]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-3000:]
    with open(out / "grades.csv", encoding="utf-8") as handle:
        return Grades({row["submission"]: row for row in csv.DictReader(handle)}, out)


@pytest.fixture(scope="session")
def graded_examples(course, tmp_path_factory):
    """The executed solution, the blank release and the bundled samples, graded by this package."""
    folder = tmp_path_factory.mktemp("examples")
    shutil.copy(course.solution(ASSIGNMENT), folder / "solution.ipynb")
    shutil.copy(course.release(ASSIGNMENT), folder / "release_blank.ipynb")
    for sample in course.samples(ASSIGNMENT).glob("*.ipynb"):
        shutil.copy(sample, folder / sample.name)
    return package_grade([folder], tmp_path_factory.mktemp("examples-grades"))
