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
import signal
import socket
from pathlib import Path

import numpy
import otter
from IPython.core.interactiveshell import InteractiveShell
from otter.test_files.exception_test import ExceptionTestFile
from traitlets.config import Config

from . import protocol
from .sandbox import Limits, confine

_MESSAGE_CHARS = 500


class CellTimeout(BaseException):
    """Raised in student code when a cell or a probe runs out of time. A BaseException, so that
    ``except Exception`` in student code does not swallow it."""


def _on_alarm(signum, frame):
    signal.alarm(1)  # if student code swallows this one, interrupt again a second later
    raise CellTimeout()


def run_submission(sock: socket.socket, request: dict) -> None:
    workdir = Path(request["workdir"])
    limits = Limits(**request["limits"])
    cgroup = Path(request["cgroup"]) if request.get("cgroup") else None
    os.chdir(workdir)
    _quiet_output(workdir / "output.txt")
    walls, missing = confine(workdir, limits, cgroup, request.get("without", []))  # sets the environment too
    protocol.send(sock, {"ready": True, "walls": walls, "missing_walls": missing})
    signal.signal(signal.SIGALRM, _on_alarm)
    shell = _shell()
    cells = protocol.receive(sock)
    protocol.send(sock, {"executed": _run_cells(sock, shell, cells["cells"], cells.get("seed"), limits.cell_seconds)})
    while True:
        message = protocol.receive(sock)
        if message is None:
            return
        if message.get("op") == "done":
            protocol.send(sock, {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            return
        if message["op"] == "public":
            protocol.send(sock, {"public": _run_public(shell.user_ns, message["source"], message["path"], limits.check_seconds)})
        elif message["op"] == "observe":
            protocol.send(sock, {"seen": _observe(shell.user_ns, message, limits.check_seconds)})


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


def _shell() -> InteractiveShell:
    config = Config()
    config.HistoryManager.enabled = False  # no history database; `In` is still kept in memory
    shell = InteractiveShell(config=config)
    # Nobody reads tracebacks here (errors come back as data), and formatting them is slow.
    shell.showtraceback = lambda *args, **kwargs: None
    shell.showsyntaxerror = lambda *args, **kwargs: None
    # As under `otter run`: grader.check/export in the notebook do nothing while grading.
    otter.Notebook._grading_mode = True
    otter.Notebook._tests_dir_override = str(Path.cwd() / "tests")
    otter.Notebook.check = lambda self, *args, **kwargs: None
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
        signal.setitimer(signal.ITIMER_REAL, cell_seconds)
        try:
            result = shell.run_cell(cell["source"], store_history=True)
            error = result.error_before_exec or result.error_in_exec
        except CellTimeout as timeout:
            error = timeout
        except SystemExit as exit_:
            error = exit_
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
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
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        test_file = ExceptionTestFile.from_string(source, path=path)
        test_file.run(env)
        return [{"name": r.test_case.name, "passed": bool(r.passed), "message": str(r.message)[:2000]}
                for r in test_file.test_case_results]
    except BaseException as error:  # noqa: BLE001 - student code may raise anything here
        return [{"name": path, "passed": False, "message": f"{type(error).__name__}: {_short(error)}"}]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _observe(env: dict, message: dict, seconds: float) -> dict:
    """Run one hidden test's observe step on the student's objects; data or an error name back."""
    namespace: dict = {}
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        exec(compile(message["source"], "<observe>", "exec"), namespace)
        seen = namespace["observe"](env, message["probes"])
        json.dumps(seen, allow_nan=True)
        return {"ok": True, "data": seen}
    except BaseException as error:  # noqa: BLE001
        return {"ok": False, "error": type(error).__name__}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
