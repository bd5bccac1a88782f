"""What the grader accepts: every path becomes one row with a fixed message, nothing is followed
out of the submissions folder, ids are unique and safe; and the pins the course promises."""

import json
import os
import shutil
import socket
import threading
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import broken_inputs as broken
from broken_inputs import MARK, NAME_MARK
from helpers import ASSIGNMENT, ROOT, package_grade
from coursegrader.engine import protocol
from coursegrader.routes.local import grade_all
from coursegrader.routes.records import ERROR_RUNS_KEPT, previous_result, save_result
from coursegrader.engine.assignment import Assignment
from coursegrader.core.results import Graded
from coursegrader.inputs.problems import MAX_FILE_BYTES, MESSAGES
from coursegrader.routes.progress import Progress
from coursegrader.engine.sandbox import Limits
from coursegrader.inputs.submissions import Submission, SubmissionError, discover, read_submission, safe_id

FULL_MARKS = ROOT / "samples" / ASSIGNMENT / "full_marks.ipynb"


@pytest.fixture(scope="module")
def full() -> bytes:
    return FULL_MARKS.read_bytes()


def reason(path: Path) -> str:
    """Why the one submission at ``path`` cannot be graded, or "graded"."""
    (submission,) = discover([path])
    try:
        read_submission(submission)
        return "graded"
    except SubmissionError as error:
        assert str(error) == MESSAGES[error.reason]
        return error.reason


# --- discovery and ids -------------------------------------------------------------------------

def test_discover_names_submissions_after_files_and_student_folders(tmp_path):
    (tmp_path / "ann.ipynb").write_text("{}")
    (tmp_path / "bob.zip").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / ".hidden.ipynb").write_text("{}")
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "autograd.ipynb").write_text("{}")
    found = discover([tmp_path])
    assert [(s.id, s.path.name) for s in found] == [("ann", "ann.ipynb"), ("bob", "bob.zip"), ("carol", "carol")]


def test_every_link_and_special_file_in_a_folder_is_a_row(tmp_path):
    folder = broken.short_folder()
    try:
        (folder / "real.ipynb").write_text("{}")
        os.symlink(folder / "real.ipynb", folder / "real_link.ipynb")
        os.symlink(folder / "real.ipynb", folder / "notes.txt")  # even one a regular file of that name would not be
        os.mkfifo(folder / "pipe.ipynb")
        broken.make_socket(folder / "sock")
        found = discover([folder])
        assert sorted(s.id for s in found) == ["notes", "pipe", "real", "real_link", "sock"]
        assert not any(s.duplicate for s in found)
    finally:
        shutil.rmtree(folder)


def test_ids_are_unique_in_a_batch(tmp_path):
    for name in ("x.zip", "x.ipynb", "x-2.ipynb", "X-3.ipynb"):
        (tmp_path / name).write_text("{}")
    os.utime(tmp_path / "x.ipynb", (1_000_000_000, 1_000_000_000))
    found = discover([tmp_path])
    assert len(found) == 4 and len({s.id.casefold() for s in found}) == 4
    by_file = {s.path.name: s for s in found}
    assert by_file["x.zip"].id == "x" and not by_file["x.zip"].duplicate  # the newest of the student's two
    assert by_file["x-2.ipynb"].id == "x-2" and by_file["X-3.ipynb"].id == "X-3"  # named as submitted
    assert by_file["x.ipynb"].duplicate and by_file["x.ipynb"].id not in ("x", "x-2", "X-3")


def test_discover_keeps_two_files_with_one_name_apart(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "autograd.ipynb").write_text("{}")
    found = discover([tmp_path / "a" / "autograd.ipynb", tmp_path / "b" / "autograd.ipynb"])
    assert [s.id for s in found] == ["autograd", "autograd-2"]


@pytest.mark.parametrize("name", ["..", ".", "a/b", "=HYPERLINK(1)", "-1+1", "@x", "tab\there", "bidi\u202egnp",
                                  os.fsdecode(b"bytes_\xff"), "长" * 300, "😀" * 100, " .x. ", ""])
def test_ids_are_safe_as_folder_names_and_csv_cells(name):
    text = safe_id(name)
    assert text and text.isprintable() and not set('/\\:*?"<>|') & set(text)
    assert text[0] not in ".=+-@ " and len(text.encode()) <= 200
    assert not text.startswith(".") and text not in (".", "..")


