"""Grades into the gradebook: the roster, the hand-graded points, and the files Canvas and Moodle import.

A roster (CSV: student id, name, email) says who is in the class. Each graded submission is
matched to one roster student by the rule in ``match`` (its id is the student id, the email or
the email's local part; a Gradescope export names its submitters itself). Hand-graded points for
the written questions come from a CSV the graders fill and are added to the autograded total,
so the exported grade is the whole assignment. Roster students without a submission, and
submissions without a roster student, are listed in the terminal, in report.html and in
roster-mismatch.csv: nothing is dropped silently.

The exports follow the formats the two systems document for importing one column of grades:
Canvas's gradebook CSV (Student, ID, SIS User ID, SIS Login ID, Section, then the assignment
column, and the "Points Possible" row of Canvas's own export) and Moodle's "Import grades from
CSV" (an identifier column, mapped to the user's ID number or email, and a grade column).

Roster and manual files are the instructor's, so their errors name the file, the line and the
column; a bad row stops the export (a wrong grade in a gradebook is worse than none).
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from coursegrader.classroom import pages
from coursegrader.core import messages
from coursegrader.core.notebooks import write_bytes_atomic
from coursegrader.core.assignment import Question, possible_points
from coursegrader.core.results import Graded
from coursegrader.core.spreadsheet import csv_text, needs_guard
from coursegrader.inputs.submissions import safe_id

CANVAS_NAME = "canvas.csv"
MOODLE_NAME = "moodle.csv"
MISMATCH_NAME = "roster-mismatch.csv"
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]  # Canvas's gradebook export, in order
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_IDENTITY = ["ID number", "Email address"]  # Moodle's names (its export's), mapped to useridnumber / useremail
MAX_TABLE_BYTES = 20 * 2**20  # a roster of a whole university is a few MB
MAX_ERRORS_SHOWN = 20

# Header names, compared after casefolding and dropping spaces, _ and - (so "Student ID",
# "student_id" and "StudentID" are one name). Canvas's export calls its own user id "ID" and the
# institution's "SIS User ID"; Moodle's export says "ID number" and "Email address".
_ID_NAMES = {"studentid", "id", "sid", "studentnumber", "sisuserid", "idnumber", "学号", "学生学号", "学籍号"}
_NAME_NAMES = {"name", "student", "studentname", "fullname", "姓名", "学生姓名", "名字"}
_FIRST_NAMES = {"firstname", "givenname", "名"}
_LAST_NAMES = {"lastname", "surname", "familyname", "姓"}
_EMAIL_NAMES = {"email", "emailaddress", "mail", "邮箱", "电子邮箱", "电子邮件", "邮件"}
_LOGIN_NAMES = {"sisloginid", "loginid", "login", "username", "用户名"}
_SECTION_NAMES = {"section", "sections", "班级", "班", "课程班"}
_SUBMISSION_NAMES = {"submission", "submissionid", "提交"}
_REMARK_NAMES = {"comment", "comments", "note", "notes", "remark", "remarks", "备注", "评语", "说明"}  # a grader's own notes
_CANVAS_TEST_STUDENT = {"studenttest", "teststudent"}  # Canvas's own test account, in every Canvas export
_CANVAS_ID = "id"  # Canvas's own user id, when the roster is a Canvas export (it has "SIS User ID" as well)


class GradebookError(ValueError):
    """A roster or manual-points file that cannot be used as it is; ``str`` lists every problem."""

    def __init__(self, problems: list[str]):
        shown = problems[:MAX_ERRORS_SHOWN]
        more = len(problems) - len(shown)
        super().__init__("\n".join(shown + ([messages.GRADEBOOK_MORE_PROBLEMS.format(count=more)] if more else [])))
        self.problems = problems


@dataclass(frozen=True)
class Student:
    id: str  # the institution's student id (Canvas: SIS User ID; Moodle: ID number)
    name: str = ""
    email: str = ""
    login: str = ""  # Canvas's SIS Login ID, when the roster has it
    section: str = ""
    canvas_id: str = ""  # Canvas's own user id, when the roster is a Canvas export
    line: int = 0  # in the roster file


@dataclass
class Matching:
    """Who handed in what: each roster student's submission, and every case that needs a person."""
    submission_of: dict[str, Graded] = field(default_factory=dict)  # student id -> the one matching submission
    no_submission: list[Student] = field(default_factory=list)
    no_roster: list[Graded] = field(default_factory=list)
    several: dict[str, list[Graded]] = field(default_factory=dict)  # student id -> submissions that all match
    ambiguous: dict[str, list[Student]] = field(default_factory=dict)  # submission -> students it matches


