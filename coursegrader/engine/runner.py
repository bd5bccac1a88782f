"""Inside one submission's process: run the student's cells, then answer the grader's probes.

Runs in a process forked from the fork server, after ``sandbox.confine``. Everything here is in
reach of student code, so nothing here decides a grade: this process runs the cells, runs the
public (0-point) tests, and runs each hidden test's ``observe`` step, sending back plain data.
The grader judges that data in a process no student code ever ran in.
"""

import builtins
import json
import os
import random
import resource
import socket
from pathlib import Path

import numpy
import otter
from IPython.core.interactiveshell import InteractiveShell
from otter.test_files.exception_test import ExceptionTestFile
from traitlets.config import Config

from coursegrader.engine import protocol
from coursegrader.engine.sandbox import Limits, confine
from coursegrader.engine.time_limits import CellTimeout, arm as _arm, disarm as _disarm, install as _install_timers, \
    rearm as _rearm

_MESSAGE_CHARS = 500


def run_submission(sock: socket.socket, request: dict) -> None:
    workdir = Path(request["workdir"])
    limits = Limits(**request["limits"])
    cgroup = Path(request["cgroup"]) if request.get("cgroup") else None
    os.chdir(workdir)
    _quiet_output(workdir / "output.txt")
    # The cells arrive before the limits are set: the notebook's own bytes are not the student's memory.
    cells = protocol.receive(sock)
    walls, missing = confine(workdir, limits, cgroup, request.get("without", []))  # sets the environment too
    # its user id: the grader sweeps what this id leaves behind once the process is gone
    protocol.send(sock, {"ready": True, "walls": walls, "missing_walls": missing, "uid": os.getuid()})
    _install_timers()
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
            protocol.send(sock, {"public": _run_public(env, message["source"], message["path"], limits.check_seconds)})
        elif message["op"] == "observe":
            protocol.send(sock, {"seen": _observe(env, message, limits.check_seconds)})


def _checkpoint(sock: socket.socket, shell: InteractiveShell, limits: Limits):
    """Stands in for ``grader.check``: the grader judges the question on the state right now, as
    otter's grading mode runs the check where the student calls it. The cell's time is paused."""
    calls: dict[str, int] = {}

    def check(self, question=None, global_env=None):
        if _serving or not isinstance(question, str) or len(question) > 100:
            return None  # a check called from inside a check is not a checkpoint
        calls[question] = calls.get(question, 0) + 1
        if calls[question] > protocol.MAX_CHECKPOINTS_PER_QUESTION:
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
            numpy.random.seed(seed)  # otter's intercell seeding
            random.seed(seed)
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
