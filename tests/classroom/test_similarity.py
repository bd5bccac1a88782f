"""Similarity across a class: written answers read from notebooks, planted copies found, independent
look-alikes and the template never reported, everything a submission wrote escaped."""

import csv
import html
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

from helpers import ASSIGNMENT, ROOT, with_answers
from coursegrader.classroom import similarity
from coursegrader.classroom.analysis import ClassWork, answers_of, class_work
from coursegrader.core.assignment import questions_of
from coursegrader.core.autograder_zip import read_manifest
from coursegrader.inputs.nbreader import IN_PROCESS_BYTES
from coursegrader.core.notebooks import read, tags_of
from coursegrader.inputs.problems import MAX_WRITTEN_CELLS, MAX_WRITTEN_CHARS
from coursegrader.inputs.submissions import Submission, read_submission
from corpus.answers import CORRECT
from corpus.written import WRITTEN
from similarity_class import COPIES, LOOK_ALIKES, WRITTEN_QUESTIONS, honest_answers, student

E1C = "二阶导数要对梯度再求一次导，create_graph=True 会保留反向传播的图。"


@pytest.fixture(scope="module")
def questions(course) -> list[dict]:
    return questions_of(read_manifest(course.autograder(ASSIGNMENT)))


@pytest.fixture(scope="module")
def template(course, questions) -> dict[str, str]:
    return answers_of(read_submission(Submission("release", course.release(ASSIGNMENT))), questions)


