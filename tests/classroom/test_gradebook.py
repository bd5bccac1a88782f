"""Grades into the gradebook: roster, hand-graded points, the Canvas and Moodle import files, and
the same report and gradebook from a local batch, a Dask batch and a folder of Gradescope results."""

import csv
import io
import json
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from helpers import ASSIGNMENT, ROOT, package_grade
from coursegrader.classroom import gradebook
from coursegrader.core import messages
from coursegrader.classroom.analysis import class_work
from coursegrader.core.assignment import questions_of
from coursegrader.core.autograder_zip import read_manifest
from coursegrader.classroom.gradescope_export import read_export
from coursegrader.engine.assignment import Assignment
from coursegrader.core.results import Graded, Verdict
from coursegrader.inputs.submissions import discover

# What the two systems document for importing a column of grades (see /work/notes/gradebook.md):
# Canvas's gradebook CSV begins with these five columns, in this order, then one column per
# assignment, and its export's second row is "Points Possible"; Moodle's CSV import maps an
# identifier column to the user's "ID number" (useridnumber) or "Email address" (useremail).
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["ID number", "Email address"]


@pytest.fixture(scope="module")
def questions(course):
    return questions_of(read_manifest(course.autograder(ASSIGNMENT)))


@pytest.fixture(scope="module")
def manual_points(questions):
    return {q.name: q.points for q in questions if q.manual}


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def graded(submission, total, status="ok"):
    return Graded(submission, status, scores={"w1": total}, total=total)


ROSTER = ("student id,name,email\n"
          "20260001,张三,zhang@example.edu\n"
          "20260002,李四,li.si@example.edu\n"
          "20260003,王五,wang@example.edu\n")


def parsed(text):
    return list(csv.reader(io.StringIO(text)))


# --- The files Canvas and Moodle import ------------------------------------------------

