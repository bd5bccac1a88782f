"""The grading engine of one process: the assignment it grades, the limits, and the warm fork
server every submission's process is forked from, owned in one place for every route.

    with Engine(autograder_zip_bytes_or_path, limits) as engine:   # the server warms up while
        graded = engine.grade(submission, scratch_folder)           # the hidden tests are read

A route makes one engine per process (a local batch, a Dask worker, a Gradescope run, the
nbgrader command or Formgrader) and calls ``grade`` for each submission, from as many threads as
it likes. A fork server that cannot start or that stops is replaced at the next ``grade``; the
submission graded meanwhile gets a row of its own (the grader's fault), never an exception.
"""

import threading
from pathlib import Path

from coursegrader.core import autograder_zip, messages
from coursegrader.core.results import Graded
from coursegrader.core.statuses import Status
from coursegrader.engine.assignment import Assignment
from coursegrader.engine.forkserver import ForkServer, ForkServerError
from coursegrader.engine.judging import grade_submission
from coursegrader.engine.sandbox import Limits
from coursegrader.inputs.submissions import Notebook, Submission


class Engine:
    def __init__(self, autograder: "Path | bytes | Assignment", limits: Limits | None = None,
                 overrides: dict | None = None):
        """``autograder``: the zip (path or bytes), the folder it was unpacked into, or an
        Assignment already loaded from it. ``limits``: the course's; without them, the limits the
        zip was built with, with ``overrides`` (None values ignored) laid over them."""
        self._lock = threading.Lock()
        if isinstance(autograder, Assignment):
            self.assignment = autograder
            self._server = ForkServer(self.assignment.warm_up)
        else:
            read = autograder_zip.read(autograder)  # opened once; the manifest says how to warm up
            self._server = ForkServer(str(read.manifest.get("warm_up", "")))  # warms up while the tests load
            try:
                self.assignment = Assignment.from_autograder(read)
            except BaseException:
                self._server.close()
                raise
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        self.limits = limits or Limits(**{**self.assignment.limits, **given})

    def wait_ready(self) -> None:
        """Wait for the fork server's warm-up; ForkServerError if it could not start (the next
        call starts a fresh one)."""
        self._ready_server()

    def grade(self, submission: Submission, scratch: Path, notebook: Notebook | None = None) -> Graded:
        """Grade one submission in a fresh sandboxed process; its files go under ``scratch``.
        ``notebook``: the submission already read (else it is read here)."""
        try:
            server = self._ready_server()
        except ForkServerError as error:
            graded = Graded.failed(submission.id, Status.ERROR, messages.grader_fault("starting", error))
            graded.fault = f"the grading process did not start: {error}"
            return graded
        graded = grade_submission(server, self.assignment, submission, scratch, self.limits, notebook=notebook)
        if graded.status == Status.ERROR and not server.alive():
            self._drop(server)  # it stopped while grading: the next submission starts a fresh one
        return graded

    def _ready_server(self) -> ForkServer:
        with self._lock:
            if self._server is None:
                self._server = ForkServer(self.assignment.warm_up)
            server = self._server
        try:
            server.wait_ready()
        except Exception:
            self._drop(server)  # the next submission starts a fresh one
            raise
        return server

    def _drop(self, server: ForkServer) -> None:
        with self._lock:
            if self._server is server:
                self._server = None
        server.close()

    def close(self) -> None:
        """Stop the fork server (at once if it is still warming up)."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.close()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
