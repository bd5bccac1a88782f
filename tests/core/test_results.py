"""The results model (coursegrader/core/results.py) on its own: a graded submission survives the
batch's record and Gradescope's results.json, failures are one constructor away, the grades table
has one column per autograded question, and text from a submission is shown as typed, never as
markdown or HTML. Fast: no process, no kernel; the assignment is built from a small test file."""

import csv
import io
import json
import re
import textwrap

import pytest

from coursegrader.core import messages
from coursegrader.engine.checks import hidden_checks, standalone
from coursegrader.core.assignment import Question
from coursegrader.engine.assignment import Assignment, LoadedCheck
from coursegrader.core.statuses import Status
from coursegrader.core.results import Graded, Verdict, grades_csv, grades_table
from gradescope_harness import VALIDATOR
from helpers import PASSING_CHECK

QUESTIONS = [Question("q1", 2, False, ("test_q1_a", "test_q1_b")), Question("essay", 5, True),
             Question("q2", 3, False, ("test_q2_a",))]


def assignment(show_hidden: bool = True, hidden_feedback: str = "after_published") -> Assignment:
    """q1 with two hidden checks (1 point each), q2 with one, the essay graded by hand."""
    checks = []
    for question, names in (("q1", ["q1_a", "q1_b"]), ("q2", ["q2_a"])):
        source = "".join(PASSING_CHECK.format(name=name, points=1) for name in names)
        for check in hidden_checks(textwrap.dedent(source), f"tests/{question}.py"):
            checks.append(LoadedCheck(check, question, standalone(check.judge_source), {}))
    return Assignment(QUESTIONS, checks, {}, None, show_hidden, "autograd.ipynb", {}, hidden_feedback=hidden_feedback)


def graded(status: str = "ok", **fields) -> Graded:
    """q1 half right (a misconception named), q2 right, q2 checked."""
    values = dict(scores={"q1": 1.0, "q2": 3.0}, total=4.0, seconds=12.3, message="",
                  feedback={"test_q1_a": Verdict(True, "q1 ok"), "test_q1_b": Verdict(False, "比例不是导数 / not a ratio", "ratio"),
                            "test_q2_a": Verdict(True, "q2 ok")},
                  peak_mb=310.5, phases={"cells": 3.2}, missing_walls=["landlock"], walls=["seccomp"],
                  public=[{"name": "q1", "passed": True, "message": ""}])
    values.update(fields)
    return Graded("alice", status, **values)


def boxes(results: dict) -> dict[str, dict]:
    return {test["name"]: test for test in results["tests"]}


# --- the batch's record ---------------------------------------------------------------------

def test_a_record_written_as_json_reads_back_as_the_same_result():
    original = graded()
    again = Graded.from_record(json.loads(json.dumps(original.to_record())))
    assert again == original
    assert all(isinstance(v, Verdict) for v in again.feedback.values())
    assert again.feedback["test_q1_b"].misconception == "ratio"  # JSON made it a list; the record a Verdict again


def test_a_record_from_before_misconception_ids_still_reads():
    record = json.loads(json.dumps(graded().to_record()))
    record["feedback"] = {name: verdict[:2] for name, verdict in record["feedback"].items()}
    assert Graded.from_record(record).feedback["test_q1_b"] == Verdict(False, "比例不是导数 / not a ratio", "")


@pytest.mark.parametrize("change", [{"status": "passed-somehow"}, {"grade": 24}])
def test_a_record_that_is_not_one_is_refused(change):
    """The batch regrades a submission whose record does not read (batch.previous_result)."""
    record = {**graded().to_record(), **change}
    with pytest.raises((TypeError, ValueError)):
        Graded.from_record(record)


def test_failures_are_the_checks_not_passed_in_order():
    result = graded(feedback={"a": Verdict(False, "x", "m1"), "b": Verdict(True, "ok"), "c": Verdict(False, "y", "m2")})
    assert result.failures() == [("a", Verdict(False, "x", "m1")), ("c", Verdict(False, "y", "m2"))]


# --- Gradescope's results.json --------------------------------------------------------------

@pytest.mark.parametrize("status", list(Status))
def test_results_json_has_gradescopes_shape_for_every_status(status):
    result = graded(status) if status in ("ok", "cell-timeout", "output-limit") else Graded.failed("alice", status, "stopped", 7.0)
    results = result.to_gradescope(assignment())
    VALIDATOR.validate(results)
    assert results["score"] == result.total and results["output"] == result.status_line()
    assert results["extra_data"] == {"status": status, "missing_walls": result.missing_walls}
    questions = [t for t in results["tests"] if t["name"] != "Public Tests"]
    assert [(t["name"], t["max_score"]) for t in questions] == [("q1", 2), ("q2", 3)]  # not the essay
    assert all(t["visibility"] == "after_published" and t["extra_data"]["status"] == status for t in questions)
    assert sum(t["score"] for t in results["tests"]) == result.total