def test_canvas_and_moodle_files_have_the_documented_columns(tmp_path, questions, manual_points):
    roster = gradebook.read_roster(write(tmp_path / "roster.csv", ROSTER))
    manual = write(tmp_path / "manual.csv", "student id,e1c,e2c,e3d,e4b\n20260001,2,1,1,2\n20260002,1,0.5,0,1\n")
    book = gradebook.build(roster, [graded("20260001", 20), graded("li.si", 7.5), graded("stranger", 3)], questions, manual)
    gradebook.write(book, tmp_path, "D2L 2.5 autograd")

    canvas = parsed((tmp_path / "canvas.csv").read_text(encoding="utf-8"))
    assert canvas[0] == [*CANVAS_COLUMNS, "D2L 2.5 autograd"]
    possible = sum(q.points for q in questions)  # autograded and hand-graded: the whole assignment
    assert canvas[1][0] == "Points Possible" and float(canvas[1][5]) == possible
    rows = {row[2]: row for row in canvas[2:]}  # by SIS User ID
    assert rows["20260001"][0] == "张三" and float(rows["20260001"][5]) == 20 + 6
    assert float(rows["20260002"][5]) == 7.5 + 2.5
    assert rows["20260003"][5] == ""  # no submission: left blank (Canvas changes nothing), never a made-up 0
    assert len(canvas) == 2 + 3  # one row per roster student, and only those

    moodle = list(csv.DictReader(io.StringIO((tmp_path / "moodle.csv").read_text(encoding="utf-8"))))
    assert list(moodle[0]) == [*MOODLE_COLUMNS, "D2L 2.5 autograd"]
    by_email = {row["Email address"]: row for row in moodle}
    assert float(by_email["li.si@example.edu"]["D2L 2.5 autograd"]) == 10
    assert by_email["wang@example.edu"]["ID number"] == "20260003"
    assert not (tmp_path / "canvas.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 as both ask, no BOM


def test_a_canvas_export_as_roster_keeps_canvas_ids_and_logins(tmp_path, questions):
    export = ('Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (123)\n'
              '    Points Possible,,,,,10\n'
              '"Zhang, San",4501,20260001,zhangs,Section A,9\n'
              '"Li, Si",4502,20260002,lis,Section A,\n'
              '"Student, Test",4510,,a1b2c3,Section A,0\n')  # Canvas's test account: not a student
    roster = gradebook.read_roster(write(tmp_path / "canvas-export.csv", export))
    assert [(s.id, s.canvas_id, s.login, s.section, s.name) for s in roster] == [
        ("20260001", "4501", "zhangs", "Section A", "Zhang, San"), ("20260002", "4502", "lis", "Section A", "Li, Si")]
    book = gradebook.build(roster, [graded("20260001", 12)], questions)
    rows = parsed(gradebook.canvas_csv(book, "autograd"))
    assert rows[2] == ["Zhang, San", "4501", "20260001", "zhangs", "Section A", "12"]
    assert float(rows[1][5]) == sum(q.points for q in questions if not q.manual)  # no manual file: autograded only


# --- Roster students without a submission and submissions without a student ------------

def test_a_roster_mismatch_is_reported_everywhere_never_dropped(tmp_path, questions):
    roster = gradebook.read_roster(write(tmp_path / "roster.csv", ROSTER))
    batch = [graded("20260001", 10), graded("ZHANG-copy", 5), graded("wang", 4), graded("wang@example.edu", 6),
             graded("20260001-2", 1, status="duplicate")]
    book = gradebook.build(roster, batch, questions)
    gradebook.write(book, tmp_path, "autograd")
    notes = list(csv.DictReader(io.StringIO((tmp_path / "roster-mismatch.csv").read_text(encoding="utf-8-sig"))))
    kinds = {(n["kind"], n["student id"], n["submission"]) for n in notes}
    assert kinds == {("no-submission", "20260002", ""), ("no-roster-entry", "", "ZHANG-copy"),
                     ("several-submissions", "20260003", "wang"), ("several-submissions", "20260003", "wang@example.edu")}
    assert book.grades == {"20260001": 10, "20260002": None, "20260003": None}  # two claims on one student: a person decides
    summary = gradebook.summary(book)
    assert "no-submission: 1 (20260002)" in summary and "ZHANG-copy" in summary and "several-submissions: 2" in summary
    page = re.sub(r"<td[^>]*>", "<td>", gradebook.section(book))
    for kind, student, submission in kinds:
        assert re.search(f"<td>{kind}</td><td>{student}</td><td>[^<]*</td><td>{re.escape(submission)}</td>", page)
    assert all(re.search(r"[\u4e00-\u9fff]", n["note"]) and " / " in n["note"] for n in notes)  # Chinese, then English


def test_the_id_mapping_rule(tmp_path, questions):
    roster = gradebook.read_roster(write(tmp_path / "roster.csv", (
        "学号,姓名,邮箱\n"
        "S-001,甲,a.b@uni.edu\n"
        "003,丙,same@one.edu\n"
        "004,丁,same@two.edu\n")))
    # an id a spreadsheet would read as a formula (a roster refuses it, test_spreadsheet.py): submission ids never start so
    roster.insert(1, gradebook.Student("=2", "乙", "yi@uni.edu"))
    batch = [graded("s-001", 1), graded("_=2", 2), graded("same", 3), graded("A.B", 4)]
    matching = gradebook.match(roster, batch)
    assert {sid: g.submission for sid, g in matching.submission_of.items()} == {"=2": "_=2"}
    assert [g.submission for g in matching.several["S-001"]] == ["s-001", "A.B"]  # id, email local part, any case
    assert {s.id for s in matching.ambiguous["same"]} == {"003", "004"}  # one local part, two students: not guessed
    assert matching.no_submission == [] and matching.no_roster == []


def test_a_grader_fault_is_not_exported_as_a_zero(tmp_path, questions):
    roster = gradebook.read_roster(write(tmp_path / "roster.csv", ROSTER))
    book = gradebook.build(roster, [graded("20260001", 0, status="error"), graded("20260002", 0, status="invalid")],
                           questions)
    assert book.grades["20260001"] is None and book.grades["20260002"] == 0  # an unreadable file is the student's 0
    assert ("grader-error", "20260001") in {(kind, s.id) for kind, s, _, _ in book.notes if s}


# --- Hand-graded points ----------------------------------------------------------------

def test_manual_points_make_the_total_the_whole_assignment(tmp_path, questions, manual_points):
    roster = gradebook.read_roster(write(tmp_path / "roster.csv", ROSTER))
    manual = write(tmp_path / "manual.csv", (
        "submission,E1C,e2c,e3d,e4b,name,备注\n"  # any id column, questions in any case, a name and notes for graders
        "20260001,2,1,1,2,张三,\n"
        "li.si@example.edu,0,0,0.5,1.5,李四,字迹潦草\n"  # by email
        "wang,1,,1,1,王五,\n"))  # e2c not graded yet
    batch = [graded("20260001", 24), graded("li.si", 3), graded("wang", 10)]
    book = gradebook.build(roster, batch, questions, manual)
    assert book.grades == {"20260001": 24 + sum(manual_points.values()), "20260002": 5, "20260003": None}
    assert ("manual-missing", "20260003", "wang") in {(k, s.id, sub) for k, s, sub, _ in book.notes}
    assert book.possible == sum(q.points for q in questions)


@pytest.mark.parametrize("rows, expected", [
    ("student id,e1c,e9z\n20260001,1,1\n", [r"manual\.csv: column e9z is not a hand-graded question \(use e1c, e2c, e3d, e4b\)"]),
    ("student id,e1c,e1a\n20260001,1,1\n", [r"column e1a is not a hand-graded question"]),  # autograded: not here
    ("student id,e1c,e2c\n20260001,3,1\n20260002,1,abc\n",
     [r"manual\.csv line 2, column e1c: out of range; points go from 0 to 2",
      r"manual\.csv line 3, column e2c: not a number"]),
    ("student id,e1c\n20260001,-1\n", [r"line 2, column e1c: out of range"]),
    ("student id,e1c\n20269999,1\n", [r"manual\.csv line 2: that student is neither on the roster nor a submission"]),
    ("student id,e1c\n20260001,1\nzhang@example.edu,2\n", [r"manual\.csv line 3 is the same student as line 2"]),
    ("e1c,e2c\n1,1\n", [r"manual\.csv have no column naming the student"]),
    ("student id,e1c\n20260001,1,2\n", [r"manual\.csv line 2 has more cells than the header row"]),
])
def test_bad_manual_rows_say_file_line_and_column(tmp_path, questions, rows, expected):
    roster = gradebook.read_roster(write(tmp_path / "roster.csv", ROSTER))
    with pytest.raises(gradebook.GradebookError) as error:
        gradebook.build(roster, [graded("20260001", 1)], questions, write(tmp_path / "manual.csv", rows))
    for pattern in expected:
        assert re.search(pattern, str(error.value)), str(error.value)
    assert len(error.value.problems) == len(expected)  # every problem at once, nothing else
    assert all(str(tmp_path / "manual.csv") in problem for problem in error.value.problems)


# --- Rosters as spreadsheets save them -------------------------------------------------

@pytest.mark.parametrize("encoding, text", [
    ("utf-8-sig", "Student ID,Name,E-mail\n20260001,张三,zhang@example.edu\n"),  # Excel's "CSV UTF-8": a BOM
    ("gb18030", "学号,姓名,邮箱\n20260001,张三,zhang@example.edu\n"),  # Excel on Chinese Windows
    ("utf-16", "student_id\tname\temail\n20260001\t张三\tzhang@example.edu\n"),  # Excel's "Unicode text"
    ("utf-8", "StudentID;Full name;Email address\r\n\r\n20260001;张三;zhang@example.edu\r\n;;\r\n"),  # ; and blank rows
    ("utf-8", "First name,Last name,ID number,Institution,Department,Email address\n三,张,20260001,,,zhang@example.edu\n"),
])
def test_rosters_in_the_shapes_spreadsheets_and_lms_exports_take(tmp_path, encoding, text):
    (student,) = gradebook.read_roster(write(tmp_path / "roster.csv", text, encoding))
    assert (student.id, student.email) == ("20260001", "zhang@example.edu")
    assert student.name in ("张三", "三 张")


@pytest.mark.parametrize("text, expected", [
    ("name,email\n张三,zhang@example.edu\n", [r"roster\.csv has no student id column"]),
    ("student id,name,email\n,张三,zhang@example.edu\n20260002,李四,not-an-address\n",
     [r"roster .*roster\.csv line 2 has no student id", r"roster .*roster\.csv line 3: the email is not an address"]),
    ("student id,name,email\n20260001,张三,a@example.edu\n20260001,李四,b@example.edu\n20260003,王五,A@example.edu\n",
     [r"line 3 repeats the student id of line 2", r"line 4 repeats the email of line 2"]),
    ("student id,name\n20260001,张三,extra\n", [r"roster\.csv line 2 has more cells than the header row"]),
    ("", [r"roster\.csv has no rows"]),
])
def test_bad_roster_rows_say_file_and_line(tmp_path, text, expected):
    with pytest.raises(gradebook.GradebookError) as error:
        gradebook.read_roster(write(tmp_path / "roster.csv", text))
    for pattern in expected:
        assert re.search(pattern, str(error.value)), str(error.value)
    assert len(error.value.problems) == len(expected)


@pytest.mark.slow  # two runs of the command, about 10 s
def test_a_bad_roster_stops_the_command_before_grading(tmp_path):
    roster = write(tmp_path / "roster.csv", "student id,name\n,张三\n")
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", "--out", str(tmp_path / "out"),
               "--roster", str(roster)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert f"roster {roster} line 2 has no student id" in completed.stderr
    assert not (tmp_path / "out").exists()  # nothing graded, nothing written
    completed = subprocess.run([*command[:-2], "--manual", str(roster)], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2 and "--manual needs --roster" in completed.stderr


# --- A Gradescope export read back -----------------------------------------------------

def test_gradescope_results_read_back_as_the_batch_recorded_them(course, questions):
    """to_gradescope then from_gradescope: the same status, scores, message and failed checks (a
    check that never ran is to_gradescope's filler, not a verdict)."""
    assignment = Assignment.from_autograder(course.autograder(ASSIGNMENT))
    first, second = assignment.checks[0].name, assignment.checks[1].name
    names = [q.name for q in questions]
    cases = [
        Graded("a", "ok", scores={assignment.checks[0].question: 0.0}, total=0.0, message="cell 3: NameError",
               feedback={first: Verdict(False, "错 / wrong", "sign-flip"), second: Verdict(True, "通过 / passed", "")}),
        Graded.failed("b", "invalid", "无法读取 / unreadable"),
        Graded.failed("c", "timeout", ""),
    ]
    for g in cases:
        back = Graded.from_gradescope(g.submission, json.loads(json.dumps(g.to_gradescope(assignment))), names)
        assert (back.status, back.message, back.total) == (g.status, g.message, g.total)
        assert back.failures() == g.failures()


def test_a_gradescope_export_folder_with_metadata(tmp_path, course, questions):
    """Gradescope's Export Submissions zip, unzipped: assignment_<id>_export/ holding
    submission_metadata.yml (results and submitters per submission) and submission_<id>/ folders."""
    assignment = Assignment.from_autograder(course.autograder(ASSIGNMENT))
    root = tmp_path / "download" / "assignment_777_export"
    full = Graded("x", "ok", scores={"w1": 1.0}, total=1.0)
    metadata = {
        "submission_101": {":submitters": [{":name": "张三", ":sid": "20260001", ":email": "zhang@example.edu"}],
                           ":created_at": "2026-11-30 10:00:00.000000000 -08:00", ":score": 1.0,
                           ":results": full.to_gradescope(assignment)},
        "submission_102": {":submitters": [{":name": "李四", ":sid": "20260002", ":email": "li.si@example.edu"},
                                           {":name": "王五", ":sid": "", ":email": "wang@example.edu"}],
                           ":results": full.to_gradescope(assignment)},
        "submission_103": {":submitters": [{":name": "Nobody", ":sid": "99", ":email": "no@example.edu"}]},
    }
    root.mkdir(parents=True)
    text = yaml.safe_dump(metadata, allow_unicode=True).replace(":score: 1.0", ":score: !ruby/object:BigDecimal 18:0.1e1")
    (root / "submission_metadata.yml").write_text(text, encoding="utf-8")
    for name in metadata:
        (root / name).mkdir()
    shutil.copy(course.samples(ASSIGNMENT) / "full_marks.ipynb", root / "submission_101" / "autograd.ipynb")
    (root / "submission_104").mkdir()  # a folder the metadata does not list, with broken results
    (root / "submission_104" / "results.json").write_text("{not json", encoding="utf-8")

    export = read_export(tmp_path / "download", questions)
    rows = {g.submission: (g.status, g.total) for g in export.graded}
    assert rows == {"submission_101": ("ok", 1.0), "submission_102": ("ok", 1.0), "submission_103": ("error", 0.0),
                    "submission_104": ("error", 0.0)}
    roster = gradebook.read_roster(write(tmp_path / "roster.csv", ROSTER + "20260004,赵六,zhao@example.edu\n"))
    book = gradebook.build(roster, export.graded, questions, identities=export.identities)
    assert book.grades == {"20260001": 1.0, "20260002": 1.0, "20260003": 1.0, "20260004": None}  # a group: both
    assert {(k, sub) for k, _, sub, _ in book.notes} == {("no-submission", ""), ("no-roster-entry", "submission_103"),
                                                        ("no-roster-entry", "submission_104")}
    work = class_work(questions, export.graded, export.submissions, course.release(ASSIGNMENT))
    assert set(work.answers) == {"submission_101"} and "e4a" in work.answers["submission_101"]


# --- End to end: local batch, Gradescope folder, Dask ------------------------------------

def report_tables(out):
    """report.html's sections by heading, without the one that is timing (seconds differ per run)."""
    page = (out / "report.html").read_text(encoding="utf-8")
    sections = dict(re.findall(r"<h2>(.*?)</h2>(.*?)(?=<h2>|</body>)", page, re.S))
    sections.pop(messages.PAGE["slowest"])
    return sections


def without_seconds(out):
    return [{k: v for k, v in row.items() if k != "seconds"}
            for row in csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))]