def test_a_given_file_that_is_not_a_notebook_is_a_row_and_a_missing_one_stops_before_grading(tmp_path):
    (tmp_path / "essay.docx").write_text("")
    assert reason(tmp_path / "essay.docx") == "not-gradable"
    with pytest.raises(FileNotFoundError, match="missing"):
        discover([tmp_path / "missing"])


# --- reading: each class of broken input becomes one fixed reason -------------------------------

@pytest.mark.parametrize("make, expected", [
    (lambda full: broken.corrupt_deflate(full), "bad-zip"),
    (lambda full: broken.encrypted(full), "encrypted-zip"),
    (lambda full: broken.name_not_utf8(full), "bad-zip"),
    (lambda full: broken.unknown_method(full), "bad-zip"),
    (lambda full: b"PK\x03\x04 broken", "bad-zip"),
    (lambda full: broken.export_zip(b"{}", extra={"b.ipynb": b"{}"}), "zip-several"),
    (lambda full: broken.export_zip(b"", name="readme.txt"), "zip-no-notebook"),
    (lambda full: broken.export_zip(full, name=f"../../{MARK}.ipynb"), "graded"),  # the name is never a path
], ids=["corrupt-deflate", "encrypted", "name-not-utf8", "unknown-method", "not-a-zip", "two-notebooks", "no-notebook", "traversal-name"])
def test_broken_zips_are_rows(tmp_path, full, make, expected):
    path = tmp_path / "s.zip"
    path.write_bytes(make(full))
    assert reason(path) == expected


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.zip"
    path.write_bytes(broken.export_zip(b" " * (MAX_FILE_BYTES + 1)))
    assert path.stat().st_size < 2**20 and reason(path) == "too-large"


