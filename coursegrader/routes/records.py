"""Each submission's result folder in a batch: what a rerun reads back, and what the grader's own
failure leaves for whoever fixes it.

A result is written as soon as it is known, atomically: results.json first, then the record
(``graded.json``) that marks the submission as done for this file and autograder.
"""

import hashlib
import json
import traceback
from pathlib import Path

from coursegrader.core import messages
from coursegrader.core.notebooks import write_bytes_atomic
from coursegrader.core.results import Graded
from coursegrader.engine.judging import Assignment
from coursegrader.inputs.submissions import Submission

RESULTS_NAME = "results.json"
RECORD_NAME = "graded.json"
FAULT_NAME = messages.GRADER_FAULT_FILE  # the traceback of the grader's own failure, for whoever fixes it
ERROR_RUNS_KEPT = 2  # an error is graded again once; after that it is kept until --regrade


def fingerprint(submission: Submission, autograder_digest: str) -> str:
    """Changes when the submission's file or the autograder change (then it is graded again).
    "" for a submission that cannot be read: it never counts as graded (reading it says why)."""
    file_digest = submission.read().digest
    return hashlib.sha256(f"{autograder_digest}\0{file_digest}".encode()).hexdigest() if file_digest else ""


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
    record = graded.to_record()
    fault = record.pop("fault", "")  # the engine's traceback of its own failure: its own file, not the record
    if graded.status == "error" and fault:
        write_bytes_atomic(fault.encode("utf-8", "backslashreplace"), results_dir / FAULT_NAME)
    write_bytes_atomic(_json_bytes({**record, "fingerprint": key, "error_runs": runs}), results_dir / RECORD_NAME)
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
    return Graded.failed(submission.id, "error", messages.grader_fault(step, error))
