"""HIDDEN_FEEDBACK (course_config.py): when students see the hidden tests' results. Declared in
coursegrader/core/config.py, carried in the autograder zip's manifest (Gradescope's image has no
course_config.py), and read there by the zip's own grader: with "immediate" the question boxes
of results.json are visible at once, holding the judges' messages only. The results format
itself: test_results.py; the setting's checks at load: test_config.py."""

import json
import zipfile

import pytest

from gradescope_harness import VALIDATOR, environment, gradescope_tree, results_of, run_autograder
from helpers import ASSIGNMENT
from coursegrader.core import autograder_zip, messages
from coursegrader.engine.assignment import Assignment


def test_the_zip_carries_the_course_setting_and_the_grader_reads_it(course, tmp_path):
    zip_path = course.autograder(ASSIGNMENT)
    manifest = autograder_zip.read_manifest(zip_path)
    assert manifest["hidden_feedback"] == course.HIDDEN_FEEDBACK
    assert Assignment.from_autograder(zip_path).hidden_feedback == course.HIDDEN_FEEDBACK
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tmp_path / "source")
    unpacked = tmp_path / "source" / autograder_zip.MANIFEST_NAME
    for written, read in (("immediate", "immediate"), ("after_published", "after_published"), ("sometimes", "after_published")):
        unpacked.write_text(json.dumps({**manifest, "hidden_feedback": written}), encoding="utf-8")
        assert Assignment.from_autograder(tmp_path / "source").hidden_feedback == read  # anything else: the safe default
    unpacked.write_text(json.dumps({k: v for k, v in manifest.items() if k != "hidden_feedback"}), encoding="utf-8")
    assert Assignment.from_autograder(tmp_path / "source").hidden_feedback == "after_published"  # a zip built before it


@pytest.mark.slow  # one Gradescope run of a sample, about 15 s
def test_immediate_feedback_reaches_gradescopes_results(course, tmp_path, points):
    """The zip's run_autograder with a manifest saying "immediate": every question's box is
    visible at once, the public note says so, and no box holds a hidden test's code."""
    root = gradescope_tree(tmp_path / "gs", course.autograder(ASSIGNMENT),
                           {"mine.ipynb": (course.samples(ASSIGNMENT) / "partial_credit.ipynb").read_bytes()})
    manifest = root / "source" / autograder_zip.MANIFEST_NAME
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "hidden_feedback": "immediate"}))
    completed = run_autograder(root, "--timeout", "120", env=environment(root))
    assert completed.returncode == 0
    results = results_of(root)
    VALIDATOR.validate(results)
    boxes = {test["name"]: test for test in results["tests"]}
    assert {boxes[name]["visibility"] for name in points} == {"visible"}
    assert boxes["Public Tests"]["output"].startswith(messages.PUBLIC_NOTE_IMMEDIATE)
    assert any(boxes[name]["score"] < points[name] for name in points)  # a sample with mistakes: messages to read
    shown = json.dumps([boxes[name]["output"] for name in points], ensure_ascii=False)
    assert not any(code in shown for code in ("def observe", "def judge", "def probes", "torch.Generator"))
