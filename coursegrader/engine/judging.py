"""Grades one submission: its sandboxed process observes, this process judges.

This runs in the grader's own process (or a Dask worker), which holds the hidden tests and
never runs student code. It hands the notebook's cells to a fresh forked process, sends it each
hidden test's ``observe`` step after the cells have run, and judges the data that comes back
with the test's ``judge`` step. The student process can only lie about what it observed, and to
lie well it would have to compute the right answers on inputs it has not seen.
"""

import ast
import builtins
import functools
import json
import re
import select
import shutil
import signal
import socket
import time
import traceback
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from coursegrader.core import messages
from coursegrader.engine import inspection, kernel_objects, protocol, randomness, received, workspace
from coursegrader.engine.assignment import Assignment, LoadedCheck
from coursegrader.engine.checks import ENGINE_KEY, INSPECTED_KEY
from coursegrader.core.tags import IGNORE_TAG
from coursegrader.engine.sandbox import USER_ID_BASE, JobGroup, Limits, walls_left_out
from coursegrader.inputs.problems import MESSAGES
from coursegrader.core.results import Graded, Verdict
from coursegrader.core.statuses import Status
from coursegrader.inputs.submissions import Notebook, SubmissionError, read_submission

# torch's allocator failing: its message, built with no memory left, may be cut short after "[enforce fail a"
MEMORY_HINTS = ("MemoryError", "bad_alloc", "[enforce fail", "can't allocate memory", "DefaultCPUAllocator", "Cannot allocate memory")
OUTPUT_HINTS = ("File too large", "No space left on device")  # one file over OUTPUT_LIMIT_MB, the folder over DISK_LIMIT_MB
_QUESTION_CHARS = 100  # a question's name, as the runner sends it
_MAX_PEAK_MB = 2.0**40  # a resident size no machine has: anything above is not a measurement


class _Stopped(Exception):
    """The submission process stopped talking: it died, or ran out of time."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def grade_submission(server, assignment: Assignment, submission, scratch_folder: Path, limits: Limits,
                     notebook: Notebook | None = None, after_lesson: bool = False, own_pages: bool = True) -> Graded:
    """Grade one submission (its notebook already read, on a Dask worker); never raises for
    anything the submission does. ``after_lesson``: ``server`` is a lesson server and the
    notebook starts with the lesson's cells (``starts_with_lesson``): they are not run again.
    ``own_pages``: its process counts its own memory pages at the end (``Graded.unique_mb``)."""
    started = time.monotonic()
    workdir = scratch_folder / "work"
    # passable, not listable, for the submission's own user; its own folder is for it alone
    scratch_folder.mkdir(parents=True, exist_ok=True)
    scratch_folder.chmod(workspace.PASSABLE)
    workdir.mkdir(exist_ok=True)
    workdir.chmod(0o700)
    try:
        notebook = read_submission(submission) if notebook is None else notebook
    except Exception as error:  # noqa: BLE001 - bytes no check foresaw are still this submission's own row
        return unreadable(submission.id, error, time.monotonic() - started)
    cells = _code_cells(notebook)
    for name, data in assignment.files.items():  # as otter run puts them beside the notebook
        (workdir / name).write_bytes(data)
    (workdir / assignment.notebook_name).write_bytes(notebook.saved())  # an OSError from here on is the grader's
    graded = Graded(submission.id, Status.OK)
    try:
        without = walls_left_out()
    except ValueError as error:  # the instructor's setting, not the submission's fault
        return Graded.failed(submission.id, Status.ERROR, str(error), time.monotonic() - started)
    job = JobGroup(uuid.uuid4().hex[:12], limits.processes, use_cgroup="cgroup" not in without,
                   limits=None if "memory" in without else limits)
    disk = workspace.DiskWatch(workdir, limits.disk_mb, stop=job.kill)  # the quota where no tmpfs holds it
    graded.walls.append("disk watcher")
    ours, theirs = socket.socketpair()
    deadline = started + limits.submission_seconds
    pid, name, ready = None, uuid.uuid4().hex, {}
    try:
        request = {"workdir": str(workdir), "limits": limits.as_dict(), "cgroup": str(job.cgroup) if job.cgroup else None,
                   "memory_cgroup": str(job.memory) if job.memory else None,
                   "without": without, "after_lesson": after_lesson}
        pid = job.leader = server.start(name, request, theirs)
        theirs.close()
        _converse(ours, assignment, cells, deadline, graded, limits.check_seconds, ready, own_pages,
                  ended=lambda: server.exit_status(name, timeout=0) is not None)
    except _SandboxFailed as failed:
        graded.status, graded.message = Status.ERROR, messages.grader_fault("starting", failed)
        graded.fault = f"{failed}\nits output: {_tail(workdir / 'output.txt')}"
    except _Stopped as stopped:
        graded.status, graded.message = stopped.status, stopped.message
        if stopped.status == Status.CRASHED and pid is not None:
            graded.message += _exit_note(server.exit_status(name, timeout=2))
    except Exception as error:  # a fault of the grader itself: this row names it, the traceback is kept apart
        graded.status, graded.message = Status.ERROR, messages.grader_fault("grading", error)
        graded.fault = "".join(traceback.format_exception(error))
    finally:
        ours.close()
        job.close()
        _sweep(graded, pid, ready.get("uid"))  # before its pid, and so its user id, can come round again
        if disk.close():
            graded.status, graded.message = Status.OUTPUT_LIMIT, messages.DISK_LIMIT
        if pid is not None:
            server.exit_status(name, timeout=0.5)  # reaped, so its pid is free for the next one
            server.forget(name)
        shutil.rmtree(workdir, ignore_errors=True)
    _score(graded, assignment)
    graded.seconds = time.monotonic() - started
    return graded


def starts_with_lesson(notebook: Notebook, lesson: tuple[str, ...]) -> bool:
    """Whether the cells a submission's process runs begin with the lesson's, unchanged."""
    cells = _code_cells(notebook)
    return bool(lesson) and len(cells) >= len(lesson) and all(
        cell["source"] == source for cell, source in zip(cells, lesson))


def _sweep(graded: Graded, pid: int | None, uid) -> None:
    """Remove what the submission's user id left that outlives a process (kernel_objects), when
    it ran as a user id of its own (2**30 + its pid, which it reported before any student code)."""
    if pid is None or uid is None:
        return  # no student code ran
    if uid != USER_ID_BASE + pid:
        graded.missing_walls.append(messages.NOT_SWEPT)
        return
    found = kernel_objects.sweep(uid)
    graded.walls.append("leftovers swept" + (f" ({', '.join(found)})" if found else ""))


def unreadable(submission_id: str, error: Exception, seconds: float = 0.0) -> Graded:
    """The row of a submission whose notebook could not be read: the reason's fixed message."""
    message = str(error) if isinstance(error, SubmissionError) else MESSAGES["unexpected"]
    return Graded.failed(submission_id, Status.INVALID, message, seconds)