def with_written(notebook, written: dict[str, str]):
    """A copy of ``notebook`` with the markdown answer cells of ``written``'s questions replaced."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in notebook.cells:
        for tag in tags_of(cell):
            if tag in written and cell.cell_type == "markdown":
                cell.source = written[tag]
    return notebook


def planted_class(questions, template) -> tuple[ClassWork, set]:
    """20 students who wrote their own answers, two independent e3c look-alikes, and the planted
    copies (each copier's other questions left as released); and the planted pairs."""
    answers = honest_answers([q.name for q in questions], 20)
    planted = set()
    for number, (question, original, copy) in enumerate(COPIES):
        copier = f"copier{number}"
        answers[copier] = {**template, question: copy}
        planted.add((question, frozenset((original, copier))))
    answers["alike-a"] = {**template, "e3c": LOOK_ALIKES[0]}
    answers["alike-b"] = {**template, "e3c": LOOK_ALIKES[1]}
    return ClassWork(questions, [], answers, template), planted


# --- written answers read from notebooks ----------------------------------------------------------

def test_written_answers_are_read_but_never_reach_the_sandbox(course, questions, tmp_path):
    notebook = with_written(read(course.release(ASSIGNMENT)), {"e1c": E1C})
    path = tmp_path / "student.ipynb"
    nbformat.write(notebook, path)
    read_back = read_submission(Submission("student", path))
    assert [(c.text, c.tags) for c in read_back.written if "e1c" in c.tags] == [(E1C, ("otter_answer_cell", "e1c"))]
    assert answers_of(read_back, questions)["e1c"] == E1C
    saved = json.loads(read_back.saved())
    assert {c["cell_type"] for c in saved["cells"]} == {"code"} and E1C not in read_back.saved().decode("ascii")
    assert "create_graph" not in json.dumps(saved)  # nor in ASCII escapes

    # a notebook past the in-process size is read in the child process: the same cells come back
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", text="0" * (IN_PROCESS_BYTES + 1))]
    big = tmp_path / "big.ipynb"
    nbformat.write(notebook, big)
    from_child = read_submission(Submission("big", big))
    assert from_child.written == read_back.written and from_child.code_cells == read_back.code_cells


def test_written_answers_never_make_a_notebook_ungradable(course, tmp_path):
    release = read(course.release(ASSIGNMENT))
    path = tmp_path / "release.ipynb"
    nbformat.write(release, path)
    honest = read_submission(Submission("release", path))

    odd = nbformat.from_dict(json.loads(json.dumps(release)))
    answer_cells = [c for c in odd.cells if c.cell_type == "markdown" and "otter_answer_cell" in tags_of(c)]
    answer_cells[0].source = 5  # malformed: skipped, not a reason to refuse the notebook
    answer_cells[1].source = "长" * (MAX_WRITTEN_CHARS + 10)  # cut at the cap
    plain = nbformat.v4.new_markdown_cell("not an answer", metadata={"tags": ["e4b"]})  # no answer tag: not kept
    extra = [nbformat.v4.new_markdown_cell("多", metadata={"tags": ["otter_answer_cell", "e4b"]}) for _ in range(MAX_WRITTEN_CELLS)]
    odd.cells = odd.cells + [plain] + extra
    path = tmp_path / "odd.ipynb"
    path.write_text(json.dumps(odd), encoding="utf-8")
    read_back = read_submission(Submission("odd", path))
    assert read_back.code_cells == honest.code_cells and read_back.saved() == honest.saved()
    assert sum(len(c.text) for c in read_back.written) <= MAX_WRITTEN_CHARS
    assert read_back.written[0].text == "长" * MAX_WRITTEN_CHARS
    assert len(read_back.written) <= MAX_WRITTEN_CELLS
    assert "not an answer" not in {c.text for c in read_back.written}


# --- fingerprints -----------------------------------------------------------------------------------

def test_renamed_variables_and_comments_do_not_change_the_tokens():
    original = CORRECT["e4a"][0]
    renamed = """def my_function(t):  # 自己写的
    value = t * t
    count = 0

    while value.norm() < 99 and count < 7:  # 放大
        value = value * 3
        count += 1
    if value.sum() < 0:
        return 5 * value
    return value

t = torch.tensor(0.5, requires_grad=True)
value = my_function(t)
value.backward()
t.grad"""
    words = [w for w, _, _ in similarity.code_tokens(original)]
    assert words == [w for w, _, _ in similarity.code_tokens(renamed)]
    assert {".", "norm", "backward", "requires_grad", "while", "return"} <= set(words)  # what a copier cannot rename
    assert "y" not in words and "2500" not in words


def test_fingerprints_are_the_same_in_every_run():
    """Python's str hash is salted per process: fingerprints must not depend on it (a report made again is the same)."""
    program = ("import sys; sys.path.insert(0, sys.argv[1]); from coursegrader.classroom.similarity import code_prints; "
               "print(sorted(code_prints(sys.argv[2]).spans))")
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    elsewhere = subprocess.run([sys.executable, "-c", program, str(ROOT), CORRECT["e1b"][2]], capture_output=True,
                               text=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
    assert elsewhere == f"{sorted(similarity.code_prints(CORRECT['e1b'][2]).spans)}\n"


# --- the class --------------------------------------------------------------------------------------

def test_planted_copies_are_exactly_the_pairs_reported(questions, template):
    work, planted = planted_class(questions, template)
    pairs, scored = similarity.class_pairs(work)
    reported = {(p.question, frozenset((p.a, p.b))) for p in pairs}
    assert reported == planted  # every copy found; no independent pair (look-alikes included) above the threshold
    assert {q for q, _ in planted} >= {"e4a", "e1a", "e1b", "e3c", "e2c", "e4b"}
    assert all(p.score > p.threshold >= similarity.FLOOR["text" if p.question in WRITTEN_QUESTIONS else "code"]
               for p in pairs)
    answered = sum(1 for answers in work.answers.values() if answers.get("e4a", template["e4a"]) != template["e4a"])
    assert scored["e4a"] == answered * (answered - 1) // 2  # every pair of e4a answers was scored


def test_the_template_never_makes_a_pair(questions, template):
    answers = honest_answers([q.name for q in questions], 20)
    answers["kept-a"] = {**template, "e4a": template["e4a"] + "\nprint(y)", "e4b": template["e4b"] + "\n\n梯度在分界点附近会跳变。"}
    answers["kept-b"] = {**template, "e4a": template["e4a"] + "\nx.grad.item()", "e4b": template["e4b"] + "\n\n函数是分段线性的。"}
    # two who kept the template and added a line each: alike only by the template, which is what removing it catches
    without_template, _ = similarity.class_pairs(ClassWork(questions, [], answers, {}))
    assert {(p.question, p.a, p.b) for p in without_template} >= {("e4a", "kept-a", "kept-b"), ("e4b", "kept-a", "kept-b")}
    answers["blank-a"], answers["blank-b"] = dict(template), dict(template)  # and two who answered nothing
    pairs, _ = similarity.class_pairs(ClassWork(questions, [], answers, template))
    assert pairs == []


def test_too_small_a_class_reports_nothing(questions, template, tmp_path):
    original, copy = CORRECT["e4a"][0], COPIES[0][2]
    work = ClassWork(questions, [], {"a": {"e4a": original}, "b": {"e4a": copy}, "c": {"e4a": CORRECT["e4a"][1]}}, template)
    assert similarity.class_pairs(work)[0] == []
    assert "no pair stands out" in similarity.section(work, tmp_path)


def test_report_section_marks_shared_parts_and_escapes_everything(questions, template, tmp_path):
    work, planted = planted_class(questions, template)
    shared = "s = '</pre><script>alert(1)</script>'\n"  # in both: marked
    for submission, own in (("s00", "# <img src=x onerror=alert(2)>\n"), ("copier0", "t = '<script>alert(4)</script>'\n")):
        work.answers[submission]["e4a"] = own + shared + work.answers[submission]["e4a"]  # own: not marked
    work.answers["copier5"]["e4b"] += "<script>alert(3)</script>"
    work.answers["Tom & <b>Jerry</b>"] = work.answers.pop("copier1")
    page = similarity.section(work, tmp_path)
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>" not in page
    assert "&lt;script&gt;alert(1)" in page and "&lt;script&gt;alert(4)" in page and "&lt;img src=x" in page
    assert "Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;" in page
    assert "never an automatic penalty" in page and "绝不是自动扣分的依据" in page
    marked = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", page, re.S)]
    assert any("value.norm() < 2500" in m for m in marked)  # the copy's own code is marked where it matches
    assert not any("requires_grad=True)\ny = my_control_flow" in m for m in marked)  # the template's lines are not

    with open(tmp_path / similarity.CSV_NAME, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["question", "submission_a", "submission_b", "score", "class_median", "threshold",
                             "shared_fingerprints"]
    listed = {(row["question"], frozenset((row["submission_a"], row["submission_b"]))) for row in rows}
    renamed = {(q, frozenset("Tom & <b>Jerry</b>" if s == "copier1" else s for s in pair)) for q, pair in planted}
    assert listed == renamed


# --- through the grading command --------------------------------------------------------------------

@pytest.mark.slow
def test_grade_writes_similarity_for_a_class(course, tmp_path):
    """A class graded by `python -m coursegrader grade`: the copied pair is in similarity.csv and the report."""
    solution = read(course.solution(ASSIGNMENT))
    folder = tmp_path / "submissions"
    folder.mkdir()
    e4a = CORRECT["e4a"]
    students = {student(k): ({"e4a": e4a[k]}, {"e4b": WRITTEN["e4b"][k]}) for k in range(4)}
    students["s09"] = ({"e4a": COPIES[0][2]}, {"e4b": WRITTEN["e4b"][5]})  # copied s00's e4a
    for name, (code, written) in students.items():
        nbformat.write(with_written(with_answers(solution, code), written), folder / f"{name}.ipynb")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder),
                           "--out", str(out)], capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    with open(out / similarity.CSV_NAME, newline="", encoding="utf-8") as handle:
        rows = [(r["question"], r["submission_a"], r["submission_b"]) for r in csv.DictReader(handle)]
    assert rows == [("e4a", "s00", "s09")]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "相似的答案 / Similar answers" in report and "<mark>" in report

    work = class_work(questions_of(read_manifest(course.autograder(ASSIGNMENT))), [], [], course.release(ASSIGNMENT))
    assert work.template["e4b"] == "_Type your answer here, replacing this text._"  # the written template is read too
