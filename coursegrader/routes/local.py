"""Grades a batch: many submissions in parallel, resumable, on this machine or a Dask cluster.

Each submission's result is written as soon as it is known (``results/<id>/``), atomically;
a rerun after a crash or a kill grades only the submissions without a result for the same
file and autograder. Nothing one submission does or is can stop the batch: every step for one
submission (its fingerprint, reading, grading, saving) turns any exception into that
submission's row, and every other result is kept. A row with status ``error`` (the grader's own
failure) is graded once more on the next run; if it fails again it is kept until ``--regrade``.
"""

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from coursegrader.core import messages
from coursegrader.core.results import Graded
from coursegrader.core.statuses import Status
from coursegrader.engine.assignment import Assignment
from coursegrader.engine.engine import Engine
from coursegrader.engine.sandbox import Limits
from coursegrader.engine.workspace import keep_private, scratch_folder
from coursegrader.inputs.submissions import Submission
from coursegrader.routes.progress import Progress
from coursegrader.routes.records import fingerprint, grader_fault, previous_result, save_result


def grade_all(submissions: list[Submission], autograder: bytes, out_dir: Path, limits: Limits, workers: int,
              progress: Progress, regrade: bool = False, scheduler: str | None = None,
              snapshot: bool = True, saved: Callable[[Graded, Path], None] | None = None) -> list[Graded]:
    """Grade every submission not graded before; returns results in input order.
    ``autograder``: the autograder zip's bytes (read once by the caller for the whole run);
    ``snapshot``: run the release's lesson cells once for the batch (engine/engine.py);
    ``saved``: called with each new result and its folder once it is saved, while the rest are
    graded (the CLI writes the feedback page then: the cores have room for it between
    submissions, and the report at the end has fewer pages left to write). What it raises is
    ignored: the result stands."""
    results: dict[str, Graded] = {}
    pending = []  # (submission, fingerprint, error runs so far)
    autograder_digest = hashlib.sha256(autograder).hexdigest()
    # made first: its fork server warms up (seconds) while the submissions are read (closed at
    # once, never waited for, if none needs grading)
    engine = Engine(autograder, limits, snapshot=snapshot) if not scheduler else None
    try:
        for submission in submissions:
            if submission.duplicate:
                results[submission.id] = Graded.failed(submission.id, Status.DUPLICATE, messages.DUPLICATE)
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
        assignment = engine.assignment if engine else Assignment.from_autograder(autograder)
        progress.start(len(pending), already=len(submissions) - len(pending))
        if os.geteuid() == 0:  # submissions run as other users: other students' feedback stays out of their reach
            (out_dir / "results").mkdir(parents=True, exist_ok=True)
            keep_private(out_dir / "results")
        if scheduler:
            from coursegrader.routes.dask_cluster import grade_on_cluster

            finished = grade_on_cluster(scheduler, pending, autograder, limits, out_dir, snapshot)
        else:
            finished = _grade_here(pending, engine, workers, out_dir)
        for submission, key, error_runs, graded in finished:
            try:
                save_result(graded, assignment, out_dir / "results" / submission.id, key, error_runs)
            except Exception as error:  # noqa: BLE001 - a result that cannot be written is this row's problem only
                graded = grader_fault(submission, "saving", error, out_dir)
            else:
                if saved is not None:
                    try:
                        saved(graded, out_dir / "results" / submission.id)
                    except Exception:  # noqa: BLE001 - what comes after the result is written again later
                        pass
            results[submission.id] = graded
            progress.advance(graded)
    finally:
        if engine:
            engine.close()
        progress.finish()  # the terminal's bar ends, whatever stopped the run
    return [results[s.id] for s in submissions]


def _grade_here(pending, engine: Engine, workers: int, out_dir: Path):
    """``workers`` submissions at a time on this machine, with the engine's fork server."""
    if not pending:
        return
    with scratch_folder("coursegrader-grade-") as scratch, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = {pool.submit(engine.grade, submission, scratch / f"s{index}"): (submission, key, error_runs)
                for index, (submission, key, error_runs) in enumerate(pending)}
        for job in as_completed(jobs):
            submission, key, error_runs = jobs[job]
            try:
                graded = job.result()
            except Exception as error:  # noqa: BLE001 - the engine's own bug: this row only
                graded = grader_fault(submission, "grading", error, out_dir)
            yield submission, key, error_runs, graded

