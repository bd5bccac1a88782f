"""Grading with the package's grader: the examples score what they earn, and grading holds up
when a submission is partial, broken or never ends, or the run itself is killed. (Agreement with
the real `otter run`, question by question: tests/routes/test_nbgrader.py and tests/assignment/test_corpus.py.)"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

import pytest
from helpers import ASSIGNMENT, PARTIAL_ANSWERS, PARTIAL_EXPORT, ROOT, forkservers_left, package_grade, with_answers
from coursegrader.core.notebooks import read

pytestmark = pytest.mark.slow  # real batches, servers or browsers: not in the fast layer



def scores_of(row: dict, points: dict) -> dict[str, float]:
    return {name: float(row[name]) for name in points}


def test_solution_scores_full_points(graded_examples, points):
    """(`otter run` gives the same, question by question, on the samples: tests/routes/test_nbgrader.py.)"""
    row = graded_examples["solution"]
    assert row["status"] == "ok"
    assert scores_of(row, points) == points
    assert float(row["total"]) == sum(points.values()) == float(row["possible"])


def test_blank_release_scores_zero(graded_examples, points):
    row = graded_examples["release_blank"]
    assert row["status"] == "ok"
    assert scores_of(row, points) == {name: 0.0 for name in points}
    assert float(row["total"]) == 0


def test_bundled_samples_score_what_they_earn(course, graded_examples, points):
    expected = json.loads((course.samples(ASSIGNMENT) / "expected.json").read_text())
    for sample, full in expected.items():
        if sample.startswith("_"):
            continue
        row = graded_examples[sample]
        assert row["status"] == "ok", row
        assert scores_of(row, points) == {name: (points[name] if name in full else 0.0) for name in points}, sample


def test_results_json_is_gradescope_format_for_every_submission(graded_examples):
    for submission in graded_examples:
        results = json.loads((graded_examples.out / "results" / submission / "results.json").read_text())
        assert isinstance(results["tests"], list) and results["tests"]
        for test in results["tests"]:
            assert {"name", "output", "visibility"} <= set(test)


def test_partial_zip_submission_scores_exactly_the_questions_answered(graded_examples, points):
    row = graded_examples[PARTIAL_EXPORT]  # an otter export: the notebook inside a zip
    assert row["status"] == "ok"
    assert scores_of(row, points) == {name: (points[name] if name in PARTIAL_ANSWERS else 0.0) for name in points}
    assert float(row["total"]) == sum(points[name] for name in PARTIAL_ANSWERS)


def test_endless_and_broken_submissions_do_not_stop_the_batch(course, points, tmp_path):
    solution = read(course.solution(ASSIGNMENT))
    folder = tmp_path / "class"
    folder.mkdir()
    nbformat.write(solution, folder / "diligent.ipynb")
    # an endless loop in one answer cell: that cell is interrupted, the rest is graded
    nbformat.write(with_answers(solution, {"w1": "while True:\n    pass"}), folder / "looping.ipynb")
    (folder / "not_json.ipynb").write_text("this is not a notebook")
    with zipfile.ZipFile(folder / "empty_export.zip", "w") as archive:
        archive.writestr("readme.txt", "no notebook here")

    rows = package_grade([folder], tmp_path / "grades", "--cell-timeout", "5", "--timeout", "60", "--workers", "2")

    full = sum(points.values())
    assert rows["diligent"]["status"] == "ok" and float(rows["diligent"]["total"]) == full
    assert rows["looping"]["status"] == "cell-timeout"
    assert scores_of(rows["looping"], points) == {**points, "w1": 0.0}
    assert rows["not_json"]["status"] == "invalid" and "not a notebook" in rows["not_json"]["error"]
    assert rows["empty_export"]["status"] == "invalid" and "no notebook" in rows["empty_export"]["error"]
    assert not forkservers_left(since=rows.started), "a submission process outlived the batch"
    for broken in ("not_json", "empty_export"):
        assert float(rows[broken]["total"]) == 0
        results = json.loads((tmp_path / "grades" / "results" / broken / "results.json").read_text())
        assert results["score"] == 0 and rows[broken]["error"] in results["output"]


def test_a_killed_run_loses_nothing_and_a_rerun_grades_only_what_is_missing(course, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for index in range(6):
        shutil.copy(course.solution(ASSIGNMENT), folder / f"student{index}.ipynb")
    out = tmp_path / "grades"
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder), "--out", str(out),
               "--workers", "1"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("results/*/graded.json"))) < 2 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)  # the grader and its fork server, mid-run
    run.wait()
    left_behind = list(Path(tempfile.gettempdir()).glob(f"coursegrader-grade-{run.pid}.*"))
    assert left_behind, "the killed run's scratch folder (students' notebooks) is not where the next run looks"
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("results/*/graded.json")}
    assert 2 <= len(finished) < 6
    for name in finished:
        json.loads((out / "results" / name / "results.json").read_text())  # complete, not half-written

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"{len(finished)} submission(s) already graded" in rerun.stderr
    assert {p.parent.name: p.stat().st_mtime_ns for p in out.glob("results/*/graded.json") if p.parent.name in finished} == finished
    with open(out / "grades.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["submission"] for r in rows) == [f"student{i}" for i in range(6)]
    assert all(r["total"] == r["possible"] for r in rows)
    assert not any(path.exists() for path in left_behind), "the rerun removes what the killed run left"
