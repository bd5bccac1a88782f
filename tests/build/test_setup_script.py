"""The README's first command, `bash setup.sh`, on a copy of the repository: a Python older than
course_config.py's PYTHON_MINIMUM_VERSION is refused at once, in one line that says how to point
PYTHON= at another, before anything is installed; a `.venv` made by another Python (a wrong
version, or one that no longer runs) is made again with the right one.

A real Python 3.10 stands for the wrong one (pyenv's, or python3.10 on PATH; the tests skip
without one). setup.sh's own full run, with a Python that fits, is tests/build/test_ci_workflow.py's.
Here pip is kept off every index (PIP_NO_INDEX, pip's own setting), so the run stops at its first
download, right after the .venv step."""

import glob
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coursegrader.core.config import load_course
from helpers import ROOT
from test_ci_workflow import repository_copy

MINIMUM = load_course(ROOT).PYTHON_MINIMUM_VERSION
REFUSED = re.compile(rf"error: this course needs Python {re.escape(MINIMUM)} or newer, and (?P<python>.+) is "
                     r"(?P<release>CPython 3\.10\.\d+): run PYTHON=/path/to/python3\.11 bash setup\.sh")


def python_3_10() -> str:
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10.*/bin/python3.10"))) or \
        list(filter(None, [shutil.which("python3.10")]))
    if not found:
        pytest.skip("no Python 3.10 on this machine to stand for a wrong Python")
    return found[-1]


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    return repository_copy(tmp_path_factory.mktemp("setup") / "repository")


def setup_sh(repository: Path, env: dict, *arguments: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess, float]:
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHON")}
    started = time.monotonic()
    completed = subprocess.run(["bash", "setup.sh", *arguments], cwd=repository, env={**environment, **env},
                               capture_output=True, text=True, timeout=timeout)
    return completed, time.monotonic() - started


def venv_release(repository: Path) -> str:
    return subprocess.run([str(repository / ".venv" / "bin" / "python"), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_a_wrong_python_is_refused_at_once_in_one_line(repository, tmp_path):
    old = python_3_10()
    first_on_path = tmp_path / "bin"  # a machine whose python3 is 3.10, as PATH finds it
    first_on_path.mkdir()
    (first_on_path / "python3").symlink_to(old)
    runs = {"python3 on PATH": {"PATH": f"{first_on_path}{os.pathsep}{os.environ['PATH']}"},
            "PYTHON=": {"PYTHON": old}}
    for how, env in runs.items():
        completed, seconds = setup_sh(repository, env)
        assert completed.returncode != 0, (how, completed.stdout)
        assert seconds < 5, f"{how}: refused after {seconds:.1f} s"
        assert completed.stdout == "", (how, completed.stdout)  # nothing was started
        (line,) = completed.stderr.splitlines()
        assert REFUSED.fullmatch(line), (how, line)
        assert not (repository / ".venv").exists()
    completed, _ = setup_sh(repository, {"PYTHON": str(tmp_path / "no-such-python")})
    assert completed.stderr.splitlines() == [
        f"error: this course needs Python {MINIMUM} or newer, and {tmp_path / 'no-such-python'} is not a Python "
        "that runs: run PYTHON=/path/to/python3.11 bash setup.sh"]


@pytest.mark.slow
@pytest.mark.parametrize("stale", ["made by Python 3.10", "its Python gone"])
def test_a_venv_made_by_another_python_is_made_again(repository, stale):
    shutil.rmtree(repository / ".venv", ignore_errors=True)
    if stale == "made by Python 3.10":
        subprocess.run([python_3_10(), "-m", "venv", "--without-pip", str(repository / ".venv")], check=True)
        said = r"made by CPython 3\.10\.\d+"
    else:  # a .venv whose interpreter was removed since (an uninstalled Python, a moved folder)
        (repository / ".venv" / "bin").mkdir(parents=True)
        (repository / ".venv" / "bin" / "python").symlink_to(repository / "gone" / "python3")
        said = "made by a Python that no longer runs"
    completed, _ = setup_sh(repository, {"PYTHON": sys.executable, "PIP_NO_INDEX": "1"}, "--install-only", timeout=300)
    right = f"CPython {'.'.join(map(str, sys.version_info[:3]))}"
    assert re.search(rf"== replacing \.venv \({said}\) with {right} \(", completed.stdout), completed.stdout
    assert venv_release(repository) == right.split()[1]
    # then on to the installs, which stop at the first download (no index)
    assert "== installing torch" in completed.stdout and completed.returncode != 0

    # run again with the same Python: the .venv is kept
    completed, _ = setup_sh(repository, {"PYTHON": sys.executable, "PIP_NO_INDEX": "1"}, "--install-only", timeout=300)
    assert "replacing .venv" not in completed.stdout and "creating .venv" not in completed.stdout
