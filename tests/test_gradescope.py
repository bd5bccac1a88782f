"""The autograder zip run the way Gradescope runs it: the zip unpacked into ``source``, the
submission in ``submission``, the zip's own ``run_autograder`` started from the root, and
``results/results.json`` checked against Gradescope's output format.

Gradescope's root is ``/autograder``; here it is a temporary folder. The zip's two launchers
(``run_autograder``, ``run_otter.py``) name that root literally, so their copies get the temporary
root instead; nothing else changes. ``run_autograder`` activates the image's mamba environment
``otter-env``; a stand-in ``mamba`` activates this test environment's Python instead.
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from conftest import ASSIGNMENT

GRADESCOPE_ROOT = "/autograder"
LAUNCHERS = ("run_autograder", "run_otter.py")

# Gradescope's autograder output format ("Autograder Specifications", results.json) as a JSON
# Schema. The total is the top-level `score` or, without one, the sum of the tests' scores; a test
# without a score is an information box (otter's "Public Tests" summary). This course requires
# every scored test to carry name, score, max_score, visibility and output.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
OUTPUT_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE_TEST = {
    "type": "object",
    "required": ["name", "visibility", "output"],
    "dependentRequired": {"score": ["max_score"], "max_score": ["score"]},
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "status": {"enum": ["passed", "failed"]},
        "name": {"type": "string", "minLength": 1},
        "name_format": OUTPUT_FORMAT,
        "number": {"type": "string"},
        "output": {"type": "string"},
        "output_format": OUTPUT_FORMAT,
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": VISIBILITY,
        "extra_data": {"type": "object"},
    },
}
GRADESCOPE_RESULTS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["tests"],
    "anyOf": [{"required": ["score"]},
              {"properties": {"tests": {"contains": {"required": ["score"]}}}}],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": OUTPUT_FORMAT,
        "test_output_format": OUTPUT_FORMAT,
        "test_name_format": OUTPUT_FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "minItems": 1, "items": GRADESCOPE_TEST},
        "leaderboard": {"type": "array", "items": {"type": "object", "required": ["name", "value"]}},
    },
}

MAMBA_STAND_IN = """#!/usr/bin/env bash
# `mamba shell hook` prints a shell function; its `activate otter-env` puts ENV_BIN first on PATH.
if [ "$1 $2" = "shell hook" ]; then
  echo 'mamba() { if [ "$1 $2" = "activate otter-env" ]; then export PATH="ENV_BIN:$PATH"; else return 1; fi; }'
else
  echo "stand-in mamba: unexpected call: $*" >&2
  exit 1
fi
"""


def gradescope_tree(root: Path, autograder_zip: Path, submission_files: list[Path]) -> Path:
    """The folders Gradescope's harness lays out, under ``root`` instead of /autograder."""
    source = root / "source"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(source)
    for launcher in LAUNCHERS:
        path = source / launcher
        text = path.read_text()
        assert GRADESCOPE_ROOT in text, f"{launcher} no longer names {GRADESCOPE_ROOT}: update this test"
        path.write_text(text.replace(GRADESCOPE_ROOT, str(root)))
    shutil.copy(source / "run_autograder", root / "run_autograder")  # as the image build does
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    for file in submission_files:
        shutil.copy(file, root / "submission" / file.name)
    (root / "results").mkdir()
    return root


def run_autograder(root: Path, tools: Path) -> dict:
    tools.mkdir()
    mamba = tools / "mamba"
    mamba.write_text(MAMBA_STAND_IN.replace("ENV_BIN", str(Path(sys.executable).parent)))
    mamba.chmod(mamba.stat().st_mode | stat.S_IEXEC)
    # the test environment's Python comes onto PATH only through the script's `mamba activate`
    env_bin = str(Path(sys.executable).parent)
    path = [tools, *(p for p in os.environ["PATH"].split(os.pathsep) if p != env_bin)]
    env = {**os.environ, "PATH": os.pathsep.join(map(str, path))}
    with open(root / "results" / "stdout", "w") as stdout:  # Gradescope keeps stdout for instructors
        completed = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, stdout=stdout,
                                   stderr=subprocess.STDOUT, timeout=600)
    log = (root / "results" / "stdout").read_text()
    assert completed.returncode == 0, log[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


@pytest.fixture(scope="module")
def gradescope_run(course, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("gradescope")
    root = gradescope_tree(workdir / "autograder", course.autograder(ASSIGNMENT),
                           [course.samples(ASSIGNMENT) / "partial_credit.ipynb"])
    return root, run_autograder(root, workdir / "tools")


def test_results_json_follows_gradescopes_format(gradescope_run):
    _, results = gradescope_run
    jsonschema.Draft202012Validator(GRADESCOPE_RESULTS).validate(results)
    # the schema rejects what Gradescope would: a scored test without max_score, an unknown visibility
    broken = json.loads(json.dumps(results))
    scored = next(test for test in broken["tests"] if "score" in test)
    del scored["max_score"]
    assert not jsonschema.Draft202012Validator(GRADESCOPE_RESULTS).is_valid(broken)
    scored["max_score"], scored["visibility"] = 1, "students_only"
    assert not jsonschema.Draft202012Validator(GRADESCOPE_RESULTS).is_valid(broken)


def test_partial_submission_scores_what_it_earns_on_gradescope(course, gradescope_run, points):
    _, results = gradescope_run
    earned = json.loads((course.samples(ASSIGNMENT) / "expected.json").read_text())["partial_credit"]
    scored = [test for test in results["tests"] if "score" in test]
    assert {test["name"]: test["score"] for test in scored} == \
           {name: (points[name] if name in earned else 0.0) for name in points}
    total = results.get("score", sum(test["score"] for test in scored))  # Gradescope's rule
    assert total == sum(points[name] for name in earned)
    assert sum(test["max_score"] for test in scored) == sum(points.values())


def test_hidden_results_stay_hidden_until_grades_are_published(gradescope_run, points):
    """Scores come from hidden tests, so every scored box waits for publication; students see the
    public tests' results at once, and never a hidden test's source."""
    _, results = gradescope_run
    scored = [test for test in results["tests"] if "score" in test]
    assert {test["name"] for test in scored} == set(points)
    assert {test["visibility"] for test in scored} == {"after_published"}
    (public,) = [test for test in results["tests"] if "score" not in test]
    assert public["visibility"] == "visible"
    assert all(f"{name} results" in public["output"] for name in points)
    assert not any("def test_" in test["output"] for test in results["tests"])


def test_grading_folder_gets_the_shipped_files(gradescope_run):
    root, _ = gradescope_run
    assert (root / "submission" / "matplotlibrc").is_file(), "otter copies source/files into the submission folder"


def test_image_installs_cpu_only_torch_of_the_pinned_version_and_no_latex(course):
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        environment = archive.read("environment.yml").decode()
        config = json.loads(archive.read("otter_config.json"))
        setup = archive.read("setup.sh").decode()
    pip_lines = [re.sub(r"^-\s+", "", line.strip()) for line in environment.splitlines()]
    assert f"--extra-index-url {course.TORCH_CPU_INDEX_URL}" in pip_lines
    assert f"torch=={course.TORCH_VERSION}+cpu" in pip_lines
    assert not [line for line in pip_lines if line.startswith("torch") and line != f"torch=={course.TORCH_VERSION}+cpu"]
    assert f"python={course.PYTHON_VERSION}" in pip_lines
    # setup.sh installs LaTeX only when the autograder makes PDFs (pdf) or uploads them (token)
    assert "texlive" in setup and not config.get("pdf") and not config.get("token")
