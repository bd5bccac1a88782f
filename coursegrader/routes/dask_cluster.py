"""Grading on a Dask cluster (``dask.distributed``): the same grading, on many machines.

The client reads each submission's notebook (once: the reading its fingerprint was taken from)
and ships its code cells; every Dask worker process keeps its own ``Engine`` (fork server and
assignment), exactly as local grading does. Results come back as data and are written by the
client.
"""

import atexit
import hashlib
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

from coursegrader.core.results import Graded
from coursegrader.engine import judging
from coursegrader.engine.engine import Engine
from coursegrader.engine.sandbox import Limits
from coursegrader.engine.workspace import scratch_folder
from coursegrader.inputs.submissions import Notebook, Submission
from coursegrader.routes.records import grader_fault

_worker_engine: dict = {}  # this Dask worker process's Engine, by the autograder's digest
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


def grade_on_cluster(scheduler: str, pending, autograder: bytes, limits: Limits, out_dir: Path, snapshot: bool = True):
    """Yield (submission, key, error runs, Graded) as the cluster's workers finish them."""
    from distributed import as_completed

    with _connect(scheduler) as client:
        autograder_bytes = client.scatter(autograder, broadcast=True)
        futures, unreadable = {}, []
        for submission, key, error_runs in pending:
            reading = submission.read()  # read once already, for the fingerprint
            if reading.notebook is None:
                unreadable.append((submission, key, error_runs, judging.unreadable(submission.id, reading.problem)))
                continue
            code = Notebook(reading.notebook.code_cells)  # only code travels: no outputs, no written answers
            future = client.submit(grade_shipped, autograder_bytes, submission.id, code, limits.as_dict(), snapshot,
                                   pure=False)
            futures[future] = (submission, key, error_runs)
        yield from unreadable
        for future in as_completed(futures):
            submission, key, error_runs = futures[future]
            try:
                graded = Graded.from_record(future.result())
            except Exception as error:  # noqa: BLE001 - a lost worker: the submission gets a row, the batch goes on
                graded = grader_fault(submission, "grading", error, out_dir)
            yield submission, key, error_runs, graded


def grade_shipped(autograder_bytes: bytes, submission_id: str, notebook: Notebook, limits: dict,
                  snapshot: bool = True) -> dict:
    """On a Dask worker: grade one notebook, read by the client, with this worker's engine."""
    engine = _engine(autograder_bytes, Limits(**limits), snapshot)
    with scratch_folder("coursegrader-grade-") as scratch:
        graded = engine.grade(Submission(submission_id, scratch / "shipped"), scratch / "job", notebook=notebook)
    return graded.to_record()


def _engine(autograder_bytes: bytes, limits: Limits, snapshot: bool) -> Engine:
    """This worker process's engine, made once per autograder, limits and snapshot, and reused."""
    key = (hashlib.sha256(autograder_bytes).hexdigest(), tuple(sorted(limits.as_dict().items())), snapshot)
    with _worker_lock:
        if key not in _worker_engine:
            for old in _worker_engine.values():
                old.close()
            _worker_engine.clear()
            _worker_engine[key] = Engine(autograder_bytes, limits, snapshot=snapshot)
        return _worker_engine[key]


@atexit.register
def _close_engines() -> None:
    """A worker's fork servers end with its process, not after it (nothing to do elsewhere)."""
    with _worker_lock:
        for engine in _worker_engine.values():
            engine.close()
        _worker_engine.clear()
