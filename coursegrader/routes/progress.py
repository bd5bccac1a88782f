"""Progress of a grading run on the terminal: count, rate and time left."""

import sys
import time


class Progress:
    """A one-line bar on a terminal; on a log (not a terminal) a line per submission."""

    def __init__(self, stream=sys.stderr, label: str = "grading"):
        self.stream = stream
        self.label = label
        self.live = hasattr(stream, "isatty") and stream.isatty()
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
        if self.live:
            width = 30
            filled = int(width * self.done / max(1, self.total))
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {counts}  ")
        else:
            note = f" ({graded.message.splitlines()[0][:80]})" if graded.status != "ok" and graded.message else ""
            self.stream.write(f"[{counts}] {graded.submission}: {graded.total:g} {graded.status} "
                              f"in {graded.seconds:.1f} s{note}\n")
        self.stream.flush()

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
