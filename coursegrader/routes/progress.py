"""Progress of a grading run on the terminal: count, rate and time left, and each failure in full.

On a terminal the bar is rich's (it fits the terminal's width and redraws in place); a failing
submission gets a line of its own above it, with its file's whole path and its message's whole
first line, printed as plain text (never cut: a cut path cannot be opened, a cut message may
lose the word that says what went wrong; never read as markup: a file name is the student's).
On a log (not a terminal) each submission gets one line, which `grep` and CI logs read as is.
"""

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeRemainingColumn
from rich.text import Text


class Progress:
    """A one-line bar on a terminal; on a log (not a terminal) a line per submission.
    ``files``: the submissions being graded, so a failure names its file, not only its id."""

    def __init__(self, stream=sys.stderr, label: str = "grading", files=()):
        self.stream = stream
        self.label = label
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.paths = {s.id: s.path for s in files}
        self.total = self.done = 0
        self.started = time.monotonic()
        self._bar: Bar | None = None

    def start(self, total: int, already: int = 0) -> None:
        self.total, self.done, self.started = total, 0, time.monotonic()
        if already:
            self.stream.write(f"{already} submission(s) already graded with this autograder; grading {total} more\n")
            self.stream.flush()
        if self.live and total:
            console = Console(file=self.stream, force_terminal=True, highlight=False, markup=False, emoji=False)
            # refreshed by advance() only: no drawing thread, nothing drawn after finish()
            self._bar = Bar(TextColumn(self.label), BarColumn(bar_width=30), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=console, auto_refresh=False)
            self._task = self._bar.add_task(self.label, total=total, rate="")
            self._bar.start()
            self._bar.refresh()

    def advance(self, graded) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        row = f"{graded.submission}: {graded.total:g} {graded.status} in {graded.seconds:.1f} s"
        if graded.status != "ok":
            row += self._failure(graded)
        if self._bar is not None:
            if graded.status != "ok":
                self._bar.console.print(Text(row), soft_wrap=True)  # above the bar, whole
            self._bar.update(self._task, completed=self.done, rate=f"{rate:.1f}/s")
            self._bar.refresh()
        else:
            left = (self.total - self.done) / rate if rate else 0.0
            self.stream.write(f"[{self.done}/{self.total} {rate:.1f}/s ETA {_clock(left)}] {row}\n")
            self.stream.flush()

    def _failure(self, graded) -> str:
        """The failing file's whole path and the message's whole first line."""
        path = self.paths.get(graded.submission)
        first = graded.message.strip().splitlines()[0] if graded.message.strip() else ""
        where = f" [{path}]" if path is not None else ""
        return f"{where}{': ' + first if first else ''}"

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elapsed = time.monotonic() - self.started
        if self.total:
            self.stream.write(f"graded {self.done} submission(s) in {elapsed:.1f} s\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds + 0.5), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