@dataclass
class Gradebook:
    """What goes into the LMS: a grade per roster student (None: left blank, with the reason listed)."""
    roster: list[Student]
    matching: Matching
    manual: dict[str, dict[str, float]]  # student id -> hand-graded question -> points
    manual_questions: list[str]  # the questions a manual file was given for ([] without one)
    possible: float
    grades: dict[str, float | None]  # student id -> exported total
    notes: list[tuple[str, Student | None, str, str]]  # (kind, student, submission, note) for roster-mismatch.csv


# --- Reading the instructor's tables ----------------------------------------------------

def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and (line number, cells) of each non-blank row of a CSV as spreadsheets save it:
    UTF-8 with or without a byte-order mark, UTF-16 (Excel's "Unicode text"), or GB18030 (Excel on
    Chinese Windows); comma, semicolon or tab separated."""
    try:
        data = path.read_bytes()
    except OSError:
        raise GradebookError([messages.TABLE_UNREADABLE.format(file=path)]) from None
    if len(data) > MAX_TABLE_BYTES:
        raise GradebookError([messages.TABLE_UNREADABLE.format(file=path)])
    text = _decoded(data)
    if text is None:
        raise GradebookError([messages.TABLE_UNREADABLE.format(file=path)])
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first.count) if first else ","
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error:
        raise GradebookError([messages.TABLE_BAD_CSV.format(file=path, line=reader.line_num)]) from None
    if not rows:
        raise GradebookError([messages.TABLE_EMPTY.format(file=path)])
    (_, header), body = rows[0], rows[1:]
    return header, body


def _decoded(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _header_key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", name)).casefold()


def _columns(header: list[str]) -> dict[str, int]:
    """Which column holds what: the first column of each kind."""
    keys = [_header_key(h) for h in header]
    canvas_export = "sisuserid" in keys
    kinds = {"id": _ID_NAMES - ({_CANVAS_ID} if canvas_export else set()), "name": _NAME_NAMES,
             "first": _FIRST_NAMES, "last": _LAST_NAMES, "email": _EMAIL_NAMES, "login": _LOGIN_NAMES,
             "section": _SECTION_NAMES, "submission": _SUBMISSION_NAMES}
    if canvas_export:
        kinds["canvas_id"] = {_CANVAS_ID}
    found = {}
    for kind, names in kinds.items():
        for index, key in enumerate(keys):
            if key in names and kind not in found:
                found[kind] = index
    if canvas_export:  # the institution's id is SIS User ID, whatever else says id
        found["id"] = keys.index("sisuserid")
    return found


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _extra_cells(path: Path, line: int, header: list[str], cells: list[str]) -> list[str]:
    return [messages.TABLE_EXTRA_CELLS.format(file=path, line=line)] if any(cells[len(header):]) else []


def read_roster(path: Path) -> list[Student]:
    """The students of a roster CSV; GradebookError lists every bad row (file and line)."""
    header, rows = read_table(path)
    columns = _columns(header)
    if "id" not in columns:
        raise GradebookError([messages.ROSTER_NO_ID_COLUMN.format(file=path)])
    students, problems = [], []
    first_line: dict[str, int] = {}
    first_email: dict[str, int] = {}
    for line, cells in rows:
        problems += _extra_cells(path, line, header, cells)
        sid = _cell(cells, columns["id"])
        name = _cell(cells, columns.get("name")) or " ".join(
            part for part in (_cell(cells, columns.get("first")), _cell(cells, columns.get("last"))) if part)
        if not sid and re.sub(r"[\s,]+", "", name).casefold() in {_header_key(CANVAS_POINTS_ROW), *_CANVAS_TEST_STUDENT}:
            continue  # a Canvas export's Points Possible row and its test student (who has no SIS User ID)
        email = _cell(cells, columns.get("email"))
        if not sid:
            problems.append(messages.ROSTER_NO_ID.format(file=path, line=line))
            continue
        if sid.casefold() in first_line:
            problems.append(messages.ROSTER_DUPLICATE_ID.format(file=path, line=line, first=first_line[sid.casefold()]))
            continue
        first_line[sid.casefold()] = line
        if email:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                problems.append(messages.ROSTER_BAD_EMAIL.format(file=path, line=line))
                continue
            if email.casefold() in first_email:
                problems.append(messages.ROSTER_DUPLICATE_EMAIL.format(file=path, line=line,
                                                                        first=first_email[email.casefold()]))
                continue
            first_email[email.casefold()] = line
        login, canvas_id = _cell(cells, columns.get("login")), _cell(cells, columns.get("canvas_id"))
        formulas = [header[columns[kind]] for kind, value in (("id", sid), ("email", email), ("login", login),
                                                               ("canvas_id", canvas_id)) if needs_guard(value)]
        if formulas:  # an id the LMS matches is written as it is: one a spreadsheet would run is refused
            problems += [messages.ROSTER_FORMULA.format(file=path, line=line, column=column) for column in formulas]
            continue
        students.append(Student(sid, name, email, login, _cell(cells, columns.get("section")), canvas_id, line))
    if problems:
        raise GradebookError(problems)
    if not students:
        raise GradebookError([messages.TABLE_EMPTY.format(file=path)])
    return students


def read_manual(path: Path, questions: list[Question], roster: list[Student], matching: Matching) -> dict[str, dict[str, float]]:
    """Hand-graded points by roster student id. A row names its student by student id, email or
    submission id (a column of any roster or submission header name); every other column must be
    a hand-graded question of the manifest, and each cell a number from 0 to its points (blank:
    not graded yet)."""
    header, rows = read_table(path)
    manual = {q.name: float(q.points) for q in questions if q.manual}
    columns = _columns(header)
    not_questions = set(columns.values()) | {i for i, name in enumerate(header) if _header_key(name) in _REMARK_NAMES}
    if not {"id", "email", "submission"} & set(columns):
        raise GradebookError([messages.MANUAL_NO_ID_COLUMN.format(file=path)])
    problems, question_at = [], {}
    for index, name in enumerate(header):
        if index in not_questions or not name:
            continue
        question = next((q for q in manual if q.casefold() == name.strip().casefold()), None)
        if question is None:
            problems.append(messages.MANUAL_UNKNOWN_COLUMN.format(file=path, column=name, allowed=", ".join(manual)))
        else:
            question_at[index] = question
    if problems:
        raise GradebookError(problems)
    student_of = _student_lookup(roster, matching)
    points: dict[str, dict[str, float]] = {}
    first_line: dict[str, int] = {}
    for line, cells in rows:
        problems += _extra_cells(path, line, header, cells)
        keys = [_cell(cells, columns.get(k)) for k in ("id", "email", "submission")]
        found = {student_of[k.casefold()] for k in keys if k and k.casefold() in student_of}
        if len(found) != 1:
            problems.append((messages.MANUAL_UNKNOWN_STUDENT if not found else messages.MANUAL_SEVERAL_STUDENTS)
                            .format(file=path, line=line))
            continue
        (sid,) = found
        if sid in first_line:
            problems.append(messages.MANUAL_DUPLICATE.format(file=path, line=line, first=first_line[sid]))
            continue
        first_line[sid] = line
        row = {}
        for index, question in question_at.items():
            text = _cell(cells, index)
            if not text:
                continue
            try:
                value = float(unicodedata.normalize("NFKC", text))
            except ValueError:
                problems.append(messages.MANUAL_NOT_NUMBER.format(file=path, line=line, question=question))
                continue
            if not 0 <= value <= manual[question]:  # NaN fails both
                problems.append(messages.MANUAL_OUT_OF_RANGE.format(file=path, line=line, question=question,
                                                                    max=manual[question]))
                continue
            row[question] = value
        points[sid] = row
    if problems:
        raise GradebookError(problems)
    return points


def _student_lookup(roster: list[Student], matching: Matching) -> dict[str, str]:
    """casefolded student id, email or matched submission id -> student id."""
    lookup = {}
    for student in roster:
        lookup[student.id.casefold()] = student.id
        if student.email:
            lookup[student.email.casefold()] = student.id
    for sid, graded in matching.submission_of.items():
        lookup.setdefault(graded.submission.casefold(), sid)
    return lookup


# --- Matching submissions to students ---------------------------------------------------

def submission_keys(student: Student) -> set[str]:
    """The submission ids that are this student's: the student id, the email, or the email's
    local part, each as a file name makes it (safe_id), compared without case."""
    names = [student.id]
    if student.email:
        names += [student.email, student.email.split("@")[0]]
    return {safe_id(name).casefold() for name in names if name}


def match(roster: list[Student], graded: list[Graded], identities: dict[str, list[str]] | None = None) -> Matching:
    """Each roster student's submission. ``identities`` (submission -> student ids or emails, from a
    Gradescope export's metadata) name a submission's students outright (a group submission names
    several); otherwise a submission's id must be one student's ``submission_keys``. Duplicates
    (older files of a student already graded) are not matched."""
    identities = identities or {}
    by_key: dict[str, list[Student]] = {}
    for student in roster:
        for key in submission_keys(student):
            by_key.setdefault(key, []).append(student)
        for name in (student.id, student.email):
            if name:
                by_key.setdefault("\0" + name.casefold(), []).append(student)  # a Gradescope export's own names
    result = Matching()
    claims: dict[str, list[Graded]] = {}
    for g in graded:
        if g.status == "duplicate":
            continue
        if g.submission in identities:
            students = _unique(s for name in identities[g.submission] for s in by_key.get("\0" + name.casefold(), []))
            if not students:
                students = by_key.get(g.submission.casefold(), [])
        else:
            students = _unique(by_key.get(g.submission.casefold(), []))
            if len(students) > 1:
                result.ambiguous[g.submission] = students
                continue
        if not students:
            result.no_roster.append(g)
        for student in students:
            claims.setdefault(student.id, []).append(g)
    for student in roster:
        found = claims.get(student.id, [])
        if len(found) == 1:
            result.submission_of[student.id] = found[0]
        elif found:
            result.several[student.id] = found
        elif not any(student in s for s in result.ambiguous.values()):
            result.no_submission.append(student)
    return result


def _unique(students) -> list[Student]:
    return list({s.id: s for s in students}.values())


# --- The gradebook ----------------------------------------------------------------------

def build(roster: list[Student], graded: list[Graded], questions: list[Question], manual_path: Path | None = None,
          identities: dict[str, list[str]] | None = None) -> Gradebook:
    """The grade of every roster student and the list of everything a person must look at."""
    matching = match(roster, graded, identities)
    manual = read_manual(manual_path, questions, roster, matching) if manual_path else {}
    manual_questions = [q.name for q in questions if q.manual] if manual_path else []
    possible = possible_points(questions) + sum(q.points for q in questions if q.manual and manual_path)
    by_id = {s.id: s for s in roster}
    grades: dict[str, float | None] = {s.id: None for s in roster}
    notes = []
    for student in roster:
        g = matching.submission_of.get(student.id)
        if g is None:
            continue
        if g.status == "error":  # the grader's own failure: its 0 is not the student's grade
            notes.append(("grader-error", student, g.submission, messages.MISMATCH_GRADER_ERROR))
            continue
        entered = manual.get(student.id, {})
        missing = [q for q in manual_questions if q not in entered]
        if missing:
            notes.append(("manual-missing", student, g.submission,
                          messages.MISMATCH_MANUAL_MISSING.format(questions=", ".join(missing))))
            continue
        grades[student.id] = round(g.total + sum(entered.values()), 4)
    notes += [("no-submission", s, "", messages.MISMATCH_NO_SUBMISSION) for s in matching.no_submission]
    notes += [("no-roster-entry", None, g.submission, messages.MISMATCH_NO_ROSTER) for g in matching.no_roster]
    notes += [("several-submissions", by_id[sid], g.submission, messages.MISMATCH_SEVERAL)
              for sid, found in matching.several.items() for g in found]
    notes += [("ambiguous", s, submission, messages.MISMATCH_AMBIGUOUS)
              for submission, students in matching.ambiguous.items() for s in students]
    for sid in manual:
        if sid not in matching.submission_of and sid not in matching.several:
            notes.append(("manual-without-submission", by_id[sid], "", messages.MISMATCH_MANUAL_ONLY))
    return Gradebook(roster, matching, manual, manual_questions, possible, grades, notes)


def _points(value: float | None) -> str:
    """Plain decimals (no exponent, at most 4 places), as both gradebooks read them."""
    return "" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


def canvas_csv(book: Gradebook, column: str) -> str:
    """Canvas's gradebook import: its identity columns, one assignment column, the Points Possible row.
    Canvas finds each student by ID or SIS User ID (or SIS Login ID); a blank grade changes nothing."""
    return csv_text([[*CANVAS_IDENTITY, column], [CANVAS_POINTS_ROW, "", "", "", "", _points(book.possible)],
                     *([s.name, s.canvas_id, s.id, s.login, s.section, _points(book.grades[s.id])] for s in book.roster)],
                    lineterminator="\r\n")


def moodle_csv(book: Gradebook, column: str) -> str:
    """Moodle's "Import grades from CSV": map "ID number" to useridnumber (or "Email address" to
    useremail) and the grade column to the grade item."""
    return csv_text([[*MOODLE_IDENTITY, column], *([s.id, s.email, _points(book.grades[s.id])] for s in book.roster)],
                    lineterminator="\r\n")


def mismatch_csv(book: Gradebook) -> str:
    rows = [["kind", "student id", "name", "email", "submission", "note"]]
    for kind, student, submission, note in book.notes:
        who = (student.id, student.name, student.email) if student else ("", "", "")
        rows.append([kind, *who, submission, note])
    return csv_text(rows, lineterminator="\r\n")


def section(book: Gradebook) -> str:
    """The report's gradebook section: counts, the exported files, and every row needing a person."""
    written = (messages.GRADEBOOK_WITH_MANUAL.format(questions=", ".join(book.manual_questions))
               if book.manual_questions else messages.GRADEBOOK_AUTOGRADED_ONLY)
    written_zh, _, written_en = written.rpartition(" / ")
    return pages.render("gradebook.html.j2", roster=len(book.roster), exported=sum(1 for v in book.grades.values() if v is not None),
                        possible=f"{book.possible:g}", written_zh=written_zh, written_en=written_en, canvas=CANVAS_NAME,
                        moodle=MOODLE_NAME, mismatch=MISMATCH_NAME, notes=book.notes, all_matched=messages.GRADEBOOK_ALL_MATCHED)


