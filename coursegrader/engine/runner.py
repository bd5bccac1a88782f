"""Inside one submission's process: run the student's cells, then answer the grader's probes.

Runs in a process forked from the fork server, after ``sandbox.confine``. Everything here is in
reach of student code, so nothing here decides a grade: this process runs the cells, runs the
public (0-point) tests, and runs each hidden test's ``observe`` step, sending back plain data.
The grader judges that data in a process no student code ever ran in.
"""

import builtins
import json
import os
import resource
import signal
import socket
import time
from pathlib import Path

import otter
from IPython.core.interactiveshell import InteractiveShell
from otter.test_files.exception_test import ExceptionTestFile
from traitlets.config import Config

from coursegrader.engine import protocol, randomness
from coursegrader.engine.sandbox import Limits, confine

_MESSAGE_CHARS = 500
# Limits count CPU time (ITIMER_PROF), which load does not stretch. A wall-clock backstop, first
# this many times the CPU limit, stops code that waits instead of computing (time.sleep, a
# blocking read): it fires only if the code used almost no CPU in that time, so a process that is
# merely starved of CPU by a busy machine is never stopped by it.
WALL_BACKSTOP_FACTOR = 3
WAITING_CPU_SHARE = 0.02  # under this share of the wall time spent on the CPU, the code is waiting
# A question's check may be called many times (in a loop, say); past this many the later calls
# are not judged again (the last judged call counts).
MAX_CHECKPOINTS_PER_QUESTION = 5


class CellTimeout(BaseException):
    """Raised in student code when a cell or a check runs out of time. A BaseException, so that
    ``except Exception`` in student code does not swallow it."""


_window = {"wall": 0.0, "cpu": 0.0, "seconds": 0.0}  # the wall backstop's current window
_wall_clock, _cpu_clock = time.monotonic, time.process_time  # held here: student code may patch `time`


def _on_timer(signum, frame):
    if signum == signal.SIGALRM and not _waiting():
        _start_window(max(_window["seconds"], 1.0))  # computing, just slowly: the CPU limit will decide
        return
    # if student code swallows this one, interrupt again a second later
    signal.setitimer(signal.ITIMER_PROF if signum == signal.SIGPROF else signal.ITIMER_REAL, 1)
    raise CellTimeout()


def _waiting() -> bool:
    wall = _wall_clock() - _window["wall"]
    return _cpu_clock() - _window["cpu"] < WAITING_CPU_SHARE * wall


def _start_window(seconds: float) -> None:
    _window.update(wall=_wall_clock(), cpu=_cpu_clock(), seconds=seconds)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _arm(cpu_seconds: float) -> None:
    """Interrupt the running code after ``cpu_seconds`` of CPU time, or once it has waited a long
    time without computing."""
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    _start_window(cpu_seconds * WALL_BACKSTOP_FACTOR)


def _disarm() -> tuple[float, float]:
    """Stop both timers; returns what was left of them, for ``_rearm``."""
    return signal.setitimer(signal.ITIMER_PROF, 0)[0], signal.setitimer(signal.ITIMER_REAL, 0)[0]


def _rearm(left: tuple[float, float]) -> None:
    cpu, wall = left
    if cpu > 0:
        signal.setitimer(signal.ITIMER_PROF, cpu)
    if wall > 0:
        _start_window(wall)


def run_submission(sock: socket.socket, request: dict) -> None:
    workdir = Path(request["workdir"])
    limits = Limits(**request["limits"])
    cgroup = Path(request["cgroup"]) if request.get("cgroup") else None
    os.chdir(workdir)
    _quiet_output(workdir / "output.txt")
    # The cells arrive before the limits are set: the notebook's own bytes are not the student's memory.
    cells = protocol.receive(sock)
    walls, missing = confine(workdir, limits, cgroup, request.get("without", []))  # sets the environment too
    protocol.send(sock, {"ready": True, "walls": walls, "missing_walls": missing})
    signal.signal(signal.SIGALRM, _on_timer)
    signal.signal(signal.SIGPROF, _on_timer)
    randomness.hold()  # before any student code: the generators seeded are the real ones
    shell = _shell(sock, limits)
    protocol.send(sock, {"executed": _run_cells(sock, shell, cells["cells"], cells.get("seed"), limits.cell_seconds)})
    _serve(sock, shell.user_ns, limits, until="done")


_serving = False  # answering the grader's requests (student code may run then, but not checkpoint)


def _serve(sock: socket.socket, env: dict, limits: Limits, until: str) -> None:
    """Answer the grader's requests on the current state until it says ``until``."""
    global _serving
    _serving = True
    try:
        _answer(sock, env, limits, until)
    finally:
        _serving = False