class _SandboxFailed(Exception):
    """The submission process died before running any student code."""


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(none)"


def _code_cells(notebook: Notebook) -> list[dict]:
    return [{"source": cell.source, "number": cell.number, "tags": [t for t in cell.tags if isinstance(t, str)]}
            for cell in notebook.code_cells if IGNORE_TAG not in cell.tags]


# How often the grader, waiting for a message, looks whether the submission's process has ended:
# processes it started hold the other end too, so its end alone closes nothing.
_LOOK_FOR_THE_END_SECONDS = 1.0


class _Conversation:
    """The grader's side of one submission process's conversation, with its deadline.
    ``ended``: whether the submission's own process has ended (its fork server says)."""

    def __init__(self, sock: socket.socket, deadline: float, graded: Graded, ended=lambda: False):
        self.sock, self.deadline, self.graded, self.ended = sock, deadline, graded, ended
        self.place = {}
        self.at("start")
        self.clock = time.monotonic()

    def at(self, place: str, **numbers) -> None:
        """Where the submission's process is (a key of messages.PLACES), for the messages below."""
        zh, en = messages.PLACES[place]
        self.place = {"zh": zh.format(**numbers), "en": en.format(**numbers)}

    def _died(self) -> "_Stopped":
        return _Stopped(Status.CRASHED, messages.DIED.format(**self.place))

    def receive(self) -> dict:
        remaining = self.deadline - time.monotonic()
        try:
            while remaining > 0 and not self._readable(min(remaining, _LOOK_FOR_THE_END_SECONDS)):
                if self.ended() and not self._readable(0):  # nothing it sent is left to read
                    raise self._died()
                remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout()
            self.sock.settimeout(remaining)
            message = protocol.receive(self.sock, received.MAX_MESSAGE_BYTES, received.MAX_STRUCTURES)
        except socket.timeout:
            raise _Stopped(Status.TIMEOUT, messages.TIMED_OUT.format(**self.place)) from None
        except protocol.ProtocolError:
            raise _Stopped(Status.CRASHED, messages.INVALID_DATA) from None
        except OSError:  # the connection was reset: the process died with data unsent
            message = None
        if message is None:
            raise self._died()
        if not isinstance(message, dict):
            raise _Stopped(Status.CRASHED, messages.NOT_AN_OBJECT)
        return message

    def _readable(self, seconds: float) -> bool:
        return bool(select.select([self.sock], [], [], seconds)[0])

    def send(self, message: dict) -> None:
        try:
            protocol.send(self.sock, message)
        except protocol.ProtocolError:  # only the notebook's own cells can be this large
            raise _Stopped(Status.INVALID, messages.CODE_TOO_LARGE) from None
        except OSError:
            raise self._died() from None

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.graded.phases[phase] = round(self.graded.phases.get(phase, 0.0) + now - self.clock, 4)
        self.clock = now


