"""The nbgrader route, end to end with nbgrader's own commands on a temporary course made of
this repository's course_config.py and instructor notebook: release, autograde, grade export,
feedback. nbgrader's points equal the package's grader and `otter run`, question by question."""

import csv
import html
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from traitlets.config.loader import PyFileConfigLoader

from conftest import ASSIGNMENT, ROOT, answers_of, distinctive_lines, leaked_lines, otter_run, with_answers
from coursegrader.autograder_zip import autograded_points, read_manifest
from coursegrader.config import CONFIG_FILENAME, load_course
from coursegrader.nbgrader_release import CONFIG_OPTION
from coursegrader.notebooks import read

SAMPLES = ["full_marks", "partial_credit", "crashes_midway", "blank"]


def nbgrader(root: Path, *args: str, timeout: float = 900) -> str:
    """Run an nbgrader command in the course ``root``; its log (nbgrader logs to stderr)."""
    # nbgrader runs `alembic` from PATH: this environment's, whether or not it is activated
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    completed = subprocess.run([sys.executable, "-m", "nbgrader", *args, CONFIG_OPTION], cwd=root,
                               capture_output=True, text=True, timeout=timeout, env=env)
    assert completed.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{completed.stderr[-3000:]}"
    return completed.stderr


def new_course(course, root: Path, config_text: str | None = None) -> Path:
    """A course root holding only what the repository commits for nbgrader, with the assignment generated."""
    root.mkdir()
    (root / CONFIG_FILENAME).write_text(config_text or (ROOT / CONFIG_FILENAME).read_text())
    for committed in (course.nbgrader_source(ASSIGNMENT), course.release(ASSIGNMENT)):
        shutil.copytree(committed.parent, root / committed.parent.relative_to(ROOT))
    log = nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")  # as in the repository: release/ exists
    assert "Removing existing assignment" in log  # so the release is nbgrader's, written anew
    return root


def submit(root: Path, student: str, notebook: Path) -> None:
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    shutil.copy(notebook, folder / f"{ASSIGNMENT}.ipynb")


def gradebook(root: Path) -> Gradebook:
    return Gradebook(f"sqlite:///{root / 'gradebook.db'}")


def nbgrader_points(root: Path, student: str) -> dict[str, float | None]:
    """Autograded points per grade cell (named after its question) in nbgrader's gradebook."""
    with gradebook(root) as gb:
        notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {grade.name: grade.auto_score for grade in notebook.grades}


def read_questions(course) -> list[dict]:
    return read_manifest(course.autograder(ASSIGNMENT))["questions"]


@pytest.fixture(scope="module")
def nbgrader_run(course, tmp_path_factory):
    """The samples autograded by nbgrader, grades exported and feedback generated; `otter run`
    grades the same samples alongside."""
    scratch = tmp_path_factory.mktemp("nbgrader")
    root = new_course(course, scratch / "course")
    for sample in SAMPLES:
        submit(root, sample, course.samples(ASSIGNMENT) / f"{sample}.ipynb")
    with ThreadPoolExecutor(max_workers=1) as pool:
        otter = {sample: pool.submit(otter_run, course.samples(ASSIGNMENT) / f"{sample}.ipynb", course.autograder(ASSIGNMENT),
                                     scratch / "otter" / sample) for sample in SAMPLES}
        started = time.monotonic()
        log = nbgrader(root, "autograde", ASSIGNMENT)
        seconds = time.monotonic() - started
        otter_scores = {sample: future.result() for sample, future in otter.items()}
    nbgrader(root, "export")
    nbgrader(root, "generate_feedback", ASSIGNMENT)
    return {"root": root, "log": log, "seconds": seconds, "otter": otter_scores}


@pytest.fixture(scope="module")
def otter_hidden_lines(course):
    """Distinctive lines of otter's test files that students do not see in their notebook."""
    release = str(read(course.release(ASSIGNMENT)))
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        tests = [archive.read(name).decode() for name in archive.namelist() if name.startswith("tests/")]
    return {line for code in tests for line in distinctive_lines(code)
            if line not in release and line.replace('"', "'") not in release and not line.startswith("@test_case")}


def test_course_config_is_nbgraders_configuration(course):
    config = PyFileConfigLoader(CONFIG_FILENAME, path=str(ROOT)).load_config()  # as nbgrader loads it
    assert config.Execute.timeout == course.CELL_TIMEOUT_SECONDS
    assert config.CourseDirectory.source_directory == course.NBGRADER_SOURCE_DIRECTORY
    assert config.CourseDirectory.course_id == course.COURSE_ID
    assert Path(config.CourseDirectory.root) == ROOT
    assert not (ROOT / "nbgrader_config.py").exists()
    assert not hasattr(load_course(ROOT).settings, "c")  # the nbgrader block runs under nbgrader only
    assert course.nbgrader_source(ASSIGNMENT).relative_to(ROOT).parts[0] == "autograder"  # never under release/


