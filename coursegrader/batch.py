"""Grades a batch: many submissions in parallel, resumable, on this machine or a Dask cluster.

Each submission's result is written as soon as it is known (``results/<id>/``), atomically;
a rerun after a crash or a kill grades only the submissions without a result for the same
file and autograder. Nothing one submission does or is can stop the batch: every step for one
submission (its fingerprint, reading, grading, saving) turns any exception into that
submission's row, and every other result is kept. A row with status ``error`` (the grader's own
failure) is graded once more on the next run; if it fails again it is kept until ``--regrade``.
"""

import contextlib
import hashlib
import json
import os
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .forkserver import ForkServer
from . import messages
from .judging import Assignment, grade_submission
from .notebooks import write_bytes_atomic
from .progress import Progress
from .results import Graded
from .sandbox import Limits
from .scratch import keep_private, scratch_folder
from .submissions import Submission, SubmissionError, submitted_file

RESULTS_NAME = "results.json"
RECORD_NAME = "graded.json"
FAULT_NAME = "grader-error.txt"  # the traceback of the grader's own failure, for whoever fixes it
ERROR_RUNS_KEPT = 2  # an error is graded again once; after that it is kept until --regrade


def fingerprint(submission: Submission, autograder_digest: str) -> str:
    """Changes when the submission's file or the autograder change (then it is graded again).
    "" for a submission that cannot be read: it never counts as graded (reading it says why)."""
    try:
        name, data = submitted_file(submission)
    except SubmissionError:
        return ""
    digest = hashlib.sha256(autograder_digest.encode())
    digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def previous_result(results_dir: Path, key: str) -> tuple[Graded | None, int]:
    """The earlier result for this fingerprint if it still stands, and how many runs in a row
    ended in ``error`` for it."""
    try:
        record = json.loads((results_dir / RECORD_NAME).read_text(encoding="utf-8"))
        if not key or record.pop("fingerprint") != key or not (results_dir / RESULTS_NAME).is_file():
            return None, 0
        error_runs = int(record.pop("error_runs", 0))
        graded = Graded.from_record(record)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, 0
    if graded.status == "error" and error_runs < ERROR_RUNS_KEPT:
        return None, error_runs
    return graded, error_runs


def save_result(graded: Graded, assignment: Assignment, results_dir: Path, key: str, error_runs: int = 0) -> None:
    """results.json first, then the record that marks the submission as done."""
    results_dir.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(_json_bytes(graded.to_gradescope(assignment)), results_dir / RESULTS_NAME)
    runs = error_runs + 1 if graded.status == "error" else 0
    write_bytes_atomic(_json_bytes({**graded.to_record(), "fingerprint": key, "error_runs": runs}), results_dir / RECORD_NAME)
    if graded.status != "error":
        (results_dir / FAULT_NAME).unlink(missing_ok=True)


def _json_bytes(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8", "replace")


def grader_fault(submission: Submission, step: str, error: BaseException, out_dir: Path) -> Graded:
    """The row for a failure of the grader itself on one submission; its traceback is kept
    beside the submission's result (never in the row, which must not echo anything)."""
    folder = out_dir / "results" / submission.id
    try:
        folder.mkdir(parents=True, exist_ok=True)
        text = "".join(traceback.format_exception(error)).encode("utf-8", "backslashreplace")
        write_bytes_atomic(text, folder / FAULT_NAME)
    except OSError:
        pass
    return Graded.failed(submission.id, "error", messages.GRADER_FAULT.format(
        step_zh=messages.GRADER_STEPS[step], step=step, error=type(error).__name__, file=FAULT_NAME))


def grade_all(submissions: list[Submission], autograder: Path, out_dir: Path, limits: Limits, workers: int,
              progress: Progress, regrade: bool = False, scheduler: str | None = None) -> list[Graded]:
    """Grade every submission not graded before; returns results in input order."""
    autograder = autograder.resolve()
    results: dict[str, Graded] = {}
    pending = []  # (submission, fingerprint, error runs so far)
    autograder_digest = hashlib.sha256(autograder.read_bytes()).hexdigest()
    for submission in submissions:
        if submission.duplicate:
            results[submission.id] = _duplicate(submission)
            continue
        try:
            key = fingerprint(submission, autograder_digest)
            earlier, error_runs = (None, 0) if regrade else previous_result(out_dir / "results" / submission.id, key)
        except Exception as error:  # noqa: BLE001 - one submission's fault must not stop the batch
            results[submission.id] = grader_fault(submission, "reading", error, out_dir)
            continue
        if earlier is not None:
            results[submission.id] = earlier
        else:
            pending.append((submission, key, error_runs))
    # the fork server warms up (seconds) while the hidden tests are read and their probes made
    with ForkServer() if pending and not scheduler else contextlib.nullcontext() as server:
        assignment = Assignment.from_autograder(autograder)
        progress.start(len(pending), already=len(submissions) - len(pending))
        if os.geteuid() == 0:  # submissions run as other users: other students' feedback stays out of their reach
            (out_dir / "results").mkdir(parents=True, exist_ok=True)
            keep_private(out_dir / "results")
        if scheduler:
            from .cluster import grade_on_cluster

            finished = grade_on_cluster(scheduler, pending, autograder, limits, out_dir)
        else:
            finished = _grade_local(pending, server, assignment, limits, workers, out_dir)
        for submission, key, error_runs, graded in finished:
            try:
                save_result(graded, assignment, out_dir / "results" / submission.id, key, error_runs)
            except Exception as error:  # noqa: BLE001 - a result that cannot be written is this row's problem only
                graded = grader_fault(submission, "saving", error, out_dir)
            results[submission.id] = graded
            progress.advance(graded)
    progress.finish()
    return [results[s.id] for s in submissions]


def _duplicate(submission: Submission) -> Graded:
    return Graded.failed(submission.id, "duplicate", messages.DUPLICATE)


def _grade_local(pending, server: ForkServer, assignment, limits, workers, out_dir):
    """``workers`` submissions at a time on this machine, from the fork server."""
    if not pending:
        return
    server.wait_ready()
    with scratch_folder("coursegrader-grade-") as scratch, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = {pool.submit(grade_submission, server, assignment, submission, scratch / f"s{index}", limits):
                (submission, key, error_runs) for index, (submission, key, error_runs) in enumerate(pending)}
        for job in as_completed(jobs):
            submission, key, error_runs = jobs[job]
            try:
                graded = job.result()
            except Exception as error:  # noqa: BLE001 - grade_submission's own bug: this row only
                graded = grader_fault(submission, "grading", error, out_dir)
            yield submission, key, error_runs, graded
