"""Each hostile or broken submission through plain `otter run` and through this package.

    .venv/bin/python benchmarks/hostile_table.py

Builds the cases of tests/hostile_cases.py, grades the folder with `python -m coursegrader
grade`, then runs `otter run` on each case in turn (stopped after 120 s, since otter has no time
limit of its own), and prints a Markdown table: otter's score or failure beside the package's
status and score. Run it on a machine with nothing else of this course running: one case kills
every process whose command line names the package, which plain otter does not prevent.
"""

import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile_cases import build_cases  # noqa: E402

from coursegrader.config import load_course  # noqa: E402

OTTER_SECONDS = 120


def otter_result(path: Path, autograder: Path, out: Path) -> str:
    out.mkdir(parents=True)
    started = time.monotonic()
    try:
        run = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(path)],
                             capture_output=True, text=True, timeout=OTTER_SECONDS)
    except subprocess.TimeoutExpired:
        return f"still running after {OTTER_SECONDS} s (no limit)"
    seconds = time.monotonic() - started
    results = out / "results.json"
    if run.returncode != 0 or not results.is_file():
        last = (run.stderr.strip().splitlines() or ["no output"])[-1][:80]
        return f"error: {last}"
    return f"{json.loads(results.read_text()).get('score', 0):g} ({seconds:.0f} s)"


def main() -> None:
    course = load_course(ROOT)
    name = course.ASSIGNMENTS[0]
    autograder = course.autograder(name)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = scratch / "cases"
        folder.mkdir()
        build_cases(course, name, folder)
        out = scratch / "ours"
        subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder), "--out", str(out),
                        "--timeout", "40", "--cell-timeout", "4"], check=True, capture_output=True)
        with open(out / "grades.csv", encoding="utf-8") as handle:
            ours = {row["submission"]: row for row in csv.DictReader(handle)}
        print("| case | plain `otter run` (score of 24) | coursegrader (status, score) |")
        print("|---|---|---|")
        for path in sorted(folder.iterdir()):
            row = ours.get(path.stem) or next((r for r in ours.values() if r["submission"].startswith(path.stem)), None)
            theirs = otter_result(path, autograder, scratch / "otter" / path.name)
            mine = f"{row['status']}, {row['total']}" if row else "?"
            print(f"| {path.name} | {theirs} | {mine} |", flush=True)


if __name__ == "__main__":
    main()
