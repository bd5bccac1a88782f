"""The grading engine of one process: the assignment it grades, the limits, and the warm fork
server every submission's process is forked from, owned in one place for every route.

    with Engine(autograder_zip_bytes_or_path, limits) as engine:   # the server warms up while
        graded = engine.grade(submission, scratch_folder)           # the hidden tests are read

A route makes one engine per process (a local batch, a Dask worker, a Gradescope run, the
nbgrader command or Formgrader) and calls ``grade`` for each submission, from as many threads as
it likes. A fork server that cannot start or that stops is replaced at the next ``grade``; the
submission graded meanwhile gets a row of its own (the grader's fault), never an exception.

The lesson, paid once: most of a submission's running time is the release's own lesson cells
(the code before the first answer cell), the same in every notebook that kept them. With
``snapshot`` on, the first such submission makes a lesson server, forked from the fork server,
that runs those cells once; every submission whose cells begin with them unchanged is forked
from it and runs only its own cells. Any other submission (an edited or deleted lesson cell) runs
all its cells from the clean fork server, and so does everyone if the lesson cannot run. Both
paths give the same verdicts (tests/engine/test_snapshot.py); the lesson server holds only the release's
cells, never anything of a student.

One-time set-up, paid where it is needed: the course's first-use set-up (torch.func's first
calls: seconds) runs in a server of its own, forked from the fork server when the first
submission whose code names one of its words arrives; those submissions (and their lesson
server) are forked from it, every other from the fork server. Each submission starts from the
state it would find graded alone (Gradescope), in any batch and in any order.
"""

import base64
import json
import threading
from pathlib import Path

from coursegrader.core import autograder_zip, messages
from coursegrader.core.results import Graded
from coursegrader.core.statuses import Status
from coursegrader.engine.assignment import Assignment, FirstUse, warm_up_of
from coursegrader.engine.forkserver import ForkServer, ForkServerError
from coursegrader.engine.sandbox import Limits
from coursegrader.inputs.submissions import Notebook, Submission, read_submission

# The lesson server runs the release's lesson cells (well under a second here); one that is not
# ready in this time is not used, and every submission runs all its cells.
LESSON_READY_SECONDS = 120
_PACKET_BYTES = 60_000  # the lesson travels in one packet to the lesson server (forkserver._PACKET)
# Counting a process's own memory pages costs it some 10 ms (runner._unique_mb): the first
# submission of an engine and every eighth after it count them, enough for a batch's median.
OWN_PAGES_EVERY = 8


def _lesson_payload(assignment: Assignment) -> dict | None:
    """What the lesson server needs (runner.prepare_lesson), or None without a lesson to share."""
    if not assignment.lesson:
        return None
    payload = {"cells": list(assignment.lesson), "seed": assignment.seed, "notebook_name": assignment.notebook_name,
               # the file every submission's folder holds under that name (its code cells only): an empty one
               "notebook": Notebook([]).saved().decode("ascii"),
               # and the master's shipped files, which every submission's folder holds too
               "files": {name: base64.b64encode(data).decode("ascii") for name, data in assignment.files.items()}}
    return payload if len(json.dumps(payload).encode()) <= _PACKET_BYTES else None


def _warming(server: ForkServer | None, warm_up: str) -> ForkServer:
    """``server`` (from ``Engine.start_server``) given the course's warm-up, or a new server.

    This module imports the judging side (NumPy through it) only when a submission is
    graded, so that a route can import it and start a server within a few hundredths of a second
    of its own start (the Gradescope route: tests/routes/test_gradescope.py)."""
    if server is None:
        return ForkServer(warm_up)
    server.send_warm_up(warm_up)
    return server