def test_every_status_line_is_a_fixed_chinese_text_with_an_english_gloss():
    for status in Status:
        line = Graded("s", status).status_line()
        chinese, english = line.split(" / ", 1)
        assert re.search(r"[\u4e00-\u9fff]", chinese) and english.isascii(), status


def test_each_question_box_holds_its_verdicts_and_the_failed_checks_ids():
    results = graded(seconds=2.0).to_gradescope(assignment(), seconds=61.239)
    q1, q2 = boxes(results)["q1"], boxes(results)["q2"]
    assert (q1["score"], q2["score"]) == (1.0, 3.0)
    assert q1["output"] == "q1 ok\n\n比例不是导数 / not a ratio"
    assert q1["extra_data"]["failed"] == [{"check": "test_q1_b", "message": "比例不是导数 / not a ratio", "misconception": "ratio"}]
    assert q2["extra_data"]["failed"] == []
    assert results["execution_time"] == 61.24  # the whole run's time when given
    assert boxes(results)["Public Tests"]["visibility"] == "visible" and results["tests"][0]["name"] == "Public Tests"


def test_hidden_results_stay_hidden_unless_the_course_shows_them():
    results = graded().to_gradescope(assignment(show_hidden=False))
    assert {t["visibility"] for t in results["tests"] if t["name"] in ("q1", "q2")} == {"hidden"}
    assert boxes(results)["Public Tests"]["output"].startswith(messages.PUBLIC_NOTE_NEVER)


def test_hidden_feedback_immediate_shows_the_question_boxes_at_once():
    """HIDDEN_FEEDBACK = "immediate": each question's box is visible as soon as it is graded, and
    it holds the judge's messages only (never a probe's input or a test's code); the public note
    says so. The default keeps them until grades are published."""
    for setting, visibility, note in (("immediate", "visible", messages.PUBLIC_NOTE_IMMEDIATE),
                                      ("after_published", "after_published", messages.PUBLIC_NOTE)):
        results = graded().to_gradescope(assignment(hidden_feedback=setting))
        VALIDATOR.validate(results)
        assert {t["visibility"] for t in results["tests"] if t["name"] in ("q1", "q2")} == {visibility}
        assert boxes(results)["Public Tests"]["output"].startswith(note + "\n")
    q1 = boxes(graded().to_gradescope(assignment(hidden_feedback="immediate")))["q1"]
    assert q1["output"] == "q1 ok\n\n比例不是导数 / not a ratio"  # the verdicts' messages, nothing else
    assert "def " not in json.dumps(q1) and "probes" not in q1["output"]


def test_a_failed_submission_earns_nothing_and_every_check_says_not_checked():
    failed = Graded.failed("bob", "invalid", "文件不是 notebook / not a notebook", 1.5)
    assert (failed.scores, failed.total, failed.feedback, failed.seconds) == ({}, 0.0, {}, 1.5)
    results = failed.to_gradescope(assignment())
    assert results["score"] == 0 and all(t["score"] == 0 for t in results["tests"])
    failed_checks = [f for t in results["tests"] for f in t["extra_data"]["failed"]]
    assert [f["check"] for f in failed_checks] == ["test_q1_a", "test_q1_b", "test_q2_a"]
    assert {f["misconception"] for f in failed_checks} == {messages.NOT_CHECKED_ID}
    assert all("not a notebook" in f["message"] for f in failed_checks)


def test_without_an_assignment_one_visible_box_says_why():
    results = Graded.failed("bob", "error", "the grader failed").to_gradescope(None)
    VALIDATOR.validate(results)
    (box,) = results["tests"]
    assert box["name"] == messages.AUTOGRADER_BOX and box["visibility"] == "visible" and box["score"] == 0
    assert messages.STATUS_LINES["error"] in box["output"].replace("\\", "")


def test_results_json_reads_back_as_the_scores_and_failed_checks_it_records():
    original = graded()
    results = json.loads(json.dumps(original.to_gradescope(assignment())))
    again = Graded.from_gradescope("alice", results, ["q1", "q2"])
    assert (again.status, again.scores, again.total, again.seconds) == ("ok", {"q1": 1.0, "q2": 3.0}, 4.0, 12.3)
    assert again.failures() == [("test_q1_b", Verdict(False, "比例不是导数 / not a ratio", "ratio"))]
    assert {name for name, v in again.feedback.items() if v.passed} == {"test_q1_a", "test_q2_a"}


