"""The GitHub Actions workflow's own `run:` steps, executed in order on a copy of the repository
with a pushed submission: install, build and freshness check, grading, and the grades where the
artifact step picks them up.

The copy's `.venv` is made beforehand and sees this test environment's packages (a .pth file),
so `setup.sh` finds everything installed instead of downloading it; it still runs in full."""

import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import yaml

import pytest
from helpers import ASSIGNMENT, ROOT

pytestmark = pytest.mark.slow  # real batches, servers or browsers: not in the fast layer


WORKFLOW = ROOT / ".github" / "workflows" / "grade.yml"
# GitHub runs `shell: bash` steps as `bash --noprofile --norc -eo pipefail {0}`
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


def workflow_job() -> dict:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (job,) = workflow["jobs"].values()
    assert workflow["defaults"]["run"]["shell"] == "bash"
    return job


def repository_copy(destination: Path) -> Path:
    """The repository's files as a checkout has them (tracked and new, not ignored), committed."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@localhost"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "checkout"]):
        subprocess.run([*git, *command], cwd=destination, check=True, capture_output=True)
    return destination


def venv_seeing_this_environment(repository: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(repository / ".venv")], check=True)
    inner = subprocess.run([str(repository / ".venv" / "bin" / "python"), "-c",
                            "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           capture_output=True, text=True, check=True).stdout.strip()
    # a plain path line: this environment's packages, not its own .pth hooks (its editable install)
    Path(inner, "zz_test_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def test_workflow_steps_build_check_and_grade_a_pushed_submission(course, points, tmp_path):
    job = workflow_job()
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    run_steps = [step for step in steps if "run" in step]
    assert len(run_steps) >= 3

    repository = repository_copy(tmp_path / "repository")
    venv_seeing_this_environment(repository)
    submissions = repository / "submissions" / "student-42"
    submissions.mkdir(parents=True)
    shutil.copy(course.samples(ASSIGNMENT) / "partial_credit.ipynb", submissions / f"{ASSIGNMENT}.ipynb")

    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(CI="true", GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(repository), HOME=str(tmp_path / "home"),
               PYTHON=sys.executable)  # the Python that made the .venv: setup.sh keeps a .venv made by the one it uses
    (tmp_path / "home").mkdir()
    for step in run_steps:
        completed = subprocess.run([*GITHUB_BASH, "-c", step["run"]], cwd=repository, env=env,
                                   capture_output=True, text=True, timeout=900)
        assert completed.returncode == 0, f"step {step.get('name')!r} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}"

    grades_folder = repository / upload["with"]["path"]
    with open(grades_folder / "grades.csv", encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    (row,) = rows.values()
    assert row["status"] == "ok", row
    earned = json.loads((course.samples(ASSIGNMENT) / "expected.json").read_text())["partial_credit"]
    assert {name: float(row[name]) for name in points} == {name: (points[name] if name in earned else 0.0) for name in points}
    assert list((grades_folder / "results").glob("*/results.json"))
