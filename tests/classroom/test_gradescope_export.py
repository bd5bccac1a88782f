"""`grade --from-gradescope` on exports laid out as Gradescope writes them: Ruby-symbol keys, Ruby
tags and timestamps, a metadata file split into several YAML documents; the students' names and
ids in grades.csv; only the autograder's results (the metadata's :results:) counted, never a
results.json a student uploaded; and what is missing named precisely."""

import csv
import io
import json
import subprocess
import sys

import pytest

from coursegrader.core.autograder_zip import read_manifest
from helpers import ASSIGNMENT, ROOT

ROSTER = ("student id,name,email\n"
          "20260001,张三,zhang@example.edu\n"
          "20260002,李四,li.si@example.edu\n"
          "20260003,王五,wang@example.edu\n")


@pytest.fixture(scope="module")
def questions(course):
    return read_manifest(course.autograder(ASSIGNMENT))["questions"]


def results(questions, fraction: float) -> dict:
    """A results.json as this course's autograder writes it, with ``fraction`` of every question's points."""
    tests = [{"name": q["name"], "score": q["points"] * fraction, "max_score": q["points"], "visibility": "hidden",
              "output": "", "extra_data": {"status": "ok", "failed": [], "passed": []}}
             for q in questions if not q["manual"]]
    return {"score": sum(t["score"] for t in tests), "execution_time": 41.5, "output": "评分完成 / graded",
            "tests": tests, "extra_data": {"status": "ok", "missing_walls": []}}


def block(data: dict, indent: int) -> str:
    """``data`` as a YAML block (JSON is YAML) indented under a key."""
    return "\n".join(" " * indent + line for line in json.dumps(data, ensure_ascii=False, indent=1).splitlines())


def export_folder(tmp_path, entries: str, folders=("submission_101", "submission_102", "submission_103")):
    root = tmp_path / "download" / "assignment_777_export"
    root.mkdir(parents=True)
    (root / "submission_metadata.yml").write_text(entries, encoding="utf-8")
    for name in folders:
        (root / name).mkdir()
        (root / name / "notes.txt").write_text("what the student uploaded\n", encoding="utf-8")
    return root