class Engine:
    def __init__(self, autograder: "Path | bytes | Assignment", limits: Limits | None = None,
                 overrides: dict | None = None, snapshot: bool = False, server: ForkServer | None = None,
                 alone: Notebook | None = None):
        """``autograder``: the zip (path or bytes), the folder it was unpacked into, or an
        Assignment already loaded from it. ``limits``: the course's; without them, the limits the
        zip was built with, with ``overrides`` (None values ignored) laid over them. ``server``:
        one made by ``start_server`` or ``ForkServer.forked_here`` before the autograder was
        read, which this engine then owns (closed here if the autograder cannot be read).
        ``alone``: the notebook of the one submission this engine will grade, where it grades
        one (Gradescope): its server warms up for what that notebook names (``warm_up_of``)."""
        self._lock = threading.Lock()
        self._graded = 0  # submissions given to grade_submission, for OWN_PAGES_EVERY
        self._alone = alone
        if isinstance(autograder, Assignment):
            self.assignment = autograder
            self._server = _warming(server, self.assignment.warm_up_for(alone))
        else:
            try:
                read = autograder_zip.read(autograder)  # opened once; the manifest says how to warm up
            except BaseException:
                if server is not None:
                    server.close()
                raise
            warm_up = warm_up_of(str(read.manifest.get("warm_up", "")), FirstUse.from_manifest(read.manifest), alone)
            self._server = _warming(server, warm_up)  # warms up while the tests load
            try:
                self.assignment = Assignment.from_autograder(read)
            except BaseException:
                self._server.close()
                raise
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        self.limits = limits or Limits(**{**self.assignment.limits, **given})
        self._lesson_payload = _lesson_payload(self.assignment) if snapshot else None
        # forked from self._server: the first-use set-up run (None until a submission needs it),
        # and the lesson server of each (keyed by whether it is the first-use one's)
        self._first_use: ForkServer | None = None
        self._lessons: dict[bool, ForkServer] = {}
        self.after_lesson = 0  # submissions forked from the lesson server so far (for benchmarks and tests)

    @staticmethod
    def start_server() -> ForkServer:
        """A fork server for an Engine not made yet: it loads its libraries (torch, IPython,
        otter: seconds) while the caller goes on, and warms up once the Engine made with it
        (``server=``) has read the course's warm-up from the autograder. Close it if no Engine
        takes it."""
        return ForkServer(warm_up=None)

    def wait_ready(self) -> None:
        """Wait for the fork server's warm-up; ForkServerError if it could not start (the next
        call starts a fresh one)."""
        self._ready_server()

    def grade(self, submission: Submission, scratch: Path, notebook: Notebook | None = None) -> Graded:
        """Grade one submission in a fresh sandboxed process; its files go under ``scratch``.
        ``notebook``: the submission already read (else it is read here)."""
        from coursegrader.engine import judging  # here, not above: see _warming

        try:
            notebook = read_submission(submission) if notebook is None else notebook
        except Exception as error:  # noqa: BLE001 - bytes no check foresaw are still this submission's own row
            return judging.unreadable(submission.id, error)
        first_use = self._needs_first_use(notebook)
        self._drop_stopped()
        try:
            main = self._ready_server()
            server = self._ready_first_use(main) if first_use else main
        except ForkServerError as error:
            graded = Graded.failed(submission.id, Status.ERROR, messages.grader_fault("starting", error))
            graded.fault = f"the grading process did not start: {error}"
            return graded
        lesson = None
        if self._lesson_payload and judging.starts_with_lesson(notebook, self.assignment.lesson):
            lesson = self._ready_lesson(server, first_use)
        if lesson is not None:
            with self._lock:
                self.after_lesson += 1
        with self._lock:
            own_pages, self._graded = self._graded % OWN_PAGES_EVERY == 0, self._graded + 1
        return judging.grade_submission(lesson or server, self.assignment, submission, scratch, self.limits,
                                        notebook=notebook, after_lesson=lesson is not None, own_pages=own_pages)

    def _drop_stopped(self) -> None:
        """Drop every server that has stopped (killed from outside, or while grading), with the
        servers forked from it: this submission is forked from fresh ones, not refused by it."""
        with self._lock:
            servers = [self._server, self._first_use, *self._lessons.values()]
        for server in servers:
            if server is not None and not server.alive():
                self._drop(server)

    def _needs_first_use(self, notebook: Notebook) -> bool:
        """Whether this submission is forked from the first-use server: in an engine for many, one
        whose code names a first-use word (for one alone, its server ran the set-up if so)."""
        first_use = self.assignment.first_use
        return self._alone is None and bool(first_use.warm_up) and first_use.named_by(notebook)

    def _ready_first_use(self, server: ForkServer) -> ForkServer:
        """The first-use server, forked from ``server`` (the fork server) at the first submission
        that needs it; ForkServerError if its set-up failed (the next one tries again)."""
        with self._lock:
            if self._first_use is None:
                self._first_use = server.warmed(self.assignment.first_use.warm_up)
            first_use = self._first_use
        try:
            first_use.wait_ready()
        except Exception:
            self._drop(first_use)
            raise
        return first_use

    def _ready_lesson(self, server: ForkServer, first_use: bool) -> ForkServer | None:
        """The lesson server forked from ``server`` (the first-use server if ``first_use``), made
        at the first submission that can use it; None if the lesson cannot run (then submissions
        run all their cells)."""
        with self._lock:
            if first_use not in self._lessons and self._lesson_payload is not None:
                self._lessons[first_use] = server.lesson(self._lesson_payload)
            lesson = self._lessons.get(first_use)
        if lesson is None:
            return None
        try:
            lesson.wait_ready(timeout=LESSON_READY_SECONDS)
        except ForkServerError:
            with self._lock:
                self._lesson_payload = None  # a lesson that did not run once will not run: stop trying
            self._drop(lesson)
            return None
        return lesson

    def _ready_server(self) -> ForkServer:
        with self._lock:
            if self._server is None:
                self._server = ForkServer(self.assignment.warm_up_for(self._alone))
            server = self._server
        try:
            server.wait_ready()
        except Exception:
            self._drop(server)  # the next submission starts a fresh one
            raise
        return server

    def _drop(self, server: ForkServer) -> None:
        """Stop ``server`` and the servers forked from it (children first)."""
        with self._lock:
            if self._server is server:  # every other server descends from it
                dropped = [*self._lessons.values(), self._first_use, server]
                self._server = self._first_use = None
                self._lessons = {}
            elif self._first_use is server:
                dropped = [self._lessons.pop(True, None), server]
                self._first_use = None
            else:
                dropped = [server]
                self._lessons = {key: lesson for key, lesson in self._lessons.items() if lesson is not server}
        for each in dropped:
            if each is not None:
                each.close()

    def close(self) -> None:
        """Stop the fork servers (at once if still warming up)."""
        server = self._server
        if server is not None:
            self._drop(server)

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
