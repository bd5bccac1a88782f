"""Progress of a grading run on the terminal: count, rate and time left, and each failure in full.

Hand-written rather than tqdm or rich: neither is in requirements.txt, and the part that matters
here is what is printed, not the drawing. A failing submission gets a line of its own with its
file's whole path and its message's whole first line (never cut: a cut path cannot be opened,
a cut message may lose the word that says what went wrong); on a terminal that line is printed
above the bar, and the bar is fitted to the terminal's width so that it redraws in place.
"""

import shutil
import sys
import time

CLEAR_LINE = "\r\x1b[K"


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

    def start(self, total: int, already: int = 0) -> None:
        self.total, self.done, self.started = total, 0, time.monotonic()
        if already:
            self.stream.write(f"{already} submission(s) already graded with this autograder; grading {total} more\n")
        self.stream.flush()

    def advance(self, graded) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        counts = f"{self.done}/{self.total} {rate:.1f}/s ETA {_clock(left)}"
        row = f"{graded.submission}: {graded.total:g} {graded.status} in {graded.seconds:.1f} s"
        if graded.status != "ok":
            row += self._failure(graded)
        if self.live:
            if graded.status != "ok":
                self.stream.write(f"{CLEAR_LINE}{row}\n")
            self.stream.write(f"{CLEAR_LINE}{self._bar(counts)}")
        else:
            self.stream.write(f"[{counts}] {row}\n")
        self.stream.flush()

    def _failure(self, graded) -> str:
        """The failing file's whole path and the message's whole first line."""
        path = self.paths.get(graded.submission)
        first = graded.message.strip().splitlines()[0] if graded.message.strip() else ""
        where = f" [{path}]" if path is not None else ""
        return f"{where}{': ' + first if first else ''}"

    def _bar(self, counts: str) -> str:
        """The label, a bar and the counts, within the terminal's width (only the bar shrinks)."""
        columns = shutil.get_terminal_size((80, 24)).columns
        room = columns - len(self.label) - len(counts) - 5  # brackets and spaces; one column spare
        if room < 5:
            return counts[:max(0, columns - 1)]
        width = min(30, room)
        filled = int(width * self.done / max(1, self.total))
        return f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {counts}"

    def finish(self) -> None:
        if self.live and self.total:
            self.stream.write("\n")
        elapsed = time.monotonic() - self.started
        if self.total:
            self.stream.write(f"graded {self.done} submission(s) in {elapsed:.1f} s\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds + 0.5), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
