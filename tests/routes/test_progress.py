"""The progress output of a grading run: a failing submission's file named in full and its message
never cut, on a terminal (above the bar, which fits the terminal) and in a log."""

import csv
import io
import re
import subprocess
import sys

from coursegrader.core.results import Graded
from coursegrader.inputs.submissions import Submission
from coursegrader.routes.progress import Progress
from helpers import ROOT

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
LONG_NAME = "第三小组-张三-2024000123-自动微分作业-最终版-真的是最终版-请老师查收-" + "很长的文件名" * 4
MESSAGE = ("这份提交无法读取：它不是一个 Jupyter 笔记本（.ipynb），也不是 otter 导出的 zip 文件 / this submission "
           "could not be read: it is neither a Jupyter notebook (.ipynb) nor an otter export zip")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def graded_badly(tmp_path):
    path = tmp_path / "submissions" / f"{LONG_NAME}.zip"
    return Submission("short-id", path), Graded.failed("short-id", "invalid", MESSAGE + "\nsecond line", seconds=0.2)


def test_a_failure_in_a_log_names_the_whole_path_and_the_whole_message(tmp_path):
    submission, graded = graded_badly(tmp_path)
    log = io.StringIO()
    progress = Progress(log, files=[submission])
    progress.start(2)
    progress.advance(graded)
    progress.advance(Graded("fine", "ok", total=24.0))
    first, second = log.getvalue().splitlines()
    assert str(submission.path) in first and first.endswith(MESSAGE)  # never cut, first line only
    assert "second line" not in log.getvalue()
    assert second.startswith("[2/2 ") and "fine: 24 ok" in second


def test_on_a_terminal_a_failure_is_printed_above_a_bar_that_fits(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    submission, graded = graded_badly(tmp_path)
    terminal = Terminal()
    progress = Progress(terminal, files=[submission])
    progress.start(3)
    progress.advance(graded)
    progress.advance(Graded("fine", "ok", total=24.0))
    progress.finish()
    drawn = ANSI.sub("", terminal.getvalue())  # what the terminal shows, without cursor moves and colours
    screen = [part for line in drawn.split("\n") for part in line.split("\r")]
    failure = next(line for line in screen if "short-id" in line)
    assert str(submission.path) in failure and failure.endswith(MESSAGE)  # one whole line, above the bar
    bars = [line for line in screen if line.startswith("grading ")]
    assert bars and all(len(bar.rstrip()) <= 60 for bar in bars)  # redrawn in place, never wrapped
    assert "2/3" in bars[-1] and "fine" not in drawn  # a graded submission moves the bar only


def test_a_file_name_is_never_read_as_markup(tmp_path):
    terminal = Terminal()
    submission = Submission("[bold]x[/bold]", tmp_path / "[red]x[/red].ipynb")
    progress = Progress(terminal, files=[submission])
    progress.start(1)
    progress.advance(Graded.failed(submission.id, "invalid", "[link=http://x]y[/link]"))
    progress.finish()
    assert f"[bold]x[/bold]: 0 invalid in 0.0 s [{submission.path}]: [link=http://x]y[/link]" in ANSI.sub("", terminal.getvalue())


def test_the_grade_command_names_a_failing_file_in_full(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / f"{LONG_NAME}.zip").write_bytes(b"not a zip at all")
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder),
               "--out", str(tmp_path / "grades")]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    path = folder / f"{LONG_NAME}.zip"
    line = next(line for line in completed.stderr.splitlines() if str(path) in line)
    with open(tmp_path / "grades" / "grades.csv", encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert row["status"] != "ok" and line.endswith(f"[{path}]: {row['error'].splitlines()[0]}")
