"""Runs the autograder zip the way Gradescope does, under a temporary root instead of /autograder.

Gradescope unpacks the zip into ``<root>/source``, copies its ``run_autograder`` to
``<root>/run_autograder``, puts the upload in ``<root>/submission`` and, once run_autograder has
ended, reads ``<root>/results/results.json``; stdout goes to ``<root>/results/stdout``
(instructors only). The zip's run_autograder honours two variables for this: AUTOGRADER_ROOT
(the temporary root) and COURSEGRADER_PREFIX (this environment, which holds what setup.sh would
install). PYTHONPATH points at the coursegrader source bundled in the zip, which setup.sh copies
into the image: the zip grades with the code it carries. ``VALIDATOR`` checks a results.json
against Gradescope's format. Used by tests/routes/test_gradescope.py, tests/core/test_results.py and the
benchmarks.
"""

import compileall
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema

BUNDLED_PACKAGE = "gradescope/package"  # in the zip (coursegrader/build/gradescope_image.py)


# Gradescope's autograder output format ("Autograder Specifications", results.json) as a JSON
# Schema. Gradescope itself needs only `tests` or `score`; this course requires every test to
# carry name, score, max_score, visibility, markdown output and extra_data, and the whole run its
# score, execution time, status line and extra_data.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
OUTPUT_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE_TEST = {
    "type": "object",
    "required": ["name", "score", "max_score", "visibility", "output", "output_format", "extra_data"],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "status": {"enum": ["passed", "failed"]},
        "name": {"type": "string", "minLength": 1},
        "name_format": OUTPUT_FORMAT,
        "number": {"type": "string"},
        "output": {"type": "string"},
        "output_format": {"const": "md"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": VISIBILITY,
        "extra_data": {"type": "object", "required": ["status"]},
    },
}
GRADESCOPE_RESULTS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["score", "execution_time", "output", "tests", "extra_data"],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string", "minLength": 1},
        "output_format": OUTPUT_FORMAT,
        "test_output_format": OUTPUT_FORMAT,
        "test_name_format": OUTPUT_FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object", "required": ["status"]},
        "tests": {"type": "array", "minItems": 1, "items": GRADESCOPE_TEST},
        "leaderboard": {"type": "array", "items": {"type": "object", "required": ["name", "value"]}},
    },
}
VALIDATOR = jsonschema.Draft202012Validator(GRADESCOPE_RESULTS)

def gradescope_tree(root: Path, autograder_zip: Path, uploads: dict[str, bytes]) -> Path:
    """The folders Gradescope's harness lays out under ``root``; ``uploads``: file name -> bytes."""
    source = root / "source"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(source)
    shutil.copy(source / "run_autograder", root / "run_autograder")  # as the image build does
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    for name, data in uploads.items():
        (root / "submission" / name).write_bytes(data)
    (root / "results").mkdir()
    # as the image's setup.sh does once it has copied the package into place: every run of the
    # image imports it compiled
    compileall.compile_dir(source / BUNDLED_PACKAGE, quiet=1)
    return root


def environment(root: Path) -> dict:
    return {**os.environ, "AUTOGRADER_ROOT": str(root), "COURSEGRADER_PREFIX": sys.prefix,
            "PYTHONPATH": str(root / "source" / BUNDLED_PACKAGE)}


def run_autograder(root: Path, *arguments: str, env: dict | None = None, command_prefix: tuple = (),
                   timeout: float = 900) -> subprocess.CompletedProcess:
    """Start ``<root>/run_autograder`` from the root, as Gradescope does; stdout into results/stdout."""
    with open(root / "results" / "stdout", "w") as stdout:
        return subprocess.run([*command_prefix, str(root / "run_autograder"), *arguments], cwd=root,
                              env=env or environment(root), stdout=stdout, stderr=subprocess.STDOUT, timeout=timeout)


def results_of(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def log_of(root: Path) -> str:
    return (root / "results" / "stdout").read_text(encoding="utf-8", errors="replace")


def grade_on_gradescope(root: Path, autograder_zip: Path, uploads: dict[str, bytes], *arguments: str) -> dict:
    """Lay out the tree, run the zip's run_autograder, return results.json (and keep the tree)."""
    gradescope_tree(root, autograder_zip, uploads)
    completed = run_autograder(root, *arguments)
    assert completed.returncode == 0, log_of(root)[-3000:]
    return results_of(root)