def _converse(sock: socket.socket, assignment: Assignment, cells: list[dict], deadline: float, graded: Graded,
              check_seconds: float, ready: dict, own_pages: bool = True, ended=lambda: False) -> None:
    """Send the cells, judge each question where the notebook calls its check (the last judged
    call counts), then every question whose check was never called, on the final state.
    ``ready`` receives the submission's user id, from before any student code ran."""
    talk = _Conversation(sock, deadline, graded, ended)
    try:
        talk.send({"cells": [{"source": c["source"], "number": c["number"]} for c in cells], "seed": assignment.seed})
        hello = talk.receive()
    except _Stopped as stopped:
        if stopped.status == Status.INVALID:
            raise  # the notebook's own code is over the message cap: the submission's
        raise _SandboxFailed(stopped.message) from None  # no student code has run yet: the grader's own environment failed
    graded.walls.extend(received.texts(hello.get("walls"), 20, 200))
    graded.missing_walls.extend(received.texts(hello.get("missing_walls"), 20, 200))
    ready["uid"] = received.integer(hello.get("uid"), 0, 2**32 - 2)
    talk.lap("start")
    with _Judge(assignment, cells, talk, graded, check_seconds) as judge:
        _judge_all(talk, judge, assignment, cells, graded)
    talk.send({"op": "done", "own_pages": own_pages})
    last = talk.receive()
    graded.peak_mb = received.number(last.get("peak_mb"), 0.0, _MAX_PEAK_MB) or 0.0
    if own_pages:
        graded.unique_mb = received.number(last.get("unique_mb"), 0.0, _MAX_PEAK_MB) or 0.0


def _judge_all(talk: "_Conversation", judge: "_Judge", assignment: Assignment, cells: list[dict], graded: Graded) -> None:
    """Each question where its check is called while the cells run, then the rest on the final state."""
    judge.prefetch()
    while True:
        message = talk.receive()
        if "cell" in message:
            index = received.index(message["cell"], len(cells))
            judge.cell = index
            talk.at("cell", number="?" if index is None else cells[index]["number"])
        elif "checkpoint" in message:
            talk.lap("cells")
            judge.checkpoint(message["checkpoint"])
            talk.send({"op": "resume"})
        else:
            _note_cell_errors(graded, message.get("executed"), cells)
            break
    talk.lap("cells")
    talk.at("checks")
    judge.cell = None  # judged on the final state: every cell was read
    for question in assignment.autograded:
        if question not in judge.judged:
            judge.question(question)
    graded.public = [result for question in assignment.autograded for result in judge.public.get(question, [])]


