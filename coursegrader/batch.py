"""Grades a batch: many submissions in parallel, resumable, on this machine or a Dask cluster.

Each submission's result is written as soon as it is known (``results/<id>/``), atomically;
a rerun after a crash or a kill grades only the submissions without a result for the same
file and autograder. A broken submission gets a row with a status and a message; it never stops
the batch or touches another submission's result.
"""

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

from .forkserver import ForkServer
from .judging import Assignment, Graded, grade_submission, results_json
from .notebooks import write_bytes_atomic
from .progress import Progress
from .sandbox import Limits
from .scratch import keep_private, scratch_folder
from .submissions import Submission

RESULTS_NAME = "results.json"
RECORD_NAME = "graded.json"


def fingerprint(submission: Submission, autograder_digest: str) -> str:
    """Changes when the submission's files or the autograder change (then it is graded again)."""
    digest = hashlib.sha256(autograder_digest.encode())
    files = sorted(p for p in submission.path.rglob("*") if p.is_file()) if submission.path.is_dir() else [submission.path]
    for path in files:
        digest.update(str(path.relative_to(submission.path) if submission.path.is_dir() else path.name).encode("utf-8", "replace"))
        try:
            digest.update(path.read_bytes())
        except OSError:  # unreadable: grading will say so; never counts as already graded
            return ""
    return digest.hexdigest()


def previous_result(results_dir: Path, key: str) -> Graded | None:
    try:
        record = json.loads((results_dir / RECORD_NAME).read_text(encoding="utf-8"))
        # an "error" is the grader's own failure, not the submission's: grade it again
        if key and record.pop("fingerprint") == key and record["status"] != "error" and (results_dir / RESULTS_NAME).is_file():
            return Graded(**record)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def save_result(graded: Graded, assignment: Assignment, results_dir: Path, key: str) -> None:
    """results.json first, then the record that marks the submission as done."""
    results_dir.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(_json_bytes(results_json(graded, assignment)), results_dir / RESULTS_NAME)
    write_bytes_atomic(_json_bytes({**asdict(graded), "fingerprint": key}), results_dir / RECORD_NAME)


def _json_bytes(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def grade_all(submissions: list[Submission], autograder: Path, out_dir: Path, limits: Limits, workers: int,
              progress: Progress, regrade: bool = False, scheduler: str | None = None) -> list[Graded]:
    """Grade every submission not graded before; returns results in input order."""
    autograder = autograder.resolve()
    assignment = Assignment.from_zip(autograder)
    results: dict[str, Graded] = {}
    pending = []
    autograder_digest = hashlib.sha256(autograder.read_bytes()).hexdigest()
    for submission in submissions:
        key = fingerprint(submission, autograder_digest)
        earlier = None if regrade else previous_result(out_dir / "results" / submission.id, key)
        if earlier is not None:
            results[submission.id] = earlier
        elif submission.duplicate_of:
            results[submission.id] = _duplicate(submission)
        else:
            pending.append((submission, key))
    progress.start(len(pending), already=len(submissions) - len(pending))
    if os.geteuid() == 0:  # submissions run as other users: other students' feedback stays out of their reach
        (out_dir / "results").mkdir(parents=True, exist_ok=True)
        keep_private(out_dir / "results")
    if scheduler:
        from .cluster import grade_on_cluster

        finished = grade_on_cluster(scheduler, pending, autograder, limits)
    else:
        finished = _grade_local(pending, assignment, limits, workers)
    for submission, key, graded in finished:
        save_result(graded, assignment, out_dir / "results" / submission.id, key)
        results[submission.id] = graded
        progress.advance(graded)
    progress.finish()
    return [results[s.id] for s in submissions]


def _duplicate(submission: Submission) -> Graded:
    return Graded(submission.id, "duplicate",
                  message=f"同一学生有多份提交，评分使用的是 {submission.duplicate_of} / several submissions for one student; "
                          f"{submission.duplicate_of} was graded, this one was not")


def _grade_local(pending, assignment, limits, workers):
    """A fork server and ``workers`` submissions at a time on this machine."""
    if not pending:
        return
    with ForkServer() as server, scratch_folder("coursegrader-grade-") as scratch, \
            ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = {pool.submit(grade_submission, server, assignment, submission, scratch / f"s{index}", limits):
                (submission, key) for index, (submission, key) in enumerate(pending)}
        for job in as_completed(jobs):
            submission, key = jobs[job]
            yield submission, key, job.result()
