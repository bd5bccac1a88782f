"""Misconceptions by question, on a synthetic class graded for real by `python -m coursegrader
grade`: 30 students with wrong answers planted at known rates (tests/synthetic_class.py), one
whose process dies halfway, one file that is not a notebook and one older duplicate. The counts
per question and misconception id in misconceptions.csv and report.html are exact, the shares
are of the 30 counted submissions that attempted the question, each example is the planted answer cell anonymised (never the
hidden test, never the student's name or id), and the same counts come out of the batch's
results converted to Gradescope's results.json and read back."""

import csv
import html
import json
import os
import re
import time
import warnings

import pytest

from helpers import ASSIGNMENT, leaked_lines, package_grade
from corpus.answers import WRONG
from coursegrader.core import messages
from coursegrader.classroom.analysis import ClassWork, release_vocabulary
from coursegrader.core.assignment import Question
from coursegrader.engine.assignment import Assignment
from coursegrader.classroom.misconceptions import CSV_COLUMNS, CSV_NAME, Misconception, _chart, anonymised, count
from coursegrader.core.results import Graded, Verdict, autograded
from synthetic_class import Plant, build_class


CRASH = "import os\nos._exit(3)  # the process dies here: e3c, e4a and e5 are never checked"
PLAN = [
    Plant("e2b", WRONG["e2b"][0], 6, "not-accumulated"),  # cleared between the two passes
    Plant("e3b", WRONG["e3b"][4], 4, "not-from-backward"),  # the ratio d / a
    Plant("e3b", WRONG["e3b"][0], 2, "grad-accumulated"),  # backward twice
    Plant("e1a", WRONG["e1a"][2], 5, "first-derivative"),
    Plant("w2", WRONG["w2"][2], 3, "mean-not-sum"),
    Plant("e5", WRONG["e5"][0], 3, "uses-cos"),
    Plant("e4a", WRONG["e4a"][0], 2, "one-path"),  # torch.where: one path for every input
    Plant("e3c", CRASH, 1, messages.NOT_CHECKED_ID),
]
SIZE, LEFT_OUT = 30, 2
NOT_REACHED = ["e3c", "e4a", "e5"]  # after the crash in e3c's cell
EXPECTED = {(p.question, p.misconception): p.count for p in PLAN}
EXPECTED.update({(q, messages.NOT_CHECKED_ID): 1 for q in NOT_REACHED})


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    students = build_class(folder, PLAN, SIZE)
    (folder / "broken.ipynb").write_bytes(b"not a notebook")  # status invalid
    older = folder / f"{students[-1].id}.zip"  # the same student's older upload: a duplicate
    older.write_bytes(b"an older upload")
    os.utime(older, (time.time() - 3600,) * 2)
    grades = package_grade([folder], tmp_path_factory.mktemp("class-grades"))
    return students, grades


def section_of(report: str) -> str:
    match = re.search(r'<section id="misconceptions">.*?</section>', report, re.S)
    assert match, "report.html has no misconceptions section"
    return match.group(0)


def table_rows(section: str) -> list[list[str]]:
    """question, id, submissions, attempted, share, message, example: a misconception's row and
    the row of its example below it."""
    cells = lambda row: [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]  # noqa: E731
    found = []
    for kind, row in re.findall(r'<tr class="(misconception|example)">(.*?)</tr>', section, re.S):
        if kind == "misconception":
            found.append(cells(row))
        else:
            found[-1].extend(cells(row))
    return found


@pytest.mark.slow
def test_the_class_is_graded_as_planted(graded_class):
    students, grades = graded_class
    statuses = {s.id: grades[s.id]["status"] for s in students}
    assert statuses == {**{s.id: "ok" for s in students}, "s25": "crashed"}
    assert grades["broken"]["status"] == "invalid"
    assert [row["status"] for name, row in grades.items() if name.startswith(f"{students[-1].id}-")] == ["duplicate"]