def test_a_zip_listing_thousands_of_files_is_refused_before_its_directory_is_read(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(30_000):
            archive.writestr(f"{index}.txt", b"")
    assert reason(path) == "zip-too-many"


@pytest.mark.parametrize("make, expected", [
    (lambda full: b"", "empty"),
    (lambda full: b"   \n", "empty"),
    (lambda full: b"\xff\xfe{", "not-utf8"),
    (lambda full: full[: len(full) // 2], "truncated"),
    (lambda full: b"this is not a notebook", "not-json"),
    (lambda full: b'{"cells": [], "n": ' + b"9" * 5000 + b"}", "not-json"),
    (lambda full: broken.deeply_nested(), "too-deep"),
    (lambda full: b"[1, 2]", "not-notebook"),
    (lambda full: b'{"metadata": {}}', "not-notebook"),
    (lambda full: b'{"cells": {"a": 1}}', "malformed-cell"),
    (lambda full: b'{"cells": [5]}', "malformed-cell"),
    (lambda full: b'{"cells": [{"cell_type": 5, "source": ""}]}', "malformed-cell"),
    (lambda full: broken.source_not_text(full), "malformed-cell"),
    (lambda full: b'{"worksheets": 5}', "malformed-cell"),
    (lambda full: broken.huge_code(), "too-much-code"),
    (lambda full: json.dumps({"cells": [{"cell_type": "code", "source": "pass"}] * 1001}).encode(), "too-many-cells"),
    (lambda full: broken.tags_not_a_list(full), "graded"),
    (lambda full: broken.fields_of_odd_types(full), "graded"),
    (lambda full: broken.lone_surrogate_cell(full), "graded"),
], ids=["empty", "blank", "not-utf8", "truncated", "not-json", "huge-integer", "deep", "a-list", "no-cells",
        "cells-not-a-list", "cell-not-an-object", "cell-type-not-text", "source-not-text", "worksheets-not-a-list",
        "40-MB-of-code", "1001-code-cells", "tags-not-a-list", "odd-field-types", "lone-surrogate"])
def test_broken_notebooks_are_rows(tmp_path, full, make, expected):
    path = tmp_path / "s.ipynb"
    path.write_bytes(make(full))
    assert reason(path) == expected


def test_odd_metadata_counts_as_no_tags_and_the_code_is_kept(tmp_path, full):
    path = tmp_path / "s.ipynb"
    path.write_bytes(broken.fields_of_odd_types(full))
    odd = read_submission(Submission("s", path))
    path.write_bytes(full)
    honest = read_submission(Submission("s", path))
    assert [(c.number, c.source) for c in odd.code_cells] == [(c.number, c.source) for c in honest.code_cells]
    assert not any(c.tags for c in odd.code_cells) and any(c.tags for c in honest.code_cells)


def test_only_code_reaches_the_submissions_process(tmp_path, full):
    """A notebook that is mostly outputs (150 MB of plot) is read by the grader (in a child
    process with its own limits); the notebook its process sees holds code cells and tags only."""
    path = tmp_path / "plots.ipynb"
    path.write_bytes(broken.mostly_outputs(full))
    notebook = read_submission(Submission("plots", path))
    honest = read_submission(Submission("honest", FULL_MARKS))
    assert notebook.code_cells == honest.code_cells
    saved = notebook.saved()
    assert len(saved) < 100_000 and MARK not in saved.decode("ascii")
    assert {c["cell_type"] for c in json.loads(saved)["cells"]} == {"code"}


def test_a_file_over_the_cap_is_refused_without_being_read(tmp_path):
    path = tmp_path / "huge.ipynb"
    broken.write_sparse(path, 4 * MAX_FILE_BYTES)
    assert reason(path) == "too-large"


def test_links_are_rows_and_never_followed(tmp_path, course):
    solution = course.solution(ASSIGNMENT)
    os.symlink(solution, tmp_path / "to_solution.ipynb")
    os.symlink(course.root / "source", tmp_path / "student_folder_is_a_link")
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "blank.ipynb").write_bytes(course.release(ASSIGNMENT).read_bytes())
    os.symlink(course.root / "source" / ASSIGNMENT, tmp_path / "student" / "extra")
    (tmp_path / "student2" / "deeper").mkdir(parents=True)
    os.symlink(solution, tmp_path / "student2" / "deeper" / "autograd.ipynb")
    reasons = {}
    for submission in discover([tmp_path]):
        with pytest.raises(SubmissionError) as error:
            read_submission(submission)
        reasons[submission.id] = error.value.reason
    assert reasons == {"to_solution": "link", "student_folder_is_a_link": "link", "student": "link-inside",
                       "student2": "link-inside"}


def test_a_file_swapped_for_a_link_after_discovery_is_refused(tmp_path, course):
    (tmp_path / "alice.ipynb").write_bytes(course.release(ASSIGNMENT).read_bytes())
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "autograd.ipynb").write_bytes(course.release(ASSIGNMENT).read_bytes())
    found = discover([tmp_path])
    (tmp_path / "alice.ipynb").unlink()
    os.symlink(course.solution(ASSIGNMENT), tmp_path / "alice.ipynb")
    (tmp_path / "bob" / "autograd.ipynb").unlink()
    os.symlink(course.solution(ASSIGNMENT), tmp_path / "bob" / "autograd.ipynb")
    for submission in found:
        with pytest.raises(SubmissionError, match="symbolic link"):
            read_submission(submission)


def test_special_files_are_rows_and_never_opened(tmp_path):
    folder = broken.short_folder()
    try:
        os.mkfifo(folder / "pipe.ipynb")  # opening it for reading would block a reader without O_NONBLOCK
        broken.make_socket(folder / "sock.ipynb")
        made_device = broken.make_device(folder / "device.ipynb")
        (folder / "student").mkdir()
        (folder / "student" / "a.ipynb").write_text("{}")
        os.mkfifo(folder / "student" / "pipe")
        found = {s.id: s for s in discover([folder])}
        expected = {"pipe": "special", "sock": "special", "student": "special-inside"}
        if made_device:
            expected["device"] = "special"
        assert {name: reason_of(found[name]) for name in expected} == expected
    finally:
        shutil.rmtree(folder)


def reason_of(submission: Submission) -> str:
    try:
        read_submission(submission)
        return "graded"
    except SubmissionError as error:
        return error.reason


@pytest.mark.parametrize("layout, expected", [
    ({}, "folder-empty"),
    ({"a.ipynb": "{}", "sub/b.zip": ""}, "folder-several"),
    ({".ipynb_checkpoints/a-checkpoint.ipynb": "{}", "notes.txt": "", "deep/er/autograd.ipynb": '{"cells": []}'}, "graded"),
    ({"/".join(["d"] * 12) + "/a.ipynb": "{}"}, "folder-too-big"),
])
def test_student_folders(tmp_path, layout, expected):
    student = tmp_path / "student"
    student.mkdir()
    for name, text in layout.items():
        (student / name).parent.mkdir(parents=True, exist_ok=True)
        (student / name).write_text(text)
    assert reason_of(Submission("student", student)) == expected


def test_an_unreadable_file_is_a_row(full):
    """Permissions bind root only through another user: as root, the reader runs as nobody."""
    folder = broken.short_folder()
    try:
        path = folder / "locked.ipynb"
        path.write_bytes(full)
        path.chmod(0)
        (folder / "locked_folder").mkdir(mode=0)
        if os.geteuid() != 0:
            assert reason_of(Submission("locked", path)) == "unreadable"
            assert reason_of(Submission("locked_folder", folder / "locked_folder")) == "unreadable"
            return
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # the reader, as nobody
            try:
                os.setgid(65534)
                os.setuid(65534)
                answer = [reason_of(Submission("locked", path)), reason_of(Submission("f", folder / "locked_folder"))]
                os.write(write, json.dumps(answer).encode())
            finally:
                os._exit(0)
        os.close(write)
        answer = os.read(read, 4096)
        os.waitpid(child, 0)
        os.close(read)
        assert json.loads(answer) == ["unreadable", "unreadable"]
    finally:
        (folder / "locked_folder").chmod(0o700)
        shutil.rmtree(folder)


def test_every_message_is_a_fixed_chinese_text_with_an_english_gloss():
    for reason_name, message in MESSAGES.items():
        chinese, english = message.split(" / ", 1)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese) and english.isascii(), reason_name
        assert "{" not in message, reason_name