@pytest.fixture(scope="module")
def local_class(course, tmp_path_factory):
    """The bundled samples named as students name them, an unreadable upload, a roster and manual points,
    graded by `python -m coursegrader grade`."""
    folder = tmp_path_factory.mktemp("class")
    samples = course.samples(ASSIGNMENT)
    shutil.copy(samples / "full_marks.ipynb", folder / "20260001.ipynb")  # named by student id
    (folder / "li.si").mkdir()  # a folder named by the email's local part
    shutil.copy(samples / "partial_credit.ipynb", folder / "li.si" / "autograd.ipynb")
    shutil.copy(samples / "crashes_midway.ipynb", folder / "WANG.ipynb")
    shutil.copy(samples / "blank.ipynb", folder / "walk-in.ipynb")  # not on the roster
    (folder / "20260004.zip").write_bytes(b"not a zip")  # invalid: the student's 0
    roster = write(folder.parent / "roster.csv", ROSTER + "20260004,赵六,zhao@example.edu\n20260005,钱七,qian@example.edu\n")
    manual = write(folder.parent / "manual.csv", "student id,e1c,e2c,e3d,e4b\n20260001,2,1,1,2\n20260002,1,1,0,1\n"
                                                 "20260003,0,0,1,0\n20260004,0,0,0,0\n")
    options = ("--roster", str(roster), "--manual", str(manual), "--gradebook-column", "自动微分")
    out = tmp_path_factory.mktemp("local-grades")
    package_grade([folder], out, *options)
    return folder, out, options