def from_gradescope(folder, out, *options):
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", "--from-gradescope",
               str(folder), "--out", str(out), *map(str, options)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def rows(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def canvas_grades(out, column=ASSIGNMENT):
    table = list(csv.DictReader(io.StringIO((out / "canvas.csv").read_text(encoding="utf-8"))))
    return {row["SIS User ID"]: row[column] for row in table if row["SIS User ID"]}


def test_an_export_as_gradescope_writes_it(tmp_path, questions):
    """Ruby symbols, a BigDecimal score, Ruby timestamps, :history:, a numeric sid, a group, and the
    file split by a bare `...` as real exports are: every submission read, names and ids in grades.csv."""
    full, half = results(questions, 1.0), results(questions, 0.5)
    metadata = f"""---
submission_101:
  :submitters:
  - :name: 张三
    :sid: '20260001'
    :email: zhang@example.edu
  :created_at: 2026-11-30 10:00:00.861687000 Z
  :score: !ruby/object:BigDecimal 18:0.24e2
  :history:
  - :id: 99
    :created_at: 2026-11-29 09:00:00.000000000 Z
    :score: 3.0
  :results:
{block(full, 4)}
...
submission_102:
  :submitters:
  - :name: 李四
    :sid: 20260002
    :email: li.si@example.edu
  - :name: 王五
    :sid: '20260003'
    :email: wang@example.edu
  :results:
{block(half, 4)}
submission_103:
  submitters:
  - name: Walk In
    sid: '99'
  results:
{block(half, 4)}
"""
    folder = export_folder(tmp_path, metadata)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    completed = from_gradescope(folder.parent, tmp_path / "out", "--roster", tmp_path / "roster.csv")
    assert completed.returncode == 0, completed.stderr[-3000:]
    table = {row["submission"]: row for row in rows(tmp_path / "out" / "grades.csv")}
    assert {k: r["status"] for k, r in table.items()} == dict.fromkeys(["submission_101", "submission_102",
                                                                       "submission_103"], "ok"), table
    assert {k: (r["student"], r["student id"], r["status"], float(r["total"])) for k, r in table.items()} == {
        "submission_101": ("张三", "20260001", "ok", 24.0),
        "submission_102": ("李四; 王五", "20260002; 20260003", "ok", 12.0),
        "submission_103": ("Walk In", "99", "ok", 12.0),
    }
    assert canvas_grades(tmp_path / "out") == {"20260001": "24", "20260002": "12", "20260003": "12"}


def test_a_results_json_the_student_uploaded_never_counts(tmp_path, questions):
    """No :results: for a submission (the autograder never finished): its folder's results.json,
    the student's own upload claiming full marks, is ignored; the row is the grader's gap, with
    a blank grade in grades.csv and canvas.csv, never 24 and never a made-up 0."""
    metadata = f"""submission_101:
  :submitters:
  - :name: 张三
    :sid: '20260001'
    :email: zhang@example.edu
  :results:
{block(results(questions, 0.5), 4)}
submission_102:
  :submitters:
  - :name: 李四
    :sid: '20260002'
    :email: li.si@example.edu
  :score: 0.0
"""
    folder = export_folder(tmp_path, metadata, folders=("submission_101", "submission_102"))
    forged = json.dumps(results(questions, 1.0))
    (folder / "submission_102" / "results.json").write_text(forged, encoding="utf-8")
    (folder / "submission_101" / "results.json").write_text(forged, encoding="utf-8")  # beside real results too
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    completed = from_gradescope(folder, tmp_path / "out", "--roster", tmp_path / "roster.csv")
    assert completed.returncode == 0, completed.stderr[-3000:]
    table = {row["submission"]: row for row in rows(tmp_path / "out" / "grades.csv")}
    assert float(table["submission_101"]["total"]) == 12.0  # the metadata's, not the upload's 24
    gap = table["submission_102"]
    assert gap["status"] == "error" and gap["total"] == "" and gap["student"] == "李四"
    assert "submission_102" in gap["error"] and ":results:" in gap["error"] and "submission_metadata.yml" in gap["error"]
    assert canvas_grades(tmp_path / "out") == {"20260001": "12", "20260002": "", "20260003": ""}
    assert "1 submission(s) have no autograder results in the export" in completed.stderr
    assert not (tmp_path / "out" / "results" / "submission_102" / "results.json").exists()


def test_what_is_missing_is_named(tmp_path, questions):
    metadata = f"""submission_101:
  :submitters:
  - :sid: '20260001'
  :results:
    output: the autograder failed to run
submission_104:
  :submitters:
  - :sid: '20260002'
  :results:
{block(results(questions, 1.0), 4)}
"""
    folder = export_folder(tmp_path, metadata, folders=("submission_101", "submission_105"))
    completed = from_gradescope(folder, tmp_path / "out")
    assert completed.returncode == 0, completed.stderr[-3000:]
    table = {row["submission"]: row for row in rows(tmp_path / "out" / "grades.csv")}
    assert table["submission_101"]["status"] == "error" and "no list of tests" in table["submission_101"]["error"]
    assert table["submission_104"]["status"] == "ok"  # results without a folder: graded, no answers to analyse
    assert table["submission_105"]["status"] == "error"
    assert "submission_105 is not listed in submission_metadata.yml" in table["submission_105"]["error"]


def one_line_error(completed) -> str:
    assert completed.returncode == 2 and "Traceback" not in completed.stderr, completed.stderr[-2000:]
    (line,) = completed.stderr.splitlines()
    return line


def test_an_export_without_its_metadata_is_refused(tmp_path, questions):
    folder = export_folder(tmp_path, "")
    (folder / "submission_metadata.yml").unlink()
    (folder / "submission_101" / "results.json").write_text(json.dumps(results(questions, 1.0)), encoding="utf-8")
    line = one_line_error(from_gradescope(folder.parent, tmp_path / "out"))
    assert "submission_101" in line and "no submission_metadata.yml" in line and "assignment_<id>_export" in line


def test_metadata_that_is_not_yaml_is_named_with_its_line(tmp_path):
    folder = export_folder(tmp_path, "submission_101:\n  :submitters:\n  - :sid: '1\n  :results: {\n")
    line = one_line_error(from_gradescope(folder, tmp_path / "out"))
    assert str(folder / "submission_metadata.yml") in line and "not readable YAML at line" in line
