"""What the submission's process sends is checked where the grader receives it.

Each submission patches the runner's ``protocol.send`` (the module every message of its process
goes through) and forges a kind of value in every message it sends: cell indices, checkpoint
names, the cell errors, public results, observations and the peak memory, as wrong types, numbers
beyond a float (``peak_mb = 10**400`` made the row ``error``), NaN and infinities, deep nesting,
long strings, long lists; or frames that are not messages at all. None of it may become the
grader's ``error`` (graded again on every run, a blank grade): at worst ``crashed`` with a fixed
message. Nothing forged reaches the row, and what is written is strict JSON.
"""

import json
import math
from pathlib import Path

import nbformat
import pytest

from coursegrader.core import messages
from coursegrader.engine.engine import Engine
from coursegrader.engine.sandbox import Limits
from coursegrader.engine.workspace import scratch_folder
from coursegrader.inputs.submissions import Submission
from coursegrader.routes.records import FAULT_NAME, save_result
from gradescope_harness import gradescope_tree, results_of, run_autograder
from helpers import ASSIGNMENT, package_grade
from test_sandbox_walls import with_cell

pytestmark = pytest.mark.slow

# The runner sends every message through protocol.send, which encodes it with the ``json`` its
# module holds: a shim there forges every message, the cell errors sent right after the last cell too.
FORGE = """
import coursegrader.engine.protocol as wire, json as real_json, types
BAD = BAD_VALUE
MODE = MODE_VALUE
KINDS = ('cell', 'checkpoint', 'executed', 'public', 'seen', 'peak_mb')
def forged(message):
    if not isinstance(message, dict):
        return message
    kind = next((key for key in KINDS if key in message), None)
    if kind is None:
        return message
    if MODE == 'whole':  # the value of every kind of message is BAD
        return {kind: BAD}
    inner = {  # BAD inside the structure the grader expects
        'cell': lambda: {'cell': BAD},
        'checkpoint': lambda: {'checkpoint': message['checkpoint'], 'number': BAD},
        'executed': lambda: {'executed': [{'cell': BAD, 'number': BAD, 'error': BAD, 'message': BAD}] * 3 + [BAD]},
        'public': lambda: {'public': [{'name': BAD, 'passed': BAD, 'message': BAD}, BAD]},
        'seen': lambda: {'seen': {'ok': True, 'data': BAD, 'error': BAD}},
        'peak_mb': lambda: {'peak_mb': BAD},
    }
    return inner[kind]()
wire.json = types.SimpleNamespace(dumps=lambda message, **options: real_json.dumps(forged(message), **options),
                                  loads=real_json.loads)
"""

# Frames that are no message: sent in place of the cell errors, after every checkpoint was judged.
RAW = """
import coursegrader.engine.protocol as wire, json as real_json, types
def dumps(message, **options):
    return FRAME_VALUE if isinstance(message, dict) and 'executed' in message else real_json.dumps(message, **options)
wire.json = types.SimpleNamespace(dumps=dumps, loads=real_json.loads)
"""

LONG = "forged-" + "x" * (1 << 20)  # a megabyte of text
VALUES = {
    "none": "None", "true": "True", "negative": "-1", "huge_int": "10**400", "nan": "float('nan')",
    "inf": "float('inf')", "minus_inf": "-float('inf')", "tiny": "-1e308", "long_text": repr(LONG),
    "deep": "__import__('functools').reduce(lambda inner, _: [inner], range(400), [])", "dict": "{'a': {'b': ['c', 1.5]}, 'ok': 'yes'}",
    "long_list": "[0] * 200000", "unicode": "'\\u202e\\U0001F600' * 1000",
}
FRAMES = {
    "frame_deep": "'[' * 200000 + ']' * 200000",  # deeper than any parser's recursion
    "frame_over_cap": "'\"' + 'x' * (3 << 20) + '\"'",  # over the cap on messages from the submission
    "frame_not_json": "'{not json'",
    "frame_not_an_object": "'[1, 2, 3]'",
}


@pytest.fixture(scope="module")
def forged_batch(course, tmp_path_factory):
    """The forged values and frames, an honest notebook, and the two notebooks of the checkpoint
    flood (test_the_grader_judges_at_most_five_calls_per_question, FLOOD_CASES), in one batch."""
    folder = tmp_path_factory.mktemp("forged")
    solution = course.solution(ASSIGNMENT)
    for name, value in VALUES.items():
        for mode in ("whole", "inner"):
            source = FORGE.replace("BAD_VALUE", value).replace("MODE_VALUE", repr(mode))
            with_cell(solution, source, folder, f"{mode}_{name}")
    for name, frame in FRAMES.items():
        with_cell(solution, RAW.replace("FRAME_VALUE", frame), folder, name)
    with_cell(solution, "honest = True", folder, "honest")
    for name, raise_cap in FLOOD_CASES.items():
        with_cell(solution, CHECKPOINT_FLOOD.replace("RAISE_CAP", raise_cap), folder, name)
    return package_grade([folder], tmp_path_factory.mktemp("forged-grades"), "--workers", "2")


def _strict(path: Path):
    def refuse(constant):
        raise ValueError(f"{path} holds {constant}: not JSON")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_no_forged_value_makes_a_row_error(forged_batch):
    rows = {name: (row["status"], row["error"][:200]) for name, row in forged_batch.items()}
    assert not {name: row for name, row in rows.items() if row[0] == "error"}, rows
    assert forged_batch["honest"]["status"] == "ok" and float(forged_batch["honest"]["total"]) == 24