def _answer(sock: socket.socket, env: dict, limits: Limits, until: str) -> None:
    while True:
        message = protocol.receive(sock)
        if message is None:
            os._exit(0)  # the grader is gone: nothing left to do
        if message.get("op") == until:
            if until == "done":
                protocol.send(sock, {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            return
        if message["op"] == "public":
            with randomness.fixed(message["seed"]):  # one random state per check, on every route and worker
                public = _run_public(env, message["source"], message["path"], limits.check_seconds)
            protocol.send(sock, {"public": public})
        elif message["op"] == "observe":
            with randomness.fixed(message["seed"]):
                seen = _observe(env, message, limits.check_seconds)
            protocol.send(sock, {"seen": seen})


def _checkpoint(sock: socket.socket, shell: InteractiveShell, limits: Limits):
    """Stands in for ``grader.check``: the grader judges the question on the state right now, as
    otter's grading mode runs the check where the student calls it. The cell's time is paused."""
    calls: dict[str, int] = {}

    def check(self, question=None, global_env=None):
        if _serving or not isinstance(question, str) or len(question) > 100:
            return None  # a check called from inside a check is not a checkpoint
        calls[question] = calls.get(question, 0) + 1
        if calls[question] > MAX_CHECKPOINTS_PER_QUESTION:
            return None
        left = _disarm()
        try:
            protocol.send(sock, {"checkpoint": question})
            _serve(sock, shell.user_ns, limits, until="resume")
        finally:
            _rearm(left)
        return None

    return check


def _quiet_output(path: Path) -> None:
    """Student output goes to a file in its own folder (size-capped by RLIMIT_FSIZE), never to
    the grader's terminal or the feedback."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def _shell(sock: socket.socket, limits: Limits) -> InteractiveShell:
    config = Config()
    config.HistoryManager.enabled = False  # no history database; `In` is still kept in memory
    shell = InteractiveShell(config=config)
    # Nobody reads tracebacks here (errors come back as data), and formatting them is slow.
    shell.showtraceback = lambda *args, **kwargs: None
    shell.showsyntaxerror = lambda *args, **kwargs: None
    # As under `otter run`: export does nothing while grading, and grader.check("q") is where q is judged.
    otter.Notebook._grading_mode = True
    otter.Notebook._tests_dir_override = str(Path.cwd() / "tests")
    otter.Notebook.check = _checkpoint(sock, shell, limits)
    return shell


def _run_cells(sock, shell: InteractiveShell, cells: list[dict], seed, cell_seconds: float) -> list[dict]:
    """Run every code cell in order, as otter does: a failing cell is noted and the next one runs."""
    errors = []
    original_builtins = dict(builtins.__dict__)
    for index, cell in enumerate(cells):
        _restore(builtins.__dict__, original_builtins)  # a patched isinstance must not break this loop
        protocol.send(sock, {"cell": index})
        if seed is not None and not cell["source"].startswith("%%"):
            randomness.seed_cell(seed)  # otter's intercell seeding (and torch's generator)
        _arm(cell_seconds)
        try:
            result = shell.run_cell(cell["source"], store_history=True)
            error = result.error_before_exec or result.error_in_exec
        except CellTimeout as timeout:
            error = timeout
        except SystemExit as exit_:
            error = exit_
        finally:
            _disarm()
        _restore(builtins.__dict__, original_builtins)
        if error is not None:
            errors.append({"cell": index, "number": cell["number"], "error": type(error).__name__,
                           "message": _short(error)})
    return errors


def _restore(namespace: dict, original: dict) -> None:
    for name, value in original.items():
        if namespace.get(name) is not value:
            namespace[name] = value


def _short(error: BaseException) -> str:
    if isinstance(error, CellTimeout):
        return "cell time limit"
    try:
        text = str(error)
    except Exception:
        text = ""
    return text[:_MESSAGE_CHARS]


def _run_public(env: dict, source: str, path: str, seconds: float) -> list[dict]:
    """Public tests (0 points, their source is in the student's notebook anyway), as otter runs them."""
    _arm(seconds)
    try:
        test_file = ExceptionTestFile.from_string(source, path=path)
        test_file.run(env)
        return [{"name": r.test_case.name, "passed": bool(r.passed), "message": str(r.message)[:2000]}
                for r in test_file.test_case_results]
    except BaseException as error:  # noqa: BLE001 - student code may raise anything here
        return [{"name": path, "passed": False, "message": f"{type(error).__name__}: {_short(error)}"}]
    finally:
        _disarm()


def _observe(env: dict, message: dict, seconds: float) -> dict:
    """Run one hidden test's observe step on the student's objects; data or an error name back."""
    namespace: dict = {}
    _arm(seconds)
    try:
        exec(compile(message["source"], "<observe>", "exec"), namespace)
        seen = namespace["observe"](env, message["probes"])
        json.dumps(seen, allow_nan=True)
        return {"ok": True, "data": seen}
    except BaseException as error:  # noqa: BLE001
        return {"ok": False, "error": type(error).__name__}
    finally:
        _disarm()
