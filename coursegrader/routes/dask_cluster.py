"""Grading on a Dask cluster (``dask.distributed``): the same grading, on many machines.

The client reads each submission's notebook and ships its code cells; every Dask worker process
keeps its own fork server and judges with its own copy of the autograder, exactly as local
grading does. Results come back as data and are written by the client.
"""

import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

from coursegrader.engine.judging import Assignment, grade_submission
from coursegrader.inputs.nbreader import CodeCell
from coursegrader.inputs.problems import MESSAGES
from coursegrader.core.results import Graded
from coursegrader.engine.sandbox import Limits
from coursegrader.engine.workspace import scratch_folder
from coursegrader.inputs.submissions import Notebook, Submission, SubmissionError, read_submission

_worker_state: dict = {}
_worker_lock = threading.Lock()
CONNECT_SECONDS = 5  # Dask waits 30 s by default, then prints a traceback


class SchedulerUnreachable(Exception):
    """No Dask scheduler answers at the address given (the message is one line, saying what to start)."""


def _unreachable(address: str, reason: str) -> SchedulerUnreachable:
    host_port = urlsplit(address).netloc or address
    port = host_port.rsplit(":", 1)[-1]
    return SchedulerUnreachable(
        f"no Dask scheduler answers at {address} ({reason}); start one on that machine with "
        f"`dask scheduler --port {port}` and a worker per grading machine with `dask worker {address}`, "
        "or leave out --scheduler to grade on this machine")


def check_scheduler(address: str) -> None:
    """Raise SchedulerUnreachable unless something accepts a connection at ``address`` within
    CONNECT_SECONDS (a TCP probe, before any grading starts; other Dask protocols are left to
    the client's own connection)."""
    parts = urlsplit(address)
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or not parts.port:
        return
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=CONNECT_SECONDS).close()
    except socket.gaierror:
        raise _unreachable(address, f"no host named {parts.hostname}") from None
    except TimeoutError:
        raise _unreachable(address, f"no answer within {CONNECT_SECONDS} s") from None
    except OSError as error:
        raise _unreachable(address, (error.strerror or type(error).__name__).lower()) from None


def _connect(scheduler: str):
    """A client of the scheduler, or SchedulerUnreachable after CONNECT_SECONDS."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as error:  # refused, timed out, or not a Dask scheduler at all
        raise _unreachable(scheduler, str(error).splitlines()[0] if str(error) else type(error).__name__) from None


def grade_on_cluster(scheduler: str, pending, autograder: Path, limits: Limits, out_dir: Path):
    """Yield (submission, key, error runs, Graded) as the cluster's workers finish them."""
    from distributed import as_completed

    from coursegrader.routes.records import grader_fault

    with _connect(scheduler) as client:
        autograder_bytes = client.scatter(autograder.read_bytes(), broadcast=True)
        futures, unreadable = {}, []
        for submission, key, error_runs in pending:
            try:
                notebook = read_submission(submission)
            except SubmissionError as error:
                unreadable.append((submission, key, error_runs, Graded.failed(submission.id, "invalid", str(error))))
                continue
            except Exception:  # noqa: BLE001 - bytes no check foresaw: still this submission's own row
                unreadable.append((submission, key, error_runs, Graded.failed(submission.id, "invalid", MESSAGES["unexpected"])))
                continue
            cells = [(cell.number, cell.source, cell.tags) for cell in notebook.code_cells]  # only code travels, never outputs
            future = client.submit(grade_shipped, autograder_bytes, submission.id, cells, limits.as_dict(), pure=False)
            futures[future] = (submission, key, error_runs)
        yield from unreadable
        for future in as_completed(futures):
            submission, key, error_runs = futures[future]
            try:
                graded = Graded.from_record(future.result())
            except Exception as error:  # noqa: BLE001 - a lost worker: the submission gets a row, the batch goes on
                graded = grader_fault(submission, "grading", error, out_dir)
            yield submission, key, error_runs, graded


def grade_shipped(autograder_bytes: bytes, submission_id: str, cells: list, limits: dict) -> dict:
    """On a Dask worker: grade one notebook's code cells, read by the client."""
    server, assignment = _worker_tools(autograder_bytes)
    notebook = Notebook([CodeCell(*cell) for cell in cells])
    with scratch_folder("coursegrader-grade-") as scratch:
        graded = grade_submission(server, assignment, Submission(submission_id, scratch / "shipped"), scratch / "job",
                                  Limits(**limits), notebook=notebook)
    return graded.to_record()


def _worker_tools(autograder_bytes: bytes):
    """This worker process's fork server and assignment, made once and reused."""
    import hashlib

    from coursegrader.engine.forkserver import ForkServer

    digest = hashlib.sha256(autograder_bytes).hexdigest()
    with _worker_lock:
        server = _worker_state.pop("server", None) or ForkServer()  # a new one warms up while the tests are read
        try:
            if _worker_state.get("digest") != digest:
                _worker_state.update(digest=digest, assignment=Assignment.from_autograder(autograder_bytes))
            server.wait_ready()
        except BaseException:
            server.close()  # the next submission on this worker starts a fresh one
            raise
        _worker_state["server"] = server
        return server, _worker_state["assignment"]