# --- the protocol with the submission's process -----------------------------------------------

@pytest.mark.parametrize("payload", [
    b"[" * 200_000 + b"]" * 200_000,  # nests beyond the parser's recursion limit
    b"\xff\xfe\x00",  # not UTF-8
    b'"\xed\xa0\x80"',  # a surrogate written in UTF-8 bytes
    b'{"message": "\\ud800"}',  # a lone surrogate spelled as a JSON escape
    b'{"n": ' + b"9" * 10_000 + b"}",  # more digits than Python converts
    b"{'python': 'literal'}",
])
def test_a_frame_that_is_not_a_message_is_a_protocol_error(payload):
    ours, theirs = socket.socketpair()
    with ours, theirs:
        sender = threading.Thread(target=theirs.sendall, args=(len(payload).to_bytes(4, "big") + payload,))
        sender.start()  # the frame is larger than the socket's buffer
        with pytest.raises(protocol.ProtocolError) as error:
            protocol.receive(ours)
        sender.join()
    assert str(error.value) == "not a JSON message"


def test_an_oversized_frame_is_refused_without_repeating_its_size():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall((protocol.MAX_MESSAGE_BYTES + 12345).to_bytes(4, "big"))
        with pytest.raises(protocol.ProtocolError) as error:
            protocol.receive(ours)
    assert not any(ch.isdigit() for ch in str(error.value))


def test_text_with_a_lone_surrogate_can_be_sent():
    """An honest exception message may hold a file name Python decoded with surrogateescape."""
    name = os.fsdecode(b"data_\xff.csv")
    ours, theirs = socket.socketpair()
    with ours, theirs:
        protocol.send(theirs, {"message": f"No such file: {name}", "cell": 3})
        assert protocol.receive(ours) == {"message": "No such file: data_?.csv", "cell": 3}


# --- the batch: results kept, grader faults reported once ---------------------------------------

def test_an_error_is_graded_again_once_then_kept(tmp_path, course):
    assignment = Assignment.from_autograder(course.autograder(ASSIGNMENT))
    folder = tmp_path / "results" / "s"
    fault = Graded("s", "error", message="the grader failed")
    save_result(fault, assignment, folder, "key", error_runs=0)
    assert previous_result(folder, "key") == (None, 1)  # graded again on the next run
    save_result(fault, assignment, folder, "key", error_runs=1)
    kept, runs = previous_result(folder, "key")
    assert kept is not None and kept.status == "error" and runs == ERROR_RUNS_KEPT
    assert previous_result(folder, "other key") == (None, 0)  # a changed file is graded again
    save_result(Graded("s", "invalid", message="x"), assignment, folder, "key", error_runs=runs)
    assert previous_result(folder, "key")[0].status == "invalid"


