"""course_config.py is checked at load against the one declaration of its settings."""

import re
import runpy
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from coursegrader.core.config import CONFIG_FILENAME, DECLARED, LIMIT_SETTINGS, ConfigError, load_course
from coursegrader.engine.sandbox import Limits

ROOT = Path(__file__).resolve().parents[2]
COURSE_FILE = (ROOT / CONFIG_FILENAME).read_text()


def course_with(tmp_path: Path, **changes) -> Path:
    """A course root holding the real course_config.py with some lines changed (a value: that
    line's new right-hand side; None: the line removed) and a master for each assignment."""
    text = COURSE_FILE
    for name, value in changes.items():
        line = re.compile(rf"^{name} = .*$", re.M)
        assert line.search(text), name
        text = line.sub("" if value is None else f"{name} = {value}", text)
    (tmp_path / CONFIG_FILENAME).write_text(text)
    for assignment in runpy.run_path(str(tmp_path / CONFIG_FILENAME))["ASSIGNMENTS"]:
        master = tmp_path / "source" / assignment / f"{assignment}.ipynb"
        master.parent.mkdir(parents=True, exist_ok=True)
        master.write_text("{}")
    return tmp_path


def load_error(tmp_path: Path, **changes) -> str:
    with pytest.raises(ConfigError) as raised:
        load_course(course_with(tmp_path, **changes))
    return str(raised.value)


def test_every_setting_of_the_course_file_is_declared_and_loads():
    values = {k: v for k, v in runpy.run_path(str(ROOT / CONFIG_FILENAME)).items() if k.isupper() and not k.startswith("_")}
    assert set(values) == set(DECLARED)
    course = load_course(ROOT)
    assert {name: getattr(course, name) for name in values} == values


def test_limits_are_the_course_files_values():
    course_file = runpy.run_path(str(ROOT / CONFIG_FILENAME))
    limits = Limits.from_course(load_course(ROOT))
    assert limits.memory_mb == course_file["MEMORY_LIMIT_MB"] and limits.processes == course_file["PROCESS_LIMIT"]
    assert limits.as_dict() == {field: course_file[setting] for field, setting in LIMIT_SETTINGS.items()}
    assert {f.name for f in fields(Limits)} == set(LIMIT_SETTINGS)
    with pytest.raises(TypeError):  # no defaults of its own that could disagree with the course
        Limits()


def test_limits_follow_a_changed_course_file(tmp_path):
    limits = Limits.from_course(load_course(course_with(tmp_path, MEMORY_LIMIT_MB=512, PROCESS_LIMIT=8)))
    assert (limits.memory_mb, limits.processes) == (512, 8)


def test_a_missing_setting_fails_at_load_naming_file_setting_and_fix(tmp_path):
    message = load_error(tmp_path, MEMORY_LIMIT_MB=None)
    assert str(tmp_path / CONFIG_FILENAME) in message
    assert "MEMORY_LIMIT_MB is missing" in message and "add a line such as `MEMORY_LIMIT_MB = " in message


@pytest.mark.parametrize("name, value, wanted", [
    ("MEMORY_LIMIT_MB", '"1024"', "must be an integer"),
    ("PROCESS_LIMIT", "True", "must be an integer"),
    ("CELL_TIMEOUT_SECONDS", "[60]", "must be a number of seconds"),
    ("SHOW_HIDDEN_RESULTS_AFTER_PUBLISH", '"yes"', "must be True or False"),
    ("ASSIGNMENTS", '"autograd"', "must be a list of strings"),
    ("TORCH_VERSION", "2.13", "must be a string"),
    ("DISK_LIMIT_MB", "0", "must be more than 0"),
    ("HIDDEN_FEEDBACK", '"at_once"', "must be one of 'after_published', 'immediate'"),
])
def test_a_mistyped_setting_fails_at_load(tmp_path, name, value, wanted):
    message = load_error(tmp_path, **{name: value})
    assert f"setting {name} {wanted}" in message and "change that line" in message
    assert str(tmp_path / CONFIG_FILENAME) in message


def test_a_misspelt_setting_is_named_with_the_one_meant(tmp_path):
    root = course_with(tmp_path)
    (root / CONFIG_FILENAME).write_text(COURSE_FILE.replace("GRADING_WORKERS = ", "GRADING_WORKER = "))
    with pytest.raises(ConfigError, match="unknown setting GRADING_WORKER: did you mean GRADING_WORKERS"):
        load_course(root)


def test_settings_left_out_take_their_declared_defaults(tmp_path):
    left_out = ("GRADESCOPE_COURSE_ID", "GRADING_WORKERS", "SHOW_HIDDEN_RESULTS_AFTER_PUBLISH", "HIDDEN_FEEDBACK")
    course = load_course(course_with(tmp_path, **dict.fromkeys(left_out)))
    assert [getattr(course, name) for name in left_out] == [None, 1, False, "after_published"]
    assert [getattr(course, name) for name in left_out] == [DECLARED[name].default for name in left_out]


def test_hidden_feedback_immediate_needs_hidden_results_shown(tmp_path):
    """HIDDEN_FEEDBACK = "immediate" with SHOW_HIDDEN_RESULTS_AFTER_PUBLISH = False contradicts
    itself: refused at load, naming both and the two ways out."""
    message = load_error(tmp_path, HIDDEN_FEEDBACK='"immediate"', SHOW_HIDDEN_RESULTS_AFTER_PUBLISH="False")
    assert "HIDDEN_FEEDBACK = 'immediate'" in message and "SHOW_HIDDEN_RESULTS_AFTER_PUBLISH = True" in message
    (tmp_path / "ok").mkdir()
    course = load_course(course_with(tmp_path / "ok", HIDDEN_FEEDBACK='"immediate"'))
    assert course.HIDDEN_FEEDBACK == "immediate"


def test_an_assignment_without_its_master_fails_at_load(tmp_path):
    root = course_with(tmp_path)
    (root / CONFIG_FILENAME).write_text(COURSE_FILE.replace('ASSIGNMENTS = ["autograd"]', 'ASSIGNMENTS = ["autograd", "other"]'))
    with pytest.raises(ConfigError, match=r"lists assignment 'other' in ASSIGNMENTS, but its master notebook .* does not exist"):
        load_course(root)


def test_an_unknown_assignment_on_the_command_line_is_refused(tmp_path):
    for command in (["build", "nope"], ["grade", "--assignment", "nope"]):
        completed = subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), *command],
                                   capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert completed.returncode == 2, completed.stderr
        assert "unknown assignment 'nope'" in completed.stderr and "ASSIGNMENTS" in completed.stderr


def test_setup_sh_reads_its_pins_through_the_checked_configuration(tmp_path):
    read = [sys.executable, "-m", "coursegrader.core.config", "TORCH_VERSION", "TORCH_CPU_INDEX_URL"]
    completed = subprocess.run(read, capture_output=True, text=True, cwd=ROOT, timeout=60)
    course_file = runpy.run_path(str(ROOT / CONFIG_FILENAME))
    assert completed.stdout.split() == [course_file["TORCH_VERSION"], course_file["TORCH_CPU_INDEX_URL"]]
    broken = course_with(tmp_path, TORCH_VERSION=None)
    completed = subprocess.run(read, capture_output=True, text=True, cwd=broken, timeout=60,
                               env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 2 and "TORCH_VERSION is missing" in completed.stderr and completed.stdout == ""