class _Judge:
    """Judges one question at a time on the submission's current state."""

    def __init__(self, assignment: Assignment, cells: list[dict], talk: _Conversation, graded: Graded, check_seconds: float):
        self.assignment, self.cells, self.talk, self.graded = assignment, cells, talk, graded
        self.check_seconds = check_seconds
        self.judged: set[str] = set()
        self.public: dict[str, list[dict]] = {}
        self._inspected: dict[tuple, Future] = {}  # (check, cell index or None) -> its reading
        # This submission's own threads for its readings: one that reads slowly delays no one else's.
        self._readings = ThreadPoolExecutor(max_workers=protocol.MAX_CHECKPOINTS_PER_QUESTION + 1,
                                            thread_name_prefix="reading")
        self.cell: int | None = None  # the index of the cell running now (where a check is called)
        self._checkpoints: dict[str, int] = {}

    def checkpoint(self, question) -> None:
        """The notebook called ``grader.check(question)``: judge it now, up to the cap per question."""
        question = received.text(question, _QUESTION_CHARS + 1)
        if question not in self.assignment.autograded:
            return  # not a question of this assignment (a typo, a manual one, not a name): nothing to judge
        self._checkpoints[question] = self._checkpoints.get(question, 0) + 1
        if self._checkpoints[question] <= protocol.MAX_CHECKPOINTS_PER_QUESTION:
            self.question(question)

    def question(self, question: str) -> None:
        if question not in self.assignment.autograded:
            return
        self.judged.add(question)
        talk = self.talk
        if question in self.assignment.public:
            path, source = self.assignment.public[question]
            talk.send({"op": "public", "path": path, "source": source,
                       "seed": randomness.check_seed(self.assignment.seed, f"public {path}")})
            results = talk.receive().get("public")
            self.public[question] = _public_results(question, results, source)
            talk.lap("public tests")
        for judged in self.assignment.checks_of(question):
            talk.send({"op": "observe", "code": judged.observe_code, "probes": judged.probes,
                       "seed": randomness.check_seed(self.assignment.seed, judged.name)})
            seen = talk.receive().get("seen")
            talk.lap(f"observe {question}")
            if isinstance(seen, dict) and seen.get("ok") and isinstance(seen.get("data"), dict):
                # what this grader is, told by it (the submission's data cannot say it): its runner
                # installed the autograd witness (engine/autograd_witness.py) before any student code
                seen["data"][ENGINE_KEY] = {"autograd_witness": True}
                if judged.inspect is not None:
                    seen["data"][INSPECTED_KEY] = self._inspect(judged)
            self.graded.feedback[judged.name] = _verdict(judged, seen, self.check_seconds)
            talk.lap(f"judge {question}")

    def __enter__(self) -> "_Judge":
        return self

    def __exit__(self, *exc) -> None:
        # readings not started are dropped; one started ahead and not needed ends within its own bounds
        self._readings.shutdown(wait=False, cancel_futures=True)

    def prefetch(self) -> None:
        """Start each static rule's reading where the notebook will most likely ask for it: at
        every cell whose text calls the question's check, or else on the final state. It runs on
        another core while the notebook's cells run; a reading asked for anywhere else is made
        when it is asked for (``_inspect``), and both give the same answer."""
        for judged in self.assignment.checks:
            if judged.inspect is None:
                continue
            call = _check_call(judged.question)
            places = [index for index, cell in enumerate(self.cells) if call.search(cell["source"])] or [None]
            for place in places[: protocol.MAX_CHECKPOINTS_PER_QUESTION]:  # no more are judged
                self._inspected[(judged.name, place)] = self._readings.submit(self._read, judged, place)

    def _read(self, judged: LoadedCheck, place: int | None):
        """The test's static rule on the submitted cells up to the check's call in cell ``place``
        (all of them on the final state, None), in a bounded child process (engine/inspection.py)."""
        shown = self.cells if place is None else self.cells[: place + 1]
        cells = [{"source": c["source"], "tags": list(c["tags"])} for c in shown]
        if place is not None and cells:
            cells[-1]["source"] = _up_to_check(cells[-1]["source"], judged.question)
        return json.loads(json.dumps(inspection.inspect_cells(judged.test.inspect_source, cells)))

    def _inspect(self, judged: LoadedCheck):
        """The reading for the check being judged now, where the notebook is (``self.cell``)."""
        key = (judged.name, self.cell)
        if key not in self._inspected:
            self._inspected[key] = self._readings.submit(self._read, judged, self.cell)
        return self._inspected[key].result()


@functools.lru_cache(maxsize=64)
def _check_call(question: str) -> re.Pattern:
    """``.check("q")`` or ``.check('q')`` in a cell's text."""
    return re.compile(r"\.check\(\s*(['\"])" + re.escape(question) + r"\1")


def _up_to_check(source: str, question: str) -> str:
    """A check cell's text up to the last line that calls the question's check: what runs after
    the check is not read (the question was judged there). The last such line, so that no code
    before the call that ran is ever left out; without such a line, all of it."""
    lines = source.splitlines(keepends=True)
    found = [at for at, line in enumerate(lines) if _check_call(question).search(line)]
    return "".join(lines[: found[-1] + 1]) if found else source


_PUBLIC_MESSAGE_CHARS = 4000  # the runner sends at most 2000


@functools.lru_cache(maxsize=64)
def _texts_of(source: str) -> frozenset[str]:
    """The string constants of a public test's source (the assignment's: parsed once per process)."""
    return frozenset(node.value for node in ast.walk(ast.parse(source))
                     if isinstance(node, ast.Constant) and isinstance(node.value, str))


