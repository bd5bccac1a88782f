"""Grading on a Dask cluster (``dask.distributed``): the same grading, on many machines.

The client reads each submission's notebook and ships its bytes; every Dask worker process
keeps its own fork server and judges with its own copy of the autograder, exactly as local
grading does. Results come back as data and are written by the client.
"""

import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from .judging import Assignment, Graded, grade_submission
from .sandbox import Limits
from .scratch import scratch_folder
from .submissions import Submission, SubmissionError, stage_notebook

_worker_state: dict = {}
_worker_lock = threading.Lock()


def grade_on_cluster(scheduler: str, pending, autograder: Path, limits: Limits):
    """Yield (submission, key, Graded) as the cluster's workers finish them."""
    from distributed import Client, as_completed

    with Client(scheduler) as client, tempfile.TemporaryDirectory(prefix="coursegrader-ship-") as staging:
        autograder_bytes = client.scatter(autograder.read_bytes(), broadcast=True)
        futures, invalid = {}, []
        for index, (submission, key) in enumerate(pending):
            try:
                notebook = stage_notebook(submission, Path(staging) / str(index))
            except SubmissionError as error:
                invalid.append((submission, key, Graded(submission.id, "invalid", message=str(error))))
                continue
            future = client.submit(grade_shipped, autograder_bytes, submission.id, notebook.name, notebook.read_bytes(),
                                   limits.as_dict(), pure=False)
            futures[future] = (submission, key)
        yield from invalid
        for future in as_completed(futures):
            submission, key = futures[future]
            try:
                graded = Graded(**future.result())
            except Exception as error:  # a lost worker: the submission gets a row, the batch goes on
                graded = Graded(submission.id, "error", message=f"the Dask worker failed: {type(error).__name__}: {error}")
            yield submission, key, graded


def grade_shipped(autograder_bytes: bytes, submission_id: str, notebook_name: str, notebook_bytes: bytes,
                  limits: dict) -> dict:
    """On a Dask worker: grade one notebook sent as bytes."""
    server, assignment = _worker_tools(autograder_bytes)
    with scratch_folder("coursegrader-grade-") as scratch:
        path = scratch / "submitted" / Path(notebook_name).name
        path.parent.mkdir(mode=0o700)  # the scratch folder is passable by the submissions' users: this is not
        path.write_bytes(notebook_bytes)
        graded = grade_submission(server, assignment, Submission(submission_id, path), scratch / "job", Limits(**limits))
    return asdict(graded)


def _worker_tools(autograder_bytes: bytes):
    """This worker process's fork server and assignment, made once and reused."""
    import hashlib

    from .forkserver import ForkServer

    digest = hashlib.sha256(autograder_bytes).hexdigest()
    with _worker_lock:
        if "server" not in _worker_state:
            _worker_state["server"] = ForkServer()
        if _worker_state.get("digest") != digest:
            with tempfile.TemporaryDirectory(prefix="coursegrader-autograder-") as folder:
                path = Path(folder) / "autograder.zip"
                path.write_bytes(autograder_bytes)
                _worker_state.update(digest=digest, assignment=Assignment.from_zip(path))
        return _worker_state["server"], _worker_state["assignment"]
