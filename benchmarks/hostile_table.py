"""Each hostile or broken submission through plain `otter run` and through this package.

    .venv/bin/python benchmarks/hostile_table.py

Builds the cases of tests/hostile_cases.py, grades the folder with `python -m coursegrader
grade`, then runs `otter run` on each case in turn (stopped after 90 s, since otter has no time
limit of its own; the run and every process it started are then killed), and prints a Markdown
table: otter's score or failure beside the package's status and score.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile_cases import ESCAPE_PATHS, build_cases  # noqa: E402

from coursegrader.config import load_course  # noqa: E402
from coursegrader.submissions import safe_id  # noqa: E402

OTTER_SECONDS = 90


def otter_result(path: Path, autograder: Path, out: Path) -> str:
    out.mkdir(parents=True)
    started = time.monotonic()
    run = subprocess.Popen([sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(path)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = run.communicate(timeout=OTTER_SECONDS)
    except subprocess.TimeoutExpired:
        _kill_tree(run.pid)
        run.communicate()
        return f"still running after {OTTER_SECONDS} s (no limit)"
    seconds = time.monotonic() - started
    results = out / "results.json"
    if run.returncode != 0 or not results.is_file():
        last = (stderr.strip().splitlines() or ["no output"])[-1][:80]
        return f"error: {last}"
    tests = json.loads(results.read_text())["tests"]
    return f"{sum(t.get('score') or 0 for t in tests):g} ({seconds:.0f} s)"


def _kill_tree(pid: int) -> None:
    """otter run and its kernel (which runs in a session of its own)."""
    import psutil

    try:
        family = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    os.killpg(pid, signal.SIGKILL)
    for process in family:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


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
            row = ours.get(safe_id(path.stem))
            theirs = otter_result(path, autograder, scratch / "otter" / path.name)
            mine = f"{row['status']}, {row['total']}" if row else "?"
            print(f"| {safe_id(path.name)} | {theirs} | {mine} |", flush=True)
    escaped = [str(p) for p in ESCAPE_PATHS if p.exists()]
    for path in escaped:
        os.remove(path)
    print(f"\nfiles written outside the submission's folder under plain otter run: {escaped or 'none'}")


if __name__ == "__main__":
    main()