@pytest.mark.slow
def test_the_grade_command_writes_the_gradebook_beside_grades_csv(local_class, questions, manual_points):
    folder, out, _ = local_class
    rows = {row["submission"]: row for row in csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))}
    canvas = {row["SIS User ID"]: row for row in csv.DictReader(io.StringIO((out / "canvas.csv").read_text(encoding="utf-8")))}
    assert float(canvas["20260001"]["自动微分"]) == float(rows["20260001"]["total"]) + sum(manual_points.values())
    assert float(canvas["20260002"]["自动微分"]) == float(rows["li.si"]["total"]) + 3
    assert float(canvas["20260003"]["自动微分"]) == float(rows["WANG"]["total"]) + 1
    assert rows["20260004"]["status"] == "invalid" and float(canvas["20260004"]["自动微分"]) == 0
    assert canvas["20260005"]["自动微分"] == ""
    assert canvas[""]["Student"] == "Points Possible"
    assert float(canvas[""]["自动微分"]) == sum(q.points for q in questions)
    moodle = list(csv.DictReader(io.StringIO((out / "moodle.csv").read_text(encoding="utf-8"))))
    assert [r["ID number"] for r in moodle] == ["20260001", "20260002", "20260003", "20260004", "20260005"]
    mismatch = (out / "roster-mismatch.csv").read_text(encoding="utf-8-sig")
    assert "no-roster-entry,,,,walk-in," in mismatch and "no-submission,20260005,钱七" in mismatch
    page = (out / "report.html").read_text(encoding="utf-8")
    heading = f"<h2>{messages.PAGE['gradebook']}</h2>"
    assert heading in page and "walk-in" in page.split(heading)[1]
    assert f"<h2>{messages.PAGE['question_table']}</h2>" in page  # the rest of the report is still there


