"""Grades one Gradescope submission with this package's engine: ``python -m coursegrader gradescope``.

Gradescope unpacks the autograder zip into ``<root>/source``, puts what the student uploaded in
``<root>/submission``, runs the zip's ``run_autograder`` (which runs this) and then reads
``<root>/results/results.json``. This grades the one notebook or export zip found there, whatever
it is called, as ``coursegrader grade`` does: a warm fork server, one sandboxed process for the
submission, every verdict judged here. Only this process writes results.json, and it writes it
last. Whatever fails, a results.json saying what happened and what to do is written and the
exit code is 0: Gradescope shows students nothing without one. The log (stdout) is for
instructors; Gradescope shows it to them only.
"""

import gc
import json
import os
import shutil
import time
import traceback
from pathlib import Path

from coursegrader.engine import landlock
from coursegrader.core import messages
from coursegrader.core.statuses import Status
from coursegrader.engine.engine import Engine
from coursegrader.engine.forkserver import ForkServer, ForkServerError
from coursegrader.core.notebooks import write_bytes_atomic
from coursegrader.core.results import Graded
from coursegrader.engine.workspace import scratch_folder
from coursegrader.inputs.submissions import GRADABLE_SUFFIXES, Notebook, Submission, read_submission

DEFAULT_ROOT = Path("/autograder")
SUBMISSION_ID = "submission"

class _Failed(Exception):
    """No grade: ``message`` tells the student, ``detail`` the instructor (the log)."""

    def __init__(self, status: str, message: str, detail: str = ""):
        super().__init__(message)
        self.status, self.message, self.detail = status, message, detail


def make_private(path: Path) -> None:
    """Only root may enter ``path``: a submission process that runs as another user can neither
    read the tests nor write the results. (Stands in for sandbox.make_private where it is missing.)"""
    if path.is_dir():
        os.chown(path, 0, 0)
        path.chmod(0o700)


def _log(text: str) -> None:
    print(text, flush=True)  # Gradescope's stdout: the instructor's log, complete even if the run is killed


def run(root: Path, overrides: dict, log=_log) -> int:
    """Grade ``<root>/submission`` and write ``<root>/results/results.json``; 0 once it is written."""
    started = time.monotonic()
    log(f"coursegrader {Path(__file__).parent} grading {root / 'submission'}")
    if os.geteuid() == 0:
        for folder in ("source", "results", "submission"):
            make_private(root / folder)
    early = _early_server(log)
    assignment = None
    # the grader's own folder (the upload), and the one that holds the submission's, as in a batch
    with scratch_folder("coursegrader-gradescope-", passable=False) as private, \
            scratch_folder("coursegrader-grade-") as scratch:
        try:
            upload = _upload(root / "submission", private)
            with _engine(root / "source", overrides, early, _alone(upload)) as engine:  # it warms up while the tests are read
                assignment = engine.assignment
                log(f"hidden tests read in {time.monotonic() - started:.1f} s")
                graded = _grade(engine, upload, scratch, log, started)
        except _Failed as failed:
            graded = Graded.failed(SUBMISSION_ID, failed.status, failed.message)
            log(f"not graded: {failed.message}" + (f"\n{failed.detail}" if failed.detail else ""))
        except Exception:  # a fault of the grader itself: still a result, and the log says what it was
            graded = Graded.failed(SUBMISSION_ID, Status.ERROR, messages.GRADER_FAILED)
            log(f"grading failed:\n{traceback.format_exc()}")
        finally:
            if early is not None:
                early.close()  # already closed by its engine, unless the upload came first and failed
    results = graded.to_gradescope(assignment, seconds=time.monotonic() - started)
    try:
        write_bytes_atomic(json.dumps(results, ensure_ascii=False, indent=1).encode("utf-8"),
                           root / "results" / "results.json")
    except OSError as error:
        log(f"results.json could not be written: {error}")
        return 1
    log(f"status {graded.status}, score {graded.total:g}, {results['execution_time']:.1f} s in all; "
        f"phases (s): {json.dumps(graded.phases)}")
    return 0


def _early_server(log) -> ForkServer | None:
    """The fork server, first: this process loads torch (seconds), which its judges need too,
    and forks the server before it reads anything of the course or the student; the server loads
    IPython, otter and matplotlib meanwhile, and the engine sends it the course's warm-up from
    the zip. Where it cannot be forked here, one is started as a process of its own (loading
    torch again); where that fails too, None: the engine starts one, and says why if it cannot."""
    try:
        return ForkServer.forked_here()
    except ForkServerError as error:
        log(f"fork server started apart: {error}")
    try:
        return Engine.start_server()
    except Exception:  # noqa: BLE001
        return None


def _alone(upload: Submission) -> Notebook:
    """The upload's notebook, for its server's warm-up; one that cannot be read runs no cell
    (grading says why)."""
    try:
        return read_submission(upload)
    except Exception:  # noqa: BLE001
        return Notebook([])


def _engine(source: Path, overrides: dict, server: ForkServer | None, alone: Notebook) -> Engine:
    """The engine for the unpacked autograder zip, with its limits and the run's overrides, and
    the fork server started for it (None: it starts one), warmed up for the ``alone`` notebook.

    Loaded with the cyclic collector off (torch and the hidden tests make some 200,000 objects
    and little garbage: 0.15 s less CPU), then frozen: this process grades one submission and
    ends, and what the load made lives as long as it does."""
    gc.disable()
    try:
        return Engine(source, overrides=overrides, server=server, alone=alone)
    except ForkServerError as error:
        raise _Failed(Status.ERROR, messages.NOT_STARTED, f"{type(error).__name__}: {error}") from error
    except Exception as error:  # any other fault here is in the autograder's files, never the student's
        raise _Failed(Status.ERROR, messages.BROKEN_AUTOGRADER, f"{type(error).__name__}: {error}") from error
    finally:
        gc.freeze()
        gc.enable()


def _upload(folder: Path, private: Path) -> Submission:
    """The one notebook or export zip the student uploaded, copied under a fixed name (so no
    message repeats a name the student chose)."""
    found = [p for p in sorted(folder.rglob("*"))
             if p.suffix.lower() in GRADABLE_SUFFIXES and p.is_file() and not p.is_symlink()
             and not any(part.startswith(".") or part == "__MACOSX" for part in p.relative_to(folder).parts)]
    if not found:
        raise _Failed(Status.INVALID, messages.NO_NOTEBOOK)
    if len(found) > 1:
        raise _Failed(Status.INVALID, messages.SEVERAL_NOTEBOOKS)
    copy = private / "upload" / f"{SUBMISSION_ID}{found[0].suffix.lower()}"
    copy.parent.mkdir()
    shutil.copyfile(found[0], copy)
    return Submission(SUBMISSION_ID, copy)


def _grade(engine: Engine, upload: Submission, scratch: Path, log, started: float) -> Graded:
    try:
        engine.wait_ready()
    except Exception as error:
        raise _Failed(Status.ERROR, messages.NOT_STARTED, f"{type(error).__name__}: {error}") from error
    log(f"fork server ready {time.monotonic() - started:.1f} s after the start")
    graded = engine.grade(upload, scratch)
    log(f"sandbox: Landlock ABI {landlock.abi_version()}, grader uid {os.geteuid()}; walls missing: "
        f"{'; '.join(graded.missing_walls) or 'none'}")
    if graded.status == Status.ERROR:  # the grader's own fault: the details are for the instructor
        log(f"grading failed: {graded.message}\n{graded.fault}")
        graded.message = messages.GRADER_FAILED
    return graded