@pytest.mark.slow
def test_counts_per_question_and_misconception_are_exact(graded_class):
    _, grades = graded_class
    with open(grades.out / CSV_NAME, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == CSV_COLUMNS
        rows = list(reader)
    assert {(r["question"], r["misconception"]): int(r["submissions"]) for r in rows} == EXPECTED
    assert all(r["attempted"] == str(SIZE) and r["share"] == f"{int(r['submissions']) / SIZE:.4f}" for r in rows)
    section = section_of((grades.out / "report.html").read_text(encoding="utf-8"))
    shown = table_rows(section)
    assert {(r[0], r[1]): int(r[2]) for r in shown} == EXPECTED
    assert [(r[0], r[1]) for r in shown] == [(r["question"], r["misconception"]) for r in rows]  # one order
    assert messages.MISCONCEPTIONS_NOTE in html.unescape(section)
    report = html.unescape((grades.out / "report.html").read_text(encoding="utf-8"))
    status = re.search(r'<section id="status">(.*?)</section>', report, re.S).group(1)
    assert status.count(messages.PAGE["no"]) == LEFT_OUT  # the invalid file and the duplicate, in no figure
    chart = grades.out / "misconceptions.png"
    assert "misconceptions.png" in section and chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 5000


@pytest.mark.slow
def test_each_message_is_the_one_the_students_read(graded_class):
    students, grades = graded_class
    with open(grades.out / CSV_NAME, encoding="utf-8", newline="") as handle:
        messages_shown = {(r["question"], r["misconception"]): r["message"] for r in csv.DictReader(handle)}
    for plant in PLAN[:-1]:
        student = next(s for s in students if plant in s.plants)
        results = json.loads((grades.out / "results" / student.id / "results.json").read_text(encoding="utf-8"))
        (box,) = [t for t in results["tests"] if t["name"] == plant.question]
        (failed,) = box["extra_data"]["failed"]
        assert failed["misconception"] == plant.misconception
        assert messages_shown[(plant.question, plant.misconception)] == failed["message"]


@pytest.mark.slow
def test_examples_are_anonymised_answer_cells_never_the_test(course, graded_class, hidden_test_lines):
    students, grades = graded_class
    section = section_of((grades.out / "report.html").read_text(encoding="utf-8"))
    examples = {(r[0], r[1]): r[6] for r in table_rows(section)}
    vocabulary = release_vocabulary(course.release(ASSIGNMENT))
    for plant in PLAN:
        example = examples[(plant.question, plant.misconception)]
        signed = next(s for s in students if plant in s.plants).answers[plant.question]
        assert example == anonymised(signed, vocabulary) and example  # the first planted student's answer cell
        code = [line for line in plant.answer.splitlines() if line.strip() and "#" not in line and "'" not in line]
        assert code[0] in example
    for (question, _), example in examples.items():
        assert not leaked_lines(example, hidden_test_lines), question
    text = html.unescape(section)
    for student in students:
        assert student.name not in text and not re.search(rf"\b{student.id}\b", text)
    assert "作业" not in text and "homework of" not in text and "_signature = '…'" in text


@pytest.mark.slow
def test_gradescope_results_read_back_give_the_same_counts(course, graded_class):
    """The batch's results as Gradescope's results.json (to_gradescope), read back with
    from_gradescope: the same misconceptions, counts and shares."""
    students, grades = graded_class
    assignment = Assignment.from_autograder(course.autograder(ASSIGNMENT))
    records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((grades.out / "results").glob("*/graded.json"))]
    local = [Graded.from_record({k: v for k, v in r.items() if k not in ("fingerprint", "error_runs")}) for r in records]
    assert len(local) == SIZE + 1  # the duplicate was never graded, so it has no record
    names = autograded(assignment.questions)
    read_back = [Graded.from_gradescope(g.submission, json.loads(json.dumps(g.to_gradescope(assignment))), names)
                 for g in local]
    answers = {s.id: s.answers for s in students}
    here, there = (count(ClassWork(assignment.questions, graded, answers)) for graded in (local, read_back))
    assert [(m.question, m.misconception, m.submissions, m.share) for m in there] == \
           [(m.question, m.misconception, m.submissions, m.share) for m in here]
    assert {(m.question, m.misconception): m.submissions for m in here} == EXPECTED


def test_anonymised_drops_comments_strings_names_and_numbers():
    code = ('# 王小明 2023012345\ndef f(x):\n    """王小明的函数"""\n    学号 = 2023012345\n'
            '    label = f"{x} 王小明" + \'zhang\'\n    return x * 学号  # 王\n%time y = "李"\n')
    shown = anonymised(code)
    assert shown == "def f(x):\n    name_1 = 0\n    label = '…' + '…'\n    return x * name_1\n%time y = '…'"
    assert anonymised('x = "王小明\nprint(1)  # 李') == 'x = "name_1\nprint(1)'  # not Python: read as lines
    assert anonymised("\n".join(f"x{i} = {i}" for i in range(40))).endswith("\n…")


