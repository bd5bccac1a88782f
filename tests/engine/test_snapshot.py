"""The lesson paid once (engine/engine.py): a submission that kept the release's lesson cells is
forked from a process that already ran them, and must find exactly the state a fresh run of the
same cells leaves; the two paths give the same grades, statuses and messages on the corpus and
the hostile set; the lesson is the release's and nothing else."""

import json
import textwrap

import pytest

from helpers import ASSIGNMENT, package_grade

from coursegrader.core.assignment import Question
from coursegrader.core.autograder_zip import read_manifest
from coursegrader.engine.assignment import Assignment, LoadedCheck
from coursegrader.engine.checks import HiddenCheck, standalone
from coursegrader.engine.engine import Engine
from coursegrader.engine.sandbox import Limits
from coursegrader.inputs.nbreader import CodeCell
from coursegrader.inputs.submissions import Notebook, Submission, read_submission

# Student code, run right after the lesson: everything a lesson cell may leave behind that a
# later cell can see. The check below hands it back as its verdict's message.
STATE = textwrap.dedent("""
    import builtins, os, random, sys, threading
    import matplotlib.pyplot as plt, numpy as np, torch
    _state = {
        "numpy": float(np.random.rand()), "random": random.random(), "torch": float(torch.rand(())),
        "torch_rng": torch.get_rng_state().sum().item(), "figures": plt.get_fignums(),
        "count": get_ipython().execution_count, "In": len(In), "Out": sorted(Out),
        "names": sorted(k for k in globals() if not k.startswith("_")),
        "builtins": sorted(vars(builtins)), "cwd_files": sorted(os.listdir(".")),
        "env": sorted(os.environ), "threads": threading.active_count(), "torch_threads": torch.get_num_threads(),
        "grad": torch.is_grad_enabled(), "dtype": str(torch.get_default_dtype()),
        "grader_notebook": str(grader._notebook), "modules": sorted(sys.modules),
        "x": x.tolist(), "x_grad": x.grad.tolist(), "a_grad": a.grad.item(),
        "autograd_engine": type(torch.autograd.variable.Variable._execution_engine).__name__,
    }
""")
OBSERVE = "def observe(env, probes):\n    return env['_state']\n"
JUDGE = "def judge(probes, seen):\n    import json\n    return ('state', json.dumps(seen, sort_keys=True))\n"
PROBES = "def probes():\n    return {}\n"


def _state_assignment(lesson: tuple[str, ...], seed, warm_up: str) -> Assignment:
    check = HiddenCheck("test_state", 1.0, None, None, PROBES, OBSERVE, JUDGE)
    return Assignment([Question("state", 1.0, False, ("test_state",))],
                      [LoadedCheck(check, "state", standalone(JUDGE), {})], {}, seed, False, f"{ASSIGNMENT}.ipynb",
                      {}, warm_up=warm_up, lesson=lesson)


@pytest.mark.slow
def test_a_process_forked_after_the_lesson_finds_the_state_of_a_fresh_run(course, tmp_path):
    manifest = read_manifest(course.autograder(ASSIGNMENT))
    lesson = tuple(manifest["lesson"])
    assignment = _state_assignment(lesson, 42, manifest["warm_up"])  # as the course warms up: torch's RNG is shared
    notebook = Notebook([CodeCell(i + 1, source, ()) for i, source in enumerate((*lesson, STATE))])
    states = {}
    for snapshot in (True, False):
        with Engine(assignment, Limits.from_course(course), snapshot=snapshot) as engine:
            graded = [engine.grade(Submission(f"s{n}", tmp_path / "unused"), tmp_path / f"{snapshot}{n}", notebook)
                      for n in range(2)]  # the second one forked from a lesson server that already forked one
            assert engine.after_lesson == (2 if snapshot else 0)
        for each in graded:
            assert each.status == "ok", each.message
        messages = [each.feedback["test_state"].message for each in graded]
        assert messages[0] == messages[1]
        states[snapshot] = json.loads(messages[0])
    assert states[True] == states[False]


def test_the_lesson_is_the_release_s_own_code_before_its_first_answer(course):
    """What the lesson server runs comes from the build's release notebook, as a student's copy
    of it is read: a notebook that kept it is recognised, one that edited any of it is not."""
    lesson = tuple(read_manifest(course.autograder(ASSIGNMENT))["lesson"])
    release = read_submission(Submission("release", course.release(ASSIGNMENT)))
    from coursegrader.engine import judging

    assert lesson and judging.starts_with_lesson(release, lesson)
    first_answer = next(i for i, cell in enumerate(release.code_cells) if "otter_answer_cell" in cell.tags)
    assert [cell.source for cell in release.code_cells[:first_answer]] == list(lesson)
    edited = Notebook([CodeCell(c.number, c.source + ("\n# mine" if i == 3 else ""), c.tags)
                       for i, c in enumerate(release.code_cells)])
    assert not judging.starts_with_lesson(edited, lesson)


def _rows(out) -> dict:
    """Each submission's graded record without its timings."""
    found = {}
    for record in sorted((out / "results").glob("*/graded.json")):
        data = json.loads(record.read_text())
        found[record.parent.name] = {key: data[key] for key in ("status", "scores", "total", "message", "feedback",
                                                                "public")}
    return found


@pytest.mark.slow
def test_the_corpus_gets_the_same_grades_and_messages_without_the_snapshot(corpus_grades, corpus_folder, tmp_path):
    """corpus_grades (test_corpus's batch) ran with the snapshot; here every cell runs per submission."""
    package_grade([corpus_folder], tmp_path / "full", "--no-snapshot")
    assert _rows(tmp_path / "full") == _rows(corpus_grades.out)


@pytest.mark.slow
def test_the_hostile_set_gets_the_same_grades_and_messages_without_the_snapshot(hostile_gradings):
    """The hostile batch (test_hostile's, with the snapshot: tampered lessons fall back, the rest
    fork from the lesson server, in whatever order two workers take them) graded again with every
    cell run per submission (conftest's hostile_gradings grades the two side by side)."""
    _, grades = hostile_gradings
    assert _rows(grades["full"].out) == _rows(grades["snapshot"].out)
