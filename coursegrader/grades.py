"""The grades table: CSV for the gradebook and a plain-text table for the terminal."""

import csv
import io
from pathlib import Path

from .autograder_zip import autograded_points
from .judging import Graded
from .notebooks import write_bytes_atomic


def columns(questions: list[dict]) -> list[str]:
    return [q["name"] for q in questions if not q["manual"]]


def write_csv(graded: list[Graded], questions: list[dict], path: Path) -> None:
    names = columns(questions)
    possible = autograded_points(questions)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "status", *names, "total", "possible", "seconds", "error"])
    for g in graded:
        writer.writerow([g.submission, g.status, *(f"{g.scores.get(n, 0.0):g}" for n in names),
                         f"{g.total:g}", f"{possible:g}", f"{g.seconds:.1f}", g.message])
    write_bytes_atomic(buffer.getvalue().encode("utf-8", "replace"), path)


def table(graded: list[Graded], questions: list[dict]) -> str:
    names = columns(questions)
    possible = autograded_points(questions)
    header = ["submission", "status", *names, "total"]
    rows = [[g.submission, g.status, *(f"{g.scores.get(n, 0.0):g}" for n in names), f"{g.total:g}/{possible:g}"]
            for g in graded]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) for row in [header, *rows])