def test_nbgrader_releases_the_committed_release(course, nbgrader_run):
    released = nbgrader_run["root"] / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert released.read_bytes() == course.release(ASSIGNMENT).read_bytes()


def test_nbgrader_points_equal_the_package_and_otter_run(course, nbgrader_run, graded_examples, points):
    for sample in SAMPLES:
        by_nbgrader = nbgrader_points(nbgrader_run["root"], sample)
        by_package = {name: float(graded_examples[sample][name]) for name in points}
        by_otter = {name: nbgrader_run["otter"][sample][name] for name in points}
        assert {name: by_nbgrader[name] for name in points} == by_package == by_otter, sample
    assert sum(nbgrader_points(nbgrader_run["root"], "full_marks")[name] for name in points) == sum(points.values())
    print(f"nbgrader autograde: {len(SAMPLES)} samples in {nbgrader_run['seconds']:.1f} s")


def test_exported_grades_are_the_gradebook_totals(course, nbgrader_run, points):
    with open(nbgrader_run["root"] / "grades.csv", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(SAMPLES)
    questions = read_questions(course)
    for sample, row in rows.items():
        earned = sum(score or 0 for score in nbgrader_points(nbgrader_run["root"], sample).values())
        assert float(row["raw_score"]) == earned
        assert float(row["max_score"]) == sum(q["points"] for q in questions)  # hand-graded points count too
    assert float(rows["full_marks"]["raw_score"]) == autograded_points(questions)


def test_feedback_shows_verdicts_but_no_hidden_test_code(course, nbgrader_run, hidden_test_lines, otter_hidden_lines):
    root = nbgrader_run["root"]
    secret = hidden_test_lines | otter_hidden_lines
    autograded = (root / "autograded" / "partial_credit" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert len(leaked_lines(autograded, secret)) > 50  # nbgrader runs them, and would show them by default
    returned = [path for path in (root / "feedback").rglob("*") if path.is_file()]
    assert {path.suffix for path in returned} == {".html"}
    for path in returned:
        text = html.unescape(path.read_text(encoding="utf-8", errors="replace"))
        leaked = leaked_lines(text, secret)
        assert not leaked, f"{path.relative_to(root)} shows hidden test code: {sorted(leaked)[:3]}"
        assert "BEGIN HIDDEN TESTS" not in text and "_run_otter_tests" not in text
    partial = html.unescape((root / "feedback" / "partial_credit" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8"))
    assert re.search(r"e5 隐藏测试 / hidden test: 未通过 / failed", partial)
    assert "e1a 隐藏测试 / hidden test: 通过 / passed" in partial
    assert re.search(r"e5: 0 / 5 分 / points", partial)


def test_manual_questions_are_hand_graded_cells_with_their_points(course, nbgrader_run):
    manual = {q["name"]: q["points"] for q in read_questions(course) if q["manual"]}
    with gradebook(nbgrader_run["root"]) as gb:
        for name, points in manual.items():
            cell = gb.find_graded_cell(name, ASSIGNMENT, ASSIGNMENT)
            gb.find_solution_cell(name, ASSIGNMENT, ASSIGNMENT)  # a student's answer: graded by hand
            assert (cell.max_score, cell.cell_type) == (points, "markdown")
        answered = {g.name: g for g in gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "full_marks").grades}
        blank = {g.name: g for g in gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "blank").grades}
        for name in manual:
            assert answered[name].needs_manual_grade and answered[name].auto_score is None
            assert not blank[name].needs_manual_grade and blank[name].auto_score == 0  # placeholder left as is
        assert not any(g.needs_manual_grade for name, g in answered.items() if name not in manual)


def test_endless_cell_is_interrupted_after_the_configured_timeout(course, points, tmp_path):
    seconds = 10
    config = re.sub(r"^CELL_TIMEOUT_SECONDS = \d+", f"CELL_TIMEOUT_SECONDS = {seconds}",
                    (ROOT / CONFIG_FILENAME).read_text(), count=1, flags=re.M)
    assert f"CELL_TIMEOUT_SECONDS = {seconds}" in config
    root = new_course(course, tmp_path / "course", config)
    solution, release = read(course.solution(ASSIGNMENT)), read(course.release(ASSIGNMENT))
    answers = answers_of(solution, ["w1", "e3c"]) | {"e1a": "while True:\n    pass"}
    notebook = tmp_path / "endless.ipynb"
    nbformat.write(with_answers(release, answers), notebook)
    submit(root, "endless", notebook)
    log = nbgrader(root, "autograde", ASSIGNMENT, timeout=600)
    assert f"Timeout waiting for execute reply ({seconds}s)" in log
    earned = nbgrader_points(root, "endless")
    assert {name: earned[name] for name in points} == {name: (points[name] if name in ("w1", "e3c") else 0.0) for name in points}
