"""Each hostile or broken submission through every grading route, side by side.

    .venv/bin/python benchmarks/hostile_table.py

Builds the cases of tests/hostile_cases.py and grades each through every route of ``routes``:
plain `otter run` on the autograder zip (stopped after 90 s, since otter has no time limit of its
own; the run and every process it started are then killed), the zip as Gradescope runs it (its
own run_autograder under a temporary root, tests/gradescope_harness.py) and `python -m
coursegrader grade` on the whole folder. A route is a name and a function from a case's file to
(score, status). Prints a Markdown table, then the files any route let a submission write
outside its folder.
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
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from gradescope_harness import gradescope_tree, results_of, run_autograder  # noqa: E402
from hostile_cases import ESCAPE_PATHS, build_cases  # noqa: E402

from coursegrader.core.config import load_course  # noqa: E402
from coursegrader.inputs.submissions import safe_id  # noqa: E402

OTTER_SECONDS = 90
LIMITS = ("--timeout", "40", "--cell-timeout", "4")  # the same short limits on every route that has limits
Route = Callable[[Path], tuple[str, str]]  # a case's file -> (score, status)


def otter_route(autograder: Path, scratch: Path) -> Route:
    def grade(path: Path) -> tuple[str, str]:
        out = scratch / f"otter-{len(list(scratch.glob('otter-*')))}"
        out.mkdir(parents=True)
        started = time.monotonic()
        run = subprocess.Popen([sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(out), "--no-logo",
                                str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            _, stderr = run.communicate(timeout=OTTER_SECONDS)
        except subprocess.TimeoutExpired:
            _kill_tree(run.pid)
            run.communicate()
            return "-", f"still running after {OTTER_SECONDS} s (no limit)"
        results = out / "results.json"
        if run.returncode != 0 or not results.is_file():
            return "-", f"error: {(stderr.strip().splitlines() or ['no output'])[-1][:80]}"
        tests = json.loads(results.read_text())["tests"]  # otter's results.json has no total: sum its tests
        return f"{sum(t.get('score') or 0 for t in tests):g}", f"done ({time.monotonic() - started:.0f} s)"
    return grade


def gradescope_route(autograder: Path, scratch: Path) -> Route:
    def grade(path: Path) -> tuple[str, str]:
        root = gradescope_tree(scratch / f"gradescope-{len(list(scratch.glob('gradescope-*')))}", autograder,
                               {path.name: path.read_bytes()})
        started = time.monotonic()
        completed = run_autograder(root, *LIMITS, timeout=600)
        if not (root / "results" / "results.json").is_file():
            return "-", f"no results.json (exit code {completed.returncode})"
        results = results_of(root)
        return f"{results['score']:g}", f"{results['extra_data']['status']} ({time.monotonic() - started:.0f} s)"
    return grade


def package_route(folder: Path, scratch: Path) -> Route:
    """`coursegrader grade` on the whole folder once (it grades a class at a time), then a row per case."""
    rows: dict[str, dict] = {}

    def grade(path: Path) -> tuple[str, str]:
        if not rows:
            out = scratch / "package"
            subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder),
                            "--out", str(out), *LIMITS], check=True, capture_output=True)
            with open(out / "grades.csv", encoding="utf-8") as handle:
                rows.update((row["submission"], row) for row in csv.DictReader(handle))
        row = rows.get(safe_id(path.stem))
        return (row["total"], row["status"]) if row else ("-", "no row")
    return grade


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


def _escaped() -> list[str]:
    """Files a submission wrote outside its folder (removed once seen)."""
    found = [str(p) for p in ESCAPE_PATHS if p.exists()]
    for path in found:
        os.remove(path)
    return found


def main() -> None:
    course = load_course(ROOT)
    autograder = course.autograder(course.ASSIGNMENTS[0])
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = scratch / "cases"
        folder.mkdir()
        build_cases(course, course.ASSIGNMENTS[0], folder)
        routes: dict[str, Route] = {
            "plain `otter run`": otter_route(autograder, scratch / "otter"),
            "the zip as Gradescope runs it": gradescope_route(autograder, scratch / "gradescope"),
            "`coursegrader grade`": package_route(folder, scratch),
        }
        print("| case | " + " | ".join(f"{name} (score of 24, status)" for name in routes) + " |")
        print("|---|" + "---|" * len(routes))
        escapes: dict[str, list[str]] = {}
        for path in sorted(folder.iterdir()):
            cells = []
            for name, grade in routes.items():
                score, status = grade(path)
                cells.append(f"{score}, {status}")
                escapes.setdefault(name, []).extend(_escaped())
            print(f"| {safe_id(path.name)} | " + " | ".join(cells) + " |", flush=True)
    for name, paths in escapes.items():
        print(f"\nfiles written outside the submission's folder under {name}: {paths or 'none'}")


if __name__ == "__main__":
    main()