@pytest.mark.slow
def test_a_grader_fault_on_one_submission_keeps_every_other_result(tmp_path, course, full):
    """Real faults, no mocks: a path the OS refuses (a NUL byte) is a file no check foresaw, so
    that submission's own row (invalid, the fixed message); a results folder that is a file fails
    saving the last one, the grader's own fault. The one graded first keeps its result."""
    (tmp_path / "in").mkdir()
    honest, blocked = tmp_path / "in" / "honest.ipynb", tmp_path / "in" / "blocked.ipynb"
    honest.write_bytes(full)
    blocked.write_bytes(b"not a notebook")
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    (out / "results" / "blocked").write_text("in the way")
    submissions = [Submission("honest", honest), Submission("nul", Path("nul\0.ipynb")), Submission("blocked", blocked)]
    with open(os.devnull, "w") as quiet:
        graded = grade_all(submissions, course.autograder(ASSIGNMENT).read_bytes(), out, Limits.from_course(course), 1, Progress(quiet))
    rows = {g.submission: g for g in graded}
    assert rows["honest"].status == "ok" and rows["honest"].total == 24
    assert (out / "results" / "honest" / "results.json").is_file()
    assert rows["nul"].status == "invalid" and rows["nul"].message == MESSAGES["unexpected"]
    assert rows["blocked"].status == "error" and "saving" in rows["blocked"].message


