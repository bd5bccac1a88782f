"""Hostile and broken submissions (tests/hostile_cases.py), graded in one batch by this package.

Tampering cases start from answers that earn nothing (the blank release, tampering before any
answer) or from a sample whose honest score is known (tampering after its answers), so "scores
what its honest answers earn" is exact.
"""

import json

import pytest

from helpers import ASSIGNMENT, forkservers_left, leaked_lines, package_grade
from hostile_cases import ESCAPE_PATHS, build_cases

pytestmark = pytest.mark.slow  # real batches, servers or browsers: not in the fast layer

def _possible(points):
    return sum(points.values())


def test_every_case_has_a_row_and_the_batch_finished(hostile_batch):
    grades, cases = hostile_batch
    assert set(grades) == set(cases)


def test_tampering_earns_only_what_honest_answers_earn(hostile_batch, course, points):
    grades, cases = hostile_batch
    honest = json.loads((course.samples(ASSIGNMENT) / "expected.json").read_text())["partial_credit"]
    for name, expected in cases.items():
        if expected == "zero":
            assert float(grades[name]["total"]) == 0, (name, grades[name])
        if expected == "partial":
            assert {q: float(grades[name][q]) for q in points} == {q: points[q] * (q in honest) for q in points}, name


def test_forged_or_dodged_evidence_loses_exactly_that_question(hostile_batch, points):
    """e5's "uses cos" and "came from backward", e3b's "came from backward": each forgery (a
    gradient assigned by hand, a backward pass over another graph, cos through an attribute set
    on a module, a builtins alias, a lookup handed on, pickled bytes, a rebinding under `if`, a
    name too long to read) scores 0 on its question and full marks elsewhere, with status ok."""
    grades, cases = hostile_batch
    forged = {name: expected.split(":", 1)[1] for name, expected in cases.items() if expected.startswith("without:")}
    assert len(forged) >= 12
    for name, question in forged.items():
        row = grades[name]
        assert row["status"] == "ok", row
        assert {q: float(row[q]) for q in points} == {q: 0.0 if q == question else points[q] for q in points}, (name, row)


def test_honest_and_recoverable_cases_keep_full_marks(hostile_batch, points):
    grades, cases = hostile_batch
    for name, expected in cases.items():
        if expected == "full":
            assert float(grades[name]["total"]) == _possible(points), (name, grades[name])


@pytest.mark.parametrize("case, status, keeps_points", [
    ("fault_infinite_loop", "cell-timeout", True), ("fault_sleep_forever", "cell-timeout", True),
    ("fault_huge_allocation", "memory-limit", True), ("fault_huge_output", "output-limit", True),
    ("fault_sys_exit", "ok", True), ("fault_kill_parent", "ok", True), ("fault_fork_loop", "ok", True),
    ("fault_write_outside", "ok", True), ("fault_deadlock_beside_a_busy_thread", "cell-timeout", True),
    ("fault_short_waits_forever", "cell-timeout", True),
    # each fault comes after every check cell: the questions judged there keep their points
    ("fault_os_exit", "crashed", True), ("fault_swallows_interrupts", "timeout", True),
    ("fault_garbage_to_the_grader", "crashed", True), ("fault_os_exit_early", "crashed", False),
])
def test_faults_are_contained_with_a_clear_status(hostile_batch, points, case, status, keeps_points):
    grades, _ = hostile_batch
    row = grades[case]
    assert row["status"] == status, row
    total = float(row["total"])
    assert total == (_possible(points) if keeps_points else 0), row
    if status in ("crashed", "timeout"):
        assert "cell" in row["error"] or "invalid data" in row["error"], row  # says where it stopped, or why


def test_a_crash_says_where_and_how(hostile_batch):
    row = hostile_batch[0]["fault_os_exit"]
    assert "exit code 3" in row["error"], row  # os._exit(3), in the cell the case added


def test_recursion_bomb_is_scored_with_a_status(hostile_batch, points):
    row = hostile_batch[0]["fault_recursion_bomb"]
    # a RecursionError, a cell interrupted while recursing, or a C stack overflow that ends the process
    assert row["status"] in ("ok", "cell-timeout", "crashed"), row
    assert row["status"] == "crashed" or float(row["total"]) == sum(points.values())


def test_nothing_written_outside_and_no_process_left(hostile_batch):
    assert not [path for path in ESCAPE_PATHS if path.exists()]
    assert not forkservers_left(since=hostile_batch[0].started), "every submission process (and the fork loop's children) is gone"
    assert not hostile_batch[0].scratch_left, "scratch folders are removed"


@pytest.mark.parametrize("case, words", [
    ("bad_not_json", "not a notebook"), ("bad_truncated", "truncated"), ("bad_empty_file", "empty"),
    ("zip_no_notebook", "no notebook"), ("zip_two_notebooks", "more than one notebook"), ("zip_bomb", "larger than"),
    ("not_a_zip", "not a valid zip"),
])
def test_malformed_input_gets_a_clear_message(hostile_batch, case, words):
    row = hostile_batch[0][case]
    assert row["status"] == "invalid" and words in row["error"], row
    assert "Traceback" not in row["error"]


def test_duplicate_submission_grades_the_newest_once(hostile_batch):
    grades, _ = hostile_batch
    assert grades["twice-2"]["status"] == "duplicate" and "the newest was graded" in grades["twice-2"]["error"]


def test_no_hidden_test_text_reaches_anything_a_student_gets(hostile_batch, course, hidden_test_lines):
    grades, hidden = hostile_batch[0], hidden_test_lines
    visible = [p for p in grades.out.rglob("*") if p.is_file() and p.suffix in (".json", ".html", ".csv")]
    visible += [course.release(ASSIGNMENT)]
    for path in visible:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name == "graded.json":
            continue  # the instructor's record, not shown to students; still checked below for the snoop
        assert not leaked_lines(text, hidden), path
    snoop = (grades.out / "results" / "snoop" / "graded.json").read_text(encoding="utf-8")
    assert not leaked_lines(snoop, hidden)
