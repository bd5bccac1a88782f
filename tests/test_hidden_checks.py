"""Every hidden test in the built autograder zip has the probes / observe / judge shape, and its
parts work apart: observe beside the student's objects, returning JSON; probes and judge in a
clean process that never ran student code. A judge handed junk answers with a message, never
with an exception or an echo of the junk. Grading is deterministic whatever the student's seeds."""

import json
import random
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

from conftest import ASSIGNMENT
from corpus import inprocess
from coursegrader.checks import CheckFormatError, hidden_checks, standalone
from coursegrader.notebooks import read

ECHO = "ECHO-7f3a"

# Runs in a fresh interpreter: probes and judge only, from their sources.
CLEAN_JUDGE = r"""
import json, sys
from coursegrader.checks import standalone
verdicts = []
for item in json.load(sys.stdin):
    given = standalone(item["probes"])()
    judge = standalone(item["judge"])
    one = {"given": json.dumps(given, sort_keys=True), "verdicts": []}
    for seen in item["seen"]:
        try:
            one["verdicts"].append({"verdict": judge(given, seen)})
        except Exception as error:
            one["verdicts"].append({"raised": repr(error)})
    verdicts.append(one)
json.dump(verdicts, sys.stdout)
"""


@pytest.fixture(scope="module")
def checks(course):
    found = {}
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        for name in archive.namelist():
            if name.startswith("tests/") and name.endswith(".py"):
                found[name[len("tests/"):-3]] = hidden_checks(archive.read(name).decode(), name)
    return found


@pytest.fixture(scope="module")
def solution_run(course, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("solution-run")
    return inprocess.run_cells(read(course.solution(ASSIGNMENT)), workdir), workdir


def junk_like(value, text=ECHO, number=1e308):
    """The same structure with every string and number replaced."""
    if isinstance(value, dict):
        return {key: junk_like(item, text, number) for key, item in value.items()}
    if isinstance(value, list):
        return [junk_like(item, text, number) for item in value]
    if isinstance(value, str):
        return text
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number
    return value


def test_every_autograded_question_has_one_hidden_check_worth_its_points(checks, points):
    assert {q for q, found in checks.items() if found} == set(points)
    for question, found in checks.items():
        assert sum(check.points for check in found) == points[question], question
        assert all(check.success_message and " / " in check.success_message for check in found), question


def test_parts_run_apart_and_agree_with_otter_on_the_solution(checks, solution_run, tmp_path):
    env, workdir = solution_run
    batch = []
    for question, (check,) in sorted(checks.items()):
        given = standalone(check.probes_source)()
        assert json.loads(json.dumps(given)) == given, f"{question}: probes() must return JSON data"
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(workdir)
            seen = standalone(check.observe_source)(env, json.loads(json.dumps(given)))
        seen = json.loads(json.dumps(seen, allow_nan=True))  # raises if observe returned anything but JSON data
        junk = [None, [], ECHO, {}, junk_like(seen), junk_like(seen, number=float("nan")), junk_like(seen, number=-1)]
        batch.append({"question": question, "probes": check.probes_source, "judge": check.judge_source,
                      "given": given, "seen": [seen] + junk})
    completed = subprocess.run([sys.executable, "-c", CLEAN_JUDGE], input=json.dumps(batch), capture_output=True,
                               text=True, timeout=300, check=True)
    for item, outcome in zip(batch, json.loads(completed.stdout), strict=True):
        question = item["question"]
        assert outcome["given"] == json.dumps(item["given"], sort_keys=True), f"{question}: probes differ between processes"
        solution, *on_junk = outcome["verdicts"]
        assert solution == {"verdict": None}, f"{question}: the judge fails the solution: {solution}"
        for verdict in on_junk:
            assert "raised" not in verdict, f"{question}: the judge raised on junk: {verdict}"
            message = verdict["verdict"]
            assert isinstance(message, str) and ECHO not in message and " / " in message, f"{question}: {message!r}"


def test_a_check_that_reaches_outside_its_part_is_refused(checks, course):
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        source = archive.read("tests/w1.py").decode()
    broken = source.replace("def judge(probes, seen):", "def judge(probes, seen):\n        given = name", 1)
    with pytest.raises(CheckFormatError, match="judge uses names defined outside it"):
        hidden_checks(broken, "tests/w1.py")
    with pytest.raises(CheckFormatError, match="exactly one parameter, env"):
        hidden_checks(source.replace("_value(env):", "_value(env, grad_w1):"), "tests/w1.py")


def test_the_same_submission_always_gets_the_same_score(course, checks, tmp_path):
    """The solution run 20 times with different random states (its own random tensors change):
    every hidden check's verdict is the same, and probes never read the global RNG."""
    sources = inprocess.test_sources(course.autograder(ASSIGNMENT))
    sources.pop("e4a")  # its answer uses no randomness; its probes are checked below
    solution = read(course.solution(ASSIGNMENT))
    outcomes = set()
    for run in range(20):
        torch.manual_seed(1000 + run)
        np.random.seed(run)
        random.seed(run)
        env = inprocess.run_cells(solution, tmp_path / str(run))
        graded = inprocess.grade(env, sources, tmp_path / str(run))
        outcomes.add(tuple((q, o.score, tuple(o.hidden_messages)) for q, o in sorted(graded.items())))
    assert len(outcomes) == 1
    (outcome,) = outcomes
    assert all(score > 0 for _, score, _ in outcome)
    for question, (check, ) in checks.items():
        drawn = set()
        for seed in (0, 1):
            torch.manual_seed(seed)
            drawn.add(json.dumps(standalone(check.probes_source)(), sort_keys=True))
        assert len(drawn) == 1, question
