"""Grades many submissions in parallel, each in a fresh worker process with a time limit.

A submission that fails in any way (bad file, crash, timeout) gets a score of what it earned,
a status and a message; it never stops the batch or touches another submission's results.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from .autograder_zip import autograded_points
from .submissions import Submission, SubmissionError, stage_notebook

RESULTS_NAME = "results.json"
LOG_NAME = "grading-log.txt"


@dataclass
class Limits:
    submission_seconds: float
    cell_seconds: int


@dataclass
class Graded:
    submission: str
    status: str  # ok | timeout | error | invalid
    scores: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    message: str = ""
    seconds: float = 0.0


def grade_all(submissions: list[Submission], autograder: Path, questions: list[dict], out_dir: Path,
              limits: Limits, workers: int, progress=print) -> list[Graded]:
    """Grade every submission; results go to ``out_dir/results/<id>/``. Returns input order."""
    autograder = autograder.resolve()
    possible = autograded_points(questions)
    graded: dict[str, Graded] = {}
    with tempfile.TemporaryDirectory(prefix="coursegrader-grade-") as scratch, \
            ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = {pool.submit(grade_one, s, autograder, questions, out_dir / "results" / s.id, Path(scratch) / s.id, limits): s
                for s in submissions}
        for done, job in enumerate(as_completed(jobs), start=1):
            result = job.result()
            graded[result.submission] = result
            note = f" ({result.message.splitlines()[0][:80]})" if result.status != "ok" else ""
            progress(f"[{done}/{len(submissions)}] {result.submission}: {result.total:g}/{possible:g} "
                     f"{result.status} in {result.seconds:.1f} s{note}")
    return [graded[s.id] for s in submissions]


def grade_one(submission: Submission, autograder: Path, questions: list[dict], results_dir: Path,
              scratch: Path, limits: Limits) -> Graded:
    started = time.monotonic()
    if results_dir.exists():
        shutil.rmtree(results_dir)
    results_dir.mkdir(parents=True)
    try:
        notebook = stage_notebook(submission, scratch)
    except (SubmissionError, OSError) as error:
        graded = Graded(submission.id, "invalid", message=str(error))
    else:
        graded = _run_worker(submission.id, notebook, autograder, questions, results_dir, limits)
    graded.seconds = time.monotonic() - started
    if graded.status != "ok":
        _write_failure_results(graded, questions, results_dir)
    return graded


def _run_worker(submission_id: str, notebook: Path, autograder: Path, questions: list[dict],
                results_dir: Path, limits: Limits) -> Graded:
    command = [sys.executable, "-m", "coursegrader.worker", str(notebook), str(autograder),
               str(results_dir), "--cell-timeout", str(limits.cell_seconds)]
    # otter's temporary folders (and so the kernel's working folder) go under this submission's
    # scratch folder, which is removed when the batch ends
    temporary = notebook.parent / "tmp"
    temporary.mkdir()
    with open(results_dir / LOG_NAME, "wb") as log:
        # A session of its own, so a timeout can stop the worker and what it started.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=notebook.parent, start_new_session=True,
                                   env={**os.environ, "TMPDIR": str(temporary)})
        try:
            process.wait(timeout=limits.submission_seconds)
        except subprocess.TimeoutExpired:
            _stop(process)
            return Graded(submission_id, "timeout",
                          message=f"评分超过每份提交的时间上限 {limits.submission_seconds:g} 秒，已停止 / "
                                  f"grading stopped after the {limits.submission_seconds:g} s limit per submission")
    results_file = results_dir / RESULTS_NAME
    if process.returncode != 0 or not results_file.is_file():
        return Graded(submission_id, "error", message=_last_error_line(results_dir / LOG_NAME))
    return parse_results(submission_id, json.loads(results_file.read_text(encoding="utf-8")), questions)


def _stop(process: subprocess.Popen) -> None:
    """Kill a running worker and everything it started. Jupyter kernels run in sessions of
    their own, so the worker's process group alone would miss them."""
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:  # already gone (it is not reaped yet, so the pid is still its own)
        family = []
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for child in family:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    process.wait()


def _last_error_line(log_path: Path) -> str:
    lines = [line.strip() for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "Exception" in line]
    return (errors or lines or ["the grading process ended without results"])[-1][:300]


def parse_results(submission_id: str, results: dict, questions: list[dict]) -> Graded:
    """Per-question scores from an otter/Gradescope results.json."""
    autograded = {q["name"] for q in questions if not q["manual"]}
    scores = {t["name"]: float(t.get("score") or 0) for t in results.get("tests", []) if t.get("name") in autograded}
    total = float(results["score"]) if "score" in results else sum(scores.values())
    return Graded(submission_id, "ok", scores=scores, total=total)


def _write_failure_results(graded: Graded, questions: list[dict], results_dir: Path) -> None:
    """A Gradescope-format results.json that tells the student why there is no grade."""
    possible = autograded_points(questions)
    results = {
        "score": graded.total,
        "output": graded.message,
        "tests": [{"name": "Grading", "score": graded.total, "max_score": possible, "status": "failed",
                   "visibility": "visible", "output": graded.message}],
    }
    (results_dir / RESULTS_NAME).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
