"""The corpus of real answers (tests/corpus/): every correct variant earns all of its question's
points, every misconception none of the question it gets wrong and all of the others. All cases
go through the package's grader in one batch, a sample through `otter run` on the autograder zip.
Feedback names the mistake in Chinese with an English gloss and never shows the test's code.
Expected scores follow the contract; corpus/known.py lists where today's hidden tests disagree,
and a failure says which disagreements are those and which are new."""

import json
import re
import zipfile

import nbformat
import pytest

from helpers import ASSIGNMENT, otter_runs, package_grade
from corpus.build import case_notebook
from corpus.cases import CASES, QUESTIONS, corpus_size
from corpus.known import OTTER_RUN, PACKAGE_GRADER, note
from coursegrader.engine.checks import hidden_checks
from coursegrader.core.notebooks import read

OTTER_SAMPLE = ["correct-1", "rerun-twice", "wrong-A-0", "wrong-B-0"]
GLOSSED = re.compile(r"[\u4e00-\u9fff].*/ [A-Za-z]")  # Chinese, then " / " or "）/ " and English


def test_corpus_has_eight_correct_and_eight_wrong_answers_per_question(points):
    assert set(QUESTIONS) == set(points)
    for question, (correct, wrong) in corpus_size().items():
        assert correct >= 8 and wrong >= 8, (question, correct, wrong)


@pytest.mark.slow
def test_every_case_scores_what_it_states_with_the_package_grader(corpus_grades, points):
    verdicts = []
    for case in CASES:
        row = corpus_grades[case.name]
        assert row["status"] == "ok", (case.name, row["error"])
        for question, expected in case.scores(points).items():
            got = float(row[question])
            if got != expected:
                kind = "false negative" if expected else "false positive"
                verdicts.append(f"{case.name} {question}: {kind}, scored {got:g} instead of {expected:g}"
                                f"{note(PACKAGE_GRADER, case.name, question)}")
    assert not verdicts, "\n".join(verdicts)


@pytest.mark.slow
def test_feedback_names_the_mistake_and_never_the_test(course, corpus_grades, points):
    """A wrong answer's feedback is a Chinese message with an English gloss; a right one's says
    what was verified (the success message); neither shows the hidden test's code."""
    success = {}
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        for question in QUESTIONS:
            (check,) = hidden_checks(archive.read(f"tests/{question}.py").decode(), question)
            success[question] = check.success_message
    for case in CASES:
        results = json.loads((corpus_grades.out / "results" / case.name / "results.json").read_text())
        outputs = {t["name"]: t.get("output", "") for t in results["tests"] if t.get("name") in points}
        for question in QUESTIONS:
            output = outputs[question]
            assert not any(code in output for code in ("def observe", "def judge", "given = probes()")), (case.name, question)
            if question in case.wrong:
                glossed = [line for line in output.splitlines()
                           if GLOSSED.search(line) and success[question] not in line]
                assert glossed, (case.name, question, output)
            else:
                assert success[question] in output, (case.name, question, output)


@pytest.mark.slow
def test_a_sample_scores_the_same_with_otter_run(course, corpus_folder, points, tmp_path):
    """otter's own runner on the autograder zip, two at a time."""
    cases = {case.name: case for case in CASES}

    scores = otter_runs({name: corpus_folder / f"{name}.ipynb" for name in OTTER_SAMPLE}, course.autograder(ASSIGNMENT), tmp_path)
    assert {name for name in OTTER_SAMPLE if cases[name].wrong} and {name for name in OTTER_SAMPLE if not cases[name].wrong}
    verdicts = []
    for name in OTTER_SAMPLE:
        for question, expected in cases[name].scores(points).items():
            got = float(scores[name][question])
            if got != expected:
                kind = "false negative" if expected else "false positive"
                verdicts.append(f"{name} {question}: {kind}, scored {got:g} instead of {expected:g}{note(OTTER_RUN, name, question)}")
    assert not verdicts, "\n".join(verdicts)