def _public_results(question: str, results, source: str) -> list[dict]:
    """Public results as fixed texts: named after the question, and a failure shows one of the
    public test's own messages, never text from the submission's process."""
    own_messages = _texts_of(source)
    shown = []
    for result in received.entries(results, 50):
        passed = result.get("passed") is True
        message = received.text(result.get("message"), _PUBLIC_MESSAGE_CHARS)
        found = [text for text in own_messages if len(text) > 8 and text in message]
        text = max(found, key=len) if found else messages.PUBLIC_CHECK_RAISED
        shown.append({"name": f"{question} - {len(shown) + 1}", "passed": passed, "message": "" if passed else text})
    return shown


# Exception names that may appear in a row's message; any other (a class the submission defined)
# is shown as "Exception", so nothing the submission named is echoed.
_BUILTIN_ERRORS = {name for name, value in vars(builtins).items()
                   if isinstance(value, type) and issubclass(value, BaseException)} | {"CellTimeout"}


def _note_cell_errors(graded: Graded, errors, cells: list[dict]) -> None:
    notes = []
    for error in received.entries(errors, 1000):
        name, text = received.text(error.get("error"), 100), received.text(error.get("message"), 1000)
        index = received.index(error.get("cell"), len(cells))
        number = "?" if index is None else cells[index]["number"]
        if name == "CellTimeout":
            graded.status = Status(graded.status).worse(Status.CELL_TIMEOUT)
        elif _out_of_memory(name, text):
            graded.status = Status(graded.status).worse(Status.MEMORY_LIMIT)
        elif name == "OSError" and any(hint in text for hint in OUTPUT_HINTS):
            graded.status = Status(graded.status).worse(Status.OUTPUT_LIMIT)
        shown = name if name in _BUILTIN_ERRORS else "Exception"
        notes.append(f"cell {number}: {shown}")
    more = f" (+{len(notes) - 3} more)" if len(notes) > 3 else ""
    graded.message = "; ".join(notes[:3]) + more


def _out_of_memory(error_name: str, text: str) -> bool:
    """Whether an error the submission's process reported is its running out of memory (read, never shown)."""
    return any(hint in error_name or hint in text for hint in MEMORY_HINTS)


def _verdict(judged: LoadedCheck, seen, check_seconds: float) -> Verdict:
    """One hidden check's verdict: the judge's ``(misconception id, message)``, or a fixed one."""
    if not isinstance(seen, dict) or seen.get("ok") is not True:
        error = received.text(seen.get("error"), 100) if isinstance(seen, dict) else ""
        text = received.text(seen.get("message"), 1000) if isinstance(seen, dict) else ""
        if error == "CellTimeout" or _out_of_memory(error, text):
            return Verdict(False, messages.CHECK_TIMEOUT.format(seconds=check_seconds), messages.CHECK_TIMEOUT_ID)
        return Verdict(False, messages.CANNOT_CHECK, messages.CANNOT_CHECK_ID)
    try:
        problem = judged.judge(judged.probes, seen.get("data"))
    except Exception:  # a judge must not crash on odd data; if it does, the answer is not credited
        return Verdict(False, messages.UNEXPECTED_FORM, messages.UNEXPECTED_FORM_ID)
    if problem is None:
        return Verdict(True, judged.test.success_message or messages.PASSED)
    if isinstance(problem, (tuple, list)) and len(problem) == 2 and all(isinstance(p, str) for p in problem):
        return Verdict(False, problem[1], problem[0])
    return Verdict(False, problem if isinstance(problem, str) else messages.FAILED, messages.UNLABELLED_ID)


def _exit_note(status: dict | None) -> str:
    if not status:
        return ""
    if status.get("signal"):
        try:
            name = signal.Signals(status["signal"]).name
        except ValueError:
            name = f"signal {status['signal']}"
        reason = {"SIGXCPU": "CPU time limit", "SIGSEGV": "segmentation fault (deep recursion?)",
                  "SIGKILL": "killed"}.get(name, name)
        return f" ({reason})"
    return f" (exit code {status.get('code')})"


def _score(graded: Graded, assignment: Assignment) -> None:
    for judged in assignment.checks:
        question = judged.question
        verdict = graded.feedback.get(judged.name)
        passed = verdict is not None and verdict.passed
        graded.scores[question] = graded.scores.get(question, 0.0) + (judged.points if passed else 0.0)
    graded.total = sum(graded.scores.values())