def test_a_failed_submission_reads_back_with_its_status_and_not_checked_ids():
    results = json.loads(json.dumps(Graded.failed("bob", "timeout", "ran out of time").to_gradescope(assignment())))
    again = Graded.from_gradescope("bob", results, ["q1", "q2"])
    assert again.status == "timeout" and again.total == 0
    assert again.feedback == {}  # the filler for checks that never ran is not read back as verdicts ...
    assert {again.verdict(c).misconception for c in ("test_q1_a", "test_q1_b", "test_q2_a")} == {messages.NOT_CHECKED_ID}


def test_reading_back_uses_the_data_fields_never_the_text_shown():
    results = graded().to_gradescope(assignment())
    for test in results["tests"]:
        test["output"] = "❌ test_q2_a: 比例不是导数 / misconception: ratio"  # what a student reads may say anything
    results["output"] = "评分完成 / graded"
    again = Graded.from_gradescope("alice", results, ["q1", "q2"])
    assert again.failures() == [("test_q1_b", Verdict(False, "比例不是导数 / not a ratio", "ratio"))]
    assert again.scores == {"q1": 1.0, "q2": 3.0}


@pytest.mark.parametrize("results", [[], {"tests": "all passed"}, {"score": 24}])
def test_what_is_not_a_results_json_is_refused(results):
    with pytest.raises(ValueError):
        Graded.from_gradescope("x", results, ["q1"])


def test_junk_fields_of_a_results_json_count_as_nothing():
    results = {"tests": [{"name": "q1", "score": "24", "extra_data": {"failed": "everything"}}, "q2",
                         {"name": "q2", "score": 2, "extra_data": {"failed": [{"check": 5}, {"check": "c", "message": None}]}},
                         {"name": "q9", "score": 100}],
               "extra_data": {"status": "perfect"}, "execution_time": "long"}
    again = Graded.from_gradescope("x", results, ["q1", "q2"])
    assert (again.status, again.scores, again.total, again.seconds) == ("ok", {"q1": 0.0, "q2": 2.0}, 2.0, 0.0)
    assert set(again.feedback) == {"c"} and not again.feedback["c"].passed and again.feedback["c"].misconception == ""


# --- the grades table -----------------------------------------------------------------------

def test_grades_csv_has_a_column_per_autograded_question_and_quotes_what_needs_it():
    rows = [graded(), Graded.failed("bob", "invalid", 'a "quoted", two-line\nmessage', 0.04)]
    table = list(csv.reader(io.StringIO(grades_csv(rows, QUESTIONS))))
    assert table == [["submission", "status", "q1", "q2", "total", "possible", "seconds", "error"],
                     ["alice", "ok", "1", "3", "4", "5", "12.3", ""],
                     ["bob", "invalid", "0", "0", "0", "5", "0.0", 'a "quoted", two-line\nmessage']]


def test_grades_table_lines_up_its_columns():
    rows = [graded(), Graded.failed("a-much-longer-name", "cell-timeout", "x")]
    lines = grades_table(rows, QUESTIONS).splitlines()
    assert lines[0].split() == ["submission", "status", "q1", "q2", "total"]
    assert lines[1].split() == ["alice", "ok", "1", "3", "4/5"] and lines[2].split()[-1] == "0/5"
    for header in ("status", "q1", "q2", "total"):
        column = lines[0].index(header)
        assert all(line[column - 2:column] == "  " and line[column] != " " for line in lines), header


# --- text a submission chose, shown as typed ---------------------------------------------------

def test_public_check_names_and_messages_are_shown_literally():
    message = "expected ```tensor``` got <img src=x onerror=alert(1)>\n# not a heading"
    result = graded(public=[{"name": "**w1**_<b>\n# big", "passed": False, "message": message},
                            {"name": "w2", "passed": True, "message": ""}])
    output = boxes(result.to_gradescope(assignment()))["Public Tests"]["output"]
    assert output.startswith(messages.PUBLIC_NOTE)
    assert r"- ❌ \*\*w1\*\*\_\<b\> \# big" in output and "- ✅ w2" in output
    fence = "````"  # longer than any run of backticks in the message, so the message cannot close it
    assert f"{fence}text\n{message}\n{fence}" in output
    outside = output.replace(f"{fence}text\n{message}\n{fence}", "")
    assert "<img" not in outside and not re.search(r"^#", outside, re.M)


def test_the_reason_a_check_did_not_run_is_escaped():
    result = Graded.failed("bob", "crashed", "*boom* in `cell` <b>3</b>\n\n# x")
    q1 = boxes(result.to_gradescope(assignment()))["q1"]
    assert r"\*boom\* in \`cell\` \<b\>3\</b\> \# x" in q1["output"]
    assert "\n#" not in q1["output"] and "<b>" not in q1["output"]