@pytest.mark.slow
def test_a_folder_of_gradescope_results_gives_the_same_report_and_gradebook(local_class, tmp_path, course, questions):
    """Each submission's results.json (the batch writes Gradescope's format) and its notebook, in a
    folder per submission, read back with --from-gradescope: the same grades.csv, report tables,
    gradebook files and answer cells as the local batch."""
    folder, local, options = local_class
    gradescope = tmp_path / "gradescope"
    submissions = discover([folder])
    for s in submissions:
        (gradescope / s.id).mkdir(parents=True)
        shutil.copy(local / "results" / s.id / "results.json", gradescope / s.id / "results.json")
        notebook = s.path if s.path.is_file() else next(s.path.glob("*.ipynb"))
        shutil.copy(notebook, gradescope / s.id / notebook.name)
    out = tmp_path / "from-gradescope"
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", "--from-gradescope",
               str(gradescope), "--out", str(out), *options]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert without_seconds(out) == without_seconds(local)
    assert report_tables(out) == report_tables(local)
    for name in ("canvas.csv", "moodle.csv", "roster-mismatch.csv"):
        assert (out / name).read_bytes() == (local / name).read_bytes(), name
    assert "no-roster-entry: 1 (walk-in)" in completed.stdout
    export = read_export(gradescope, questions)
    from_gradescope = class_work(questions, export.graded, export.submissions, course.release(ASSIGNMENT))
    local_graded = [Graded(s.id, "ok") for s in submissions]
    batch = class_work(questions, local_graded, submissions, course.release(ASSIGNMENT))
    assert from_gradescope.answers == batch.answers and len(batch.answers) == 4  # the zip is not a notebook