@pytest.mark.parametrize("name", VALUES)
def test_a_forged_value_earns_nothing_and_is_never_echoed(forged_batch, name):
    whole, inner = forged_batch[f"whole_{name}"], forged_batch[f"inner_{name}"]
    # every observation forged: nothing was judged on data the submission chose to be right
    assert whole["status"] == "ok" and float(whole["total"]) == 0, whole
    # three copies of a megabyte in one message are over the cap on messages from the submission
    assert inner["status"] == "ok" or (inner["status"] == "crashed" and inner["error"] == messages.INVALID_DATA), inner
    for row in (whole, inner):
        assert "forged" not in row["error"] and "xxxxxxxx" not in row["error"], row


@pytest.mark.parametrize("name", FRAMES)
def test_a_frame_that_is_no_message_is_crashed_with_a_fixed_message(forged_batch, name):
    row = forged_batch[name]
    assert row["status"] == "crashed", row
    assert row["error"] in (messages.INVALID_DATA, messages.NOT_AN_OBJECT), row


def test_what_is_written_is_strict_json_with_a_real_peak(forged_batch):
    for folder in (forged_batch.out / "results").iterdir():
        record = _strict(folder / "graded.json")
        _strict(folder / "results.json")
        assert isinstance(record["peak_mb"], float) and 0 <= record["peak_mb"] < 2**40, (folder.name, record["peak_mb"])
        assert not (folder / "grader-error.txt").exists(), folder.name
    huge = _strict(forged_batch.out / "results" / "whole_huge_int" / "graded.json")
    assert huge["peak_mb"] == 0 and huge["status"] == "ok"


def test_a_huge_peak_on_the_gradescope_zip_route(course, tmp_path):
    """The named case through the zip's run_autograder: a results.json with the honest score."""
    notebook = with_cell(course.solution(ASSIGNMENT), FORGE.replace("BAD_VALUE", "10**400").replace(
        "MODE_VALUE", repr("inner")).replace("KINDS = ('cell', 'checkpoint', 'executed', 'public', 'seen', 'peak_mb')",
                                             "KINDS = ('peak_mb',)"), tmp_path / "in", "peak")
    root = gradescope_tree(tmp_path / "gs", course.autograder(ASSIGNMENT), {"peak.ipynb": notebook.read_bytes()})
    completed = run_autograder(root, "--timeout", "120", "--cell-timeout", "20")
    assert completed.returncode == 0
    results = results_of(root)
    assert results["extra_data"]["status"] == "ok" and results["score"] == 24, results["output"]
    assert math.isfinite(results["execution_time"])


def test_the_graders_own_fault_names_the_step_and_type_and_keeps_the_traceback_apart(course, tmp_path):
    """A real fault inside grading (the fork server gone mid-batch, after the engine found it
    alive and before the fork it is asked for): the row says the grader failed while grading and
    the exception's type, never its text; the traceback is written to grader-error.txt beside the
    result by the code every batch saves results with."""
    limits = Limits.from_course(course)
    with Engine(course.autograder(ASSIGNMENT), limits) as engine, scratch_folder("coursegrader-fault-") as scratch:
        engine.wait_ready()
        server = engine._server
        asked = server.start

        def start_once_the_server_is_gone(*args):
            server._process.kill()  # the grader's own process, not the submission's
            server._process.wait()
            return asked(*args)

        server.start = start_once_the_server_is_gone
        graded = engine.grade(Submission("s", course.solution(ASSIGNMENT)), scratch / "s")
    assert graded.status == "error", graded
    error_type = next(name for name in ("BrokenPipeError", "ConnectionResetError", "ForkServerError") if name in graded.fault)
    assert f"the grader itself failed while grading ({error_type})" in graded.message, graded.message
    assert "Broken pipe" not in graded.message and "stopped" not in graded.message
    save_result(graded, engine.assignment, tmp_path / "results" / "s", "key")
    assert "Traceback" in (tmp_path / "results" / "s" / FAULT_NAME).read_text()
    record = _strict(tmp_path / "results" / "s" / "graded.json")
    assert "fault" not in record and record["status"] == "error"


# The runner, in the submission's process, stops asking past 5 judged calls per question; a
# submission raises its cap and calls w1's check 1,000 times, right for the first 5 calls and
# wrong after. Counted in the grader, only the first 5 are judged: w1 keeps its points, as in
# the same notebook without the raised cap.
CHECKPOINT_FLOOD = """
import torch
import coursegrader.engine.protocol as wire, coursegrader.engine.runner as runner
RAISE_CAP
right = grad_w1.clone()
for call in range(1000):
    grad_w1 = right if call < 5 else torch.zeros(4)
    grader.check('w1')
"""
# graded in forged_batch: the flood as the runner's cap leaves it, and with the cap raised
FLOOD_CASES = {"flood_capped": "",
               "flood": "wire.MAX_CHECKPOINTS_PER_QUESTION = runner.MAX_CHECKPOINTS_PER_QUESTION = 10**9"}


def test_the_grader_judges_at_most_five_calls_per_question(forged_batch, points):
    honest, flood = forged_batch["flood_capped"], forged_batch["flood"]
    assert honest["status"] == flood["status"] == "ok", (honest, flood)
    scores = {name: {q: float(forged_batch[name][q]) for q in [*points, "total"]} for name in FLOOD_CASES}
    assert scores["flood_capped"]["w1"] == 1 and scores["flood"] == scores["flood_capped"], scores