@pytest.mark.parametrize("code, gone", [
    # a student number next to Chinese text: no word boundary between 号 and 2
    ("学号2024000123 张三的答案\nx = '", ["2024000123", "学号", "张三"]),  # not Python (an unclosed quote): read as lines
    ("学号2024000123 = 张三的答案", ["2024000123", "学号", "张三"]),  # Python: one identifier each
    ("x = 1  # 学号2024000123\n%time 第2024000123号 = 5", ["2024000123", "第", "号"]),
    ("s2024000123 = grad_w1\nid_2024000123 = 1", ["2024000123"]),  # inside an ASCII identifier
    ("z = ２０２４０００１２３", ["２０２４０００１２３"]),  # full-width digits
    # names written as ASCII identifiers
    ("zhang_answer = x.grad * 2\nprint(zhang_answer)", ["zhang"]),
    ("ZhangSan = torch.ones(3)\nli = 3\nwangwei_grad = ZhangSan + li", ["Zhang", "li =", "wangwei"]),
    ("def liSi_e3c(a):\n    return a\ncontrol_flow_grad = liSi_e3c", ["liSi"]),
    ("%%time\nchen_xiaoming = 学号2024000123 + 2024000123", ["chen", "xiaoming", "2024000123"]),
])
def test_anonymised_replaces_numbers_and_names_wherever_they_stand(course, code, gone):
    shown = anonymised(code, release_vocabulary(course.release(ASSIGNMENT)))
    for text in gone:
        assert text not in shown, (text, shown)
    assert not re.search(r"\d{6}", shown) and shown.isascii() or "…" in shown, shown


def test_anonymised_keeps_what_the_assignment_python_and_common_code_name(course):
    """The names an instructor needs to read the mistake stay: the assignment's own (from the
    release notebook), Python's, attributes and keyword arguments, common programming words."""
    code = ("import numpy as np\nx = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\n"
            "y.backward()\nmy_grad = x.grad.clone()\ngrad_w1 = my_grad\nresult = np.sum(x.detach().numpy())\n"
            "def control_flow_grad(a):\n    eps = 1e-6\n    self_total = a.sum()\n    return self_total / eps")
    assert anonymised(code, release_vocabulary(course.release(ASSIGNMENT))) == code.replace("1e-6", "1e-6")


def test_the_chart_draws_chinese_with_the_release_fonts(course, tmp_path):
    """The chart is drawn with the release's matplotlibrc (a CJK font after DejaVu Sans): its
    Chinese title and axis label draw real glyphs; without it matplotlib reports them missing."""
    rows = [Misconception("e2b", "not-accumulated", 6, 30, 0.2, "", "")]
    settings = course.release(ASSIGNMENT).parent / "matplotlibrc"
    for plot_settings, missing in ((settings, False), (None, True)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _chart(rows, tmp_path / "chart.png", plot_settings)
        assert any("missing from font" in str(w.message) for w in caught) == missing, [str(w.message) for w in caught]


def test_an_untouched_template_counts_as_not_attempted_not_as_a_misconception():
    """A student who left e3c's cell as released failed e3c's check for no misconception: it is
    not attempted, counted apart (the report's question table), neither a misconception nor in
    a share's denominator; a changed cell with the same failure keeps the check's id."""
    questions = [Question("e3c", 2, False, ("test_e3c_hidden",))]
    shape = Verdict(False, "shape message", "wrong-type-or-shape")
    graded = [Graded("blank", "ok", feedback={"test_e3c_hidden": shape}),
              Graded("tried", "ok", feedback={"test_e3c_hidden": shape}),
              Graded("right", "ok", feedback={"test_e3c_hidden": Verdict(True, "ok")})]
    template = "def control_flow_grad(a):\n    ..."
    work = ClassWork(questions, graded, answers={"blank": {"e3c": template + "\n"}, "right": {"e3c": "x"},
                                                 "tried": {"e3c": "def control_flow_grad(a):\n    return a"}},
                     template={"e3c": template})
    rows = {(r.misconception, r.submissions, r.attempted) for r in count(work)}
    assert rows == {("wrong-type-or-shape", 1, 2)}  # the blank cell is not attempted: in no count, no denominator


def test_an_analysis_that_fails_costs_only_its_own_section(tmp_path, monkeypatch, capsys):
    """A bug in one analysis (here similarity, made to raise) leaves the other's section and
    files in place and says in the report and on stderr that it failed."""
    from coursegrader.classroom import analysis
    from coursegrader.classroom import similarity

    def broken(work, out):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(similarity, "section", broken)
    questions = [Question("e3c", 2, False, ("test_e3c_hidden",))]
    work = ClassWork(questions, [Graded("a", "ok", feedback={"test_e3c_hidden": Verdict(False, "m", "wrong-type-or-shape")})])
    found = analysis.sections(work, tmp_path)
    assert "wrong-type-or-shape" in found[0] and (tmp_path / CSV_NAME).is_file()
    assert messages.ANALYSIS_FAILED.split(" / ")[1] in html.unescape(found[1])
    err = capsys.readouterr().err
    assert "similarity analysis failed (RuntimeError)" in err and "planted bug" not in err  # nothing of the answers echoed