def summary(book: Gradebook) -> str:
    """Lines for the terminal: what was exported and each case left for a person."""
    exported = sum(1 for v in book.grades.values() if v is not None)
    lines = [f"Gradebook: {exported} of {len(book.roster)} roster student(s) exported, out of {book.possible:g} points"]
    counts: dict[str, list[str]] = {}
    for kind, student, submission, _ in book.notes:
        counts.setdefault(kind, []).append(student.id if student and not submission else
                                           f"{student.id}:{submission}" if student else submission)
    for kind, names in counts.items():
        shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        lines.append(f"  {kind}: {len(names)} ({shown})")
    return "\n".join(lines)


def write(book: Gradebook, out: Path, column: str) -> list[Path]:
    """canvas.csv and moodle.csv (UTF-8, as both systems ask) and roster-mismatch.csv (with a
    byte-order mark, so that Excel shows its Chinese notes)."""
    files = [(CANVAS_NAME, canvas_csv(book, column), "utf-8"), (MOODLE_NAME, moodle_csv(book, column), "utf-8"),
             (MISMATCH_NAME, mismatch_csv(book), "utf-8-sig")]
    for name, text, encoding in files:
        write_bytes_atomic(text.encode(encoding, "replace"), out / name)
    return [out / name for name, _, _ in files]