@pytest.mark.slow
def test_a_dask_batch_gives_the_same_report_and_gradebook(local_class, tmp_path):
    """Graded on a local two-worker Dask cluster, the class gets the grades, report tables and
    gradebook files it got on this machine."""
    from distributed import LocalCluster

    folder, local, options = local_class
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        rows = package_grade([folder], out, *options, "--scheduler", cluster.scheduler_address)
        assert len(cluster.scheduler_info["workers"]) == 2
    assert rows["20260004"]["status"] == "invalid"  # read on the client: an unreadable file never travels
    assert without_seconds(out) == without_seconds(local)  # the same scores, statuses and messages as graded here
    assert report_tables(out) == report_tables(local)
    for name in ("canvas.csv", "moodle.csv", "roster-mismatch.csv"):
        assert (out / name).read_bytes() == (local / name).read_bytes(), name


@pytest.mark.slow
def test_a_bad_manual_file_after_grading_keeps_the_grades_and_says_where(local_class, tmp_path):
    folder, local, options = local_class
    out = tmp_path / "grades"
    shutil.copytree(local, out)  # graded already: the rerun grades nothing again
    for name in ("canvas.csv", "moodle.csv", "roster-mismatch.csv", "grades.csv"):
        (out / name).unlink()
    manual = write(tmp_path / "manual.csv", "student id,e1c\n20260001,2\n20260002,9\n")
    roster = options[options.index("--roster") + 1]
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder), "--out", str(out),
               "--roster", roster, "--manual", str(manual)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 2
    assert f"manual points {manual} line 3, column e1c: out of range; points go from 0 to 2" in completed.stderr
    assert without_seconds(out) == without_seconds(local)  # grades.csv and the report are still written
    assert (out / "report.html").is_file() and not (out / "canvas.csv").exists()