@pytest.mark.slow
def test_each_new_result_is_handed_on_once_saved_and_what_fails_there_leaves_it(tmp_path, course, full):
    """grade_all calls ``saved`` with each new result and its folder, results.json written (the
    CLI writes its feedback page then, while the rest are graded); a result read back from an
    earlier run is not handed on, and a ``saved`` that raises changes no row."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "honest.ipynb").write_bytes(full)
    submissions = [Submission("honest", tmp_path / "in" / "honest.ipynb")]
    out, handed = tmp_path / "out", []

    def saved(graded, folder):
        handed.append((graded.submission, folder, (folder / "results.json").is_file()))
        raise OSError("the page could not be written")

    autograder = course.autograder(ASSIGNMENT).read_bytes()
    with open(os.devnull, "w") as quiet:
        first = grade_all(submissions, autograder, out, Limits.from_course(course), 1, Progress(quiet), saved=saved)
        again = grade_all(submissions, autograder, out, Limits.from_course(course), 1, Progress(quiet), saved=saved)
    assert handed == [("honest", out / "results" / "honest", True)]
    assert first[0].status == again[0].status == "ok" and first[0].total == again[0].total == 24


# --- one real batch with every class --------------------------------------------------------------

def _every_class(folder: Path, course, full: bytes) -> dict[str, str | None]:
    """One file of every class, two honest copies; name -> the status it must get (None: any but error)."""
    solution = course.solution(ASSIGNMENT)
    expected: dict[str, str | None] = {"honest_a": "ok", "honest_b": "ok"}
    (folder / "honest_a.ipynb").write_bytes(full)
    (folder / "honest_b.ipynb").write_bytes(full)
    files = {
        f"deflate_{NAME_MARK}.zip": (broken.corrupt_deflate(full), "invalid"),
        "encrypted.zip": (broken.encrypted(full), "invalid"),
        "member_name.zip": (broken.name_not_utf8(full), "invalid"),
        "two_members.zip": (broken.export_zip(full, name=f"{MARK}-a.ipynb", extra={f"{MARK}-b.ipynb": full}), "invalid"),
        "deep.ipynb": (broken.deeply_nested(), "invalid"),
        "tags.ipynb": (broken.tags_not_a_list(full), "ok"),
        "odd_types.ipynb": (broken.fields_of_odd_types(full), "ok"),
        "source_not_text.ipynb": (broken.source_not_text(full), "invalid"),
        "surrogate.ipynb": (broken.lone_surrogate_cell(full), "ok"),
        "raises.ipynb": (broken.cell_that_raises(full), "ok"),
        "huge_code.ipynb": (broken.huge_code(), "invalid"),
        "empty_cells.ipynb": (broken.empty_cells_after(full), "ok"),
        "plots.ipynb": (broken.mostly_outputs(full), "ok"),
        f"broken_{NAME_MARK}.ipynb": (b'{"cells": [' + MARK.encode(), "invalid"),
        "x-2.ipynb": (full, "ok"),
        "locked.ipynb": (full, "ok" if os.geteuid() == 0 else "invalid"),  # permissions do not bind root
    }
    for name, (data, status) in files.items():
        (folder / name).write_bytes(data)
        expected[Path(name).stem] = status
    (folder / "x.zip").write_bytes(broken.export_zip(full))  # x.zip and x.ipynb: one student twice;
    (folder / "x.ipynb").write_bytes(full)  # the newer is graded as x, the other is listed (x-2 is taken)
    expected.update({"x": "ok", "x-3": "duplicate"})
    os.utime(folder / "x.ipynb", (1_000_000_000, 1_000_000_000))
    (folder / "locked.ipynb").chmod(0)
    broken.write_sparse(folder / "huge.ipynb", 2 * MAX_FILE_BYTES)
    os.mkfifo(folder / "pipe.ipynb")
    broken.make_socket(folder / "sock.ipynb")
    expected.update(huge="invalid", pipe="invalid", sock="invalid")
    if broken.make_device(folder / "device.ipynb"):
        expected["device"] = "invalid"
    os.symlink(solution, folder / "link_to_solution.ipynb")
    os.symlink(folder / "honest_a.ipynb", folder / "link_to_classmate.ipynb")
    os.symlink(course.root / "source", folder / "folder_link")
    (folder / "empty_student").mkdir()
    (folder / "linking_student").mkdir()
    (folder / "linking_student" / "blank.ipynb").write_bytes(course.release(ASSIGNMENT).read_bytes())
    os.symlink(course.root / "source" / ASSIGNMENT, folder / "linking_student" / "source")
    expected.update(link_to_solution="invalid", link_to_classmate="invalid", folder_link="invalid",
                    empty_student="invalid", linking_student="invalid")
    return expected


@pytest.mark.slow
def test_a_batch_of_every_broken_input_completes(tmp_path, course, full):
    """Among them the files that raised out of grading before (TypeError, RecursionError,
    zlib.error: tags, deep, deflate_*) and ended the batch with no grades.csv."""
    folder = broken.short_folder()
    try:
        expected = _every_class(folder, course, full)
        grades = package_grade([folder], tmp_path / "grades", "--workers", "2")
    finally:
        (folder / "locked.ipynb").chmod(0o600)
        shutil.rmtree(folder)
    statuses = {name: row["status"] for name, row in grades.items()}
    assert "error" not in statuses.values()
    assert statuses == {name: status for name, status in expected.items()}, statuses
    for name in ("honest_a", "honest_b", "x", "x-2", "tags", "odd_types", "surrogate", "plots", "empty_cells"):
        assert float(grades[name]["total"]) == 24, (name, grades[name])
        assert (grades.out / "results" / name / "results.json").is_file(), name
    assert grades["huge_code"]["error"] == MESSAGES["too-much-code"]
    _assert_nothing_echoed(grades, set(grades))


def _assert_nothing_echoed(grades, ids: set[str]) -> None:
    """MARK appears nowhere; NAME_MARK only inside submission ids."""
    for row in grades.values():
        assert not any(MARK in value or NAME_MARK in value for key, value in row.items() if key != "submission"), row
    for path in grades.out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".csv"):
            text = path.read_text(encoding="utf-8")
            assert MARK not in text, path
            for submission_id in sorted(ids, key=len, reverse=True):
                text = text.replace(submission_id, "")
            assert NAME_MARK not in text, path


def test_local_environment_matches_the_autograder_image_pins(course):
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().split() if "==" in line)
    for requirement in course.AUTOGRADER_REQUIREMENTS:
        name, pinned = requirement.split("==")
        assert pins[name] == pinned == version(name)
    assert version("torch").split("+")[0] == course.TORCH_VERSION
    assert version("otter-grader") == course.OTTER_VERSION
