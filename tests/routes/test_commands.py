"""The instructor's commands as typed: every option checked before any work with a one-line error
and exit status 2, misspellings answered with the nearest real name, --version and --help in
plain text, a Dask address where nothing listens refused at once, and a master edited after the
last build never graded with the old autograder without a word."""

import json
import shutil
import socket
import subprocess
import sys
import time

import pytest

import coursegrader
from coursegrader.core.autograder_zip import read_manifest
from helpers import ASSIGNMENT, ROOT

COMMAND = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT)]


def run(*words, command=COMMAND, timeout=120, cwd=ROOT):
    return subprocess.run([*command, *map(str, words)], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def one_line_error(completed) -> str:
    """The single line a refused command printed (nothing on stdout, no usage block, no traceback)."""
    assert completed.returncode == 2, (completed.returncode, completed.stderr[-2000:])
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and completed.stdout == "", completed.stderr
    assert "Traceback" not in completed.stderr and "usage:" not in completed.stderr
    return lines[0]


# --- options ------------------------------------------------------------------------------

@pytest.mark.parametrize("words, names", [
    (["grade", "--timeout", "-5"], ["--timeout", "-5", "above 0"]),
    (["grade", "--timeout", "0"], ["--timeout", "above 0"]),
    (["grade", "--timeout", "nan"], ["--timeout", "above 0"]),
    (["grade", "--timeout", "soon"], ["--timeout", "'soon'", "number of seconds"]),
    (["grade", "--cell-timeout", "0"], ["--cell-timeout", "above 0"]),
    (["grade", "--workers", "0"], ["--workers", "1 or more"]),
    (["grade", "--workers", "2.5"], ["--workers", "whole number"]),
    (["gradescope", "--timeout", "-1"], ["--timeout", "above 0"]),
    (["grade", "--scheduler", "localhost"], ["--scheduler", "tcp://"]),
    (["grade", "--gradebook-column", " "], ["--gradebook-column", "empty"]),
])
def test_a_bad_option_value_is_one_line_and_exit_2(words, names):
    line = one_line_error(run(*words))
    assert line.startswith(f"coursegrader {words[0]}: error: ")
    for name in names:
        assert name in line, line


def test_missing_files_given_as_options_are_named_before_grading(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student id,name\n1,A\n", encoding="utf-8")
    line = one_line_error(run("grade", "--roster", roster, "--manual", tmp_path / "manual.csv"))
    assert f"--manual {tmp_path / 'manual.csv'}: no such file" in line
    line = one_line_error(run("grade", "--roster", tmp_path / "nobody.csv"))
    assert "--roster" in line and "no such file" in line
    (tmp_path / "out").write_text("", encoding="utf-8")
    assert "is a file" in one_line_error(run("grade", "--out", tmp_path / "out"))


@pytest.mark.parametrize("words, wrong, meant", [
    (["grade", "--timout", "5"], "--timout", "--timeout"),
    (["grade", "--cell-timout=3"], "--cell-timout", "--cell-timeout"),
    (["grade", "--from-gradscope", "x"], "--from-gradscope", "--from-gradescope"),
    (["build", "--outt", "x"], "--outt", "--out"),
])
def test_a_misspelt_flag_gets_the_nearest_real_one(words, wrong, meant):
    line = one_line_error(run(*words))
    assert line.startswith(f"coursegrader {words[0]}: error: no option {wrong} (did you mean {meant}?)"), line
    assert f"coursegrader {words[0]} --help" in line


def test_a_misspelt_command_gets_the_nearest_real_one():
    line = one_line_error(run("grdae"))
    assert "'grdae'" in line and "did you mean grade?" in line and "build, grade, demo, gradescope" in line


def test_version_prints_the_package_version():
    completed = run("--version")
    assert completed.returncode == 0 and completed.stdout.strip() == f"coursegrader {coursegrader.__version__}"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and 'attr = "coursegrader.__version__"' in pyproject


@pytest.mark.parametrize("words", [[], ["build"], ["grade"], ["demo"], ["gradescope"]])
def test_help_is_plain_text(words):
    completed = run(*words, "--help")
    assert completed.returncode == 0 and completed.stdout.startswith("usage: coursegrader")
    assert "`" not in completed.stdout.replace("`coursegrader COMMAND --help`", "")  # no RST ``literal`` markup
    assert ":ref:" not in completed.stdout and "::" not in completed.stdout


def test_the_config_module_has_help_and_suggests_settings(tmp_path):
    config = [sys.executable, "-m", "coursegrader.core.config"]
    completed = run("--help", command=config, cwd=tmp_path)  # help needs no course
    assert completed.returncode == 0 and completed.stdout.startswith("usage: python -m coursegrader.core.config")
    assert "TORCH_VERSION" in completed.stdout and "no such setting" not in completed.stdout + completed.stderr
    assert "did you mean TORCH_VERSION?" in one_line_error(run("TORCH_VERSON", command=config))
    assert "no option --verbose" in one_line_error(run("--verbose", command=config))
    completed = run("TORCH_VERSION", command=config)
    assert completed.returncode == 0 and completed.stdout.strip()


# --- a Dask scheduler that is not there -------------------------------------------------------

def test_a_scheduler_address_where_nothing_listens_is_refused_at_once(tmp_path):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    completed = run("grade", ROOT / "samples" / ASSIGNMENT, "--out", tmp_path / "grades",
                    "--scheduler", f"tcp://127.0.0.1:{port}", timeout=120)
    elapsed = time.monotonic() - started
    line = one_line_error(completed)
    assert elapsed < 10, elapsed
    assert f"tcp://127.0.0.1:{port}" in line and f"dask scheduler --port {port}" in line and "refused" in line
    assert not (tmp_path / "grades" / "grades.csv").exists()


# --- a stale build ----------------------------------------------------------------------------

@pytest.fixture()
def copied_course(tmp_path):
    """The course's configuration, master notebook and built autograder, copied elsewhere."""
    root = tmp_path / "course"
    root.mkdir()
    for name in ("course_config.py", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copytree(ROOT / "autograder", root / "autograder", ignore=shutil.ignore_patterns("nbgrader"))
    (tmp_path / "empty").mkdir()
    return root


def grade_nothing(root, *options):
    """`grade` on an empty folder: whatever is checked before grading, and then "nothing to grade"."""
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(root)]
    return run("grade", root.parent / "empty", "--out", root.parent / "grades", *options, command=command)


def test_the_autograder_records_what_it_was_built_from(course):
    from coursegrader.build import freshness

    recorded = read_manifest(course.autograder(ASSIGNMENT))[freshness.MANIFEST_KEY]
    assert recorded == freshness.built_from(course, ASSIGNMENT)  # the committed zip is fresh
    assert f"source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb" in recorded and f"source/{ASSIGNMENT}/matplotlibrc" in recorded


def test_grading_stops_when_the_master_changed_after_the_build(copied_course):
    fresh = grade_nothing(copied_course)
    assert "no notebooks or zips found" in one_line_error(fresh)  # nothing said about the build

    master = copied_course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = json.loads(master.read_text(encoding="utf-8"))
    edited = 0
    for cell in notebook["cells"]:  # one hidden test worth one point more
        text = "".join(cell["source"])
        if not edited and "hidden: true" in text and "points: 1\n" in text:
            cell["source"] = text.replace("points: 1\n", "points: 2\n", 1)
            edited += 1
    assert edited
    master.write_text(json.dumps(notebook, ensure_ascii=False, indent=1), encoding="utf-8")

    line = one_line_error(grade_nothing(copied_course))
    assert line.startswith(f"error: source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb changed after "), line
    assert "python -m coursegrader build" in line and "--allow-stale" in line

    allowed = grade_nothing(copied_course, "--allow-stale")  # the instructor's choice: one warning, then on
    warning, error = allowed.stderr.splitlines()
    assert warning.startswith("warning: grading with ") and "source/autograd/autograd.ipynb changed" in warning
    assert "no notebooks or zips found" in error and allowed.returncode == 2


def test_a_changed_support_file_or_setting_is_named_too(copied_course):
    (copied_course / "source" / ASSIGNMENT / "matplotlibrc").write_text("font.size: 30\n", encoding="utf-8")
    config = copied_course / "course_config.py"
    config.write_text(config.read_text(encoding="utf-8").replace("GRADING_SEED = ", "GRADING_SEED = 1 + "),
                      encoding="utf-8")
    line = one_line_error(grade_nothing(copied_course))
    assert f"source/{ASSIGNMENT}/matplotlibrc" in line and "course_config.py (its settings)" in line, line
    assert f"{ASSIGNMENT}.ipynb" not in line.split(" changed after ")[0]
