"""Inside one submission's process: run the student's cells, then answer the grader's probes.

Runs in a process forked from the fork server, after ``sandbox.confine``. Everything here is in
reach of student code, so nothing here decides a grade: this process runs the cells, runs the
public (0-point) tests, and runs each hidden test's ``observe`` step, sending back plain data.
The grader judges that data in a process no student code ever ran in.
"""

import base64
import builtins
import json
import marshal
import os
import resource
import signal
import socket
import sys
from pathlib import Path

import otter
from IPython.core.interactiveshell import InteractiveShell
from otter.test_files.exception_test import ExceptionTestFile
from traitlets.config import Config

from coursegrader.engine import autograd_witness, protocol, randomness
from coursegrader.engine.sandbox import Limits, confine, submission_environment
from coursegrader.engine.time_limits import CellTimeout, arm as _arm, disarm as _disarm, install as _install_timers, \
    pause as _pause, rearm as _rearm

_MESSAGE_CHARS = 500


# In a lesson server (forkserver.ForkServer.lesson): the shell the release's lesson cells ran in,
# and how many they were. A submission process forked from it starts at the first cell after them.
_LESSON: dict = {}
LESSON_CELL_SECONDS = 60  # a lesson cell that runs longer means no lesson server: every cell runs per submission


def prepare_lesson(lesson: dict, folder: Path) -> None:
    """Run the release's lesson cells (``lesson["cells"]``, the code cells before the first
    answer cell) once, as ``run_submission`` runs any cell: in a folder holding a notebook of that
    name, seeded the same way, in a fresh shell. Raises if any cell fails: then there is no lesson
    server and every submission runs all of its cells."""
    os.chdir(folder)
    os.environ.clear()
    os.environ.update(submission_environment(folder))  # as a submission's process sees it (HOME: .ipython here)
    Path(lesson["notebook_name"]).write_text(lesson["notebook"], encoding="utf-8")
    for name, data in lesson.get("files", {}).items():
        Path(name).write_bytes(base64.b64decode(data))
    shown = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    _install_timers()
    try:
        shell = _shell(None, None)
        cells = [{"source": source, "number": index} for index, source in enumerate(lesson["cells"])]
        errors = _run_cells(None, shell, cells, lesson.get("seed"), LESSON_CELL_SECONDS)
    finally:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.signal(signal.SIGPROF, signal.SIG_DFL)
        for fd, original in zip((1, 2), shown):
            os.dup2(original, fd)
            os.close(original)
    if errors:
        raise RuntimeError(f"lesson cell {errors[0]['number']} raised {errors[0]['error']}")
    os.chdir("/")
    for staged in (lesson["notebook_name"], *lesson.get("files", {})):  # the grader puts these in every folder
        (folder / staged).unlink()
    _LESSON.update(shell=shell, cells=len(cells), folder=folder)


def _lesson_leftovers() -> list[tuple[str, bytes | None]]:
    """What the shell and the lesson cells wrote in their folder (IPython's folder, otter's log):
    (relative path, bytes, or None for a folder), read before the submission's walls go up."""
    folder = _LESSON["folder"]
    return [(str(path.relative_to(folder)), None if path.is_dir() else path.read_bytes())
            for path in sorted(folder.rglob("*"))]


def _write_leftovers(leftovers: list[tuple[str, bytes | None]]) -> None:
    """The lesson's leftovers written into the submission's folder (the current one), as the
    submission's user, where a fresh run of the same cells would have written them."""
    for name, data in leftovers:
        if data is None:
            os.makedirs(name, exist_ok=True)
        else:
            Path(name).write_bytes(data)


def run_submission(sock: socket.socket, request: dict) -> None:
    workdir = Path(request["workdir"])
    limits = Limits(**request["limits"])
    cgroup = Path(request["cgroup"]) if request.get("cgroup") else None
    memory = Path(request["memory_cgroup"]) if request.get("memory_cgroup") else None
    start = _LESSON.get("cells", 0) if request.get("after_lesson") else 0
    os.chdir(workdir)
    _quiet_output(workdir / "output.txt")
    leftovers = _lesson_leftovers() if start else []
    # The cells arrive before the limits are set: the notebook's own bytes are not the student's memory.
    cells = protocol.receive(sock)
    walls, missing = confine(workdir, limits, cgroup, request.get("without", []), memory)  # sets the environment too
    # its user id: the grader sweeps what this id leaves behind once the process is gone
    protocol.send(sock, {"ready": True, "walls": walls, "missing_walls": missing, "uid": os.getuid()})
    _write_leftovers(leftovers)
    _install_timers()
    randomness.hold()  # before any student code: the generators seeded are the real ones
    shell = _LESSON["shell"] if start else _shell(sock, limits)
    _bind_otter(sock, shell, limits)
    executed = _run_cells(sock, shell, cells["cells"], cells.get("seed"), limits.cell_seconds, start=start)
    protocol.send(sock, {"executed": executed})
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
                protocol.send(sock, {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                     **({"unique_mb": _unique_mb()} if message.get("own_pages") else {})})
            return
        if message["op"] == "public":
            with randomness.fixed(message["seed"]):  # one random state per check, on every route and worker
                public = _run_public(env, message["source"], message["path"], limits.check_seconds)
            protocol.send(sock, {"public": public})
        elif message["op"] == "observe":
            with randomness.fixed(message["seed"]):
                seen = _observe(env, message, limits.check_seconds)
            protocol.send(sock, {"seen": seen})


def _unique_mb() -> float:
    """This process's own memory now (pages no other process shares: what grading it costs beyond
    the fork server's and the lesson's), from /proc/self/smaps_rollup; 0 where it cannot be read.
    The kernel walks every page of the process for it (some 10 ms here), so it is asked for
    only now and then (engine.OWN_PAGES_EVERY)."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
            fields = dict(line.split(":", 1) for line in rollup if ":" in line)
        return sum(int(fields[key].split()[0]) for key in ("Private_Clean", "Private_Dirty")) / 1024
    except (OSError, KeyError, ValueError):
        return 0.0


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
        left = _pause()
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


def _shell(sock: socket.socket | None, limits: Limits | None) -> InteractiveShell:
    config = Config()
    config.HistoryManager.enabled = False  # no history database; `In` is still kept in memory
    shell = InteractiveShell(config=config)
    # Nobody reads tracebacks here (errors come back as data), and formatting them is slow.
    shell.showtraceback = lambda *args, **kwargs: None
    shell.showsyntaxerror = lambda *args, **kwargs: None
    # Nor the copy IPython keeps of each failing cell's formatted traceback (for %tb): in a fresh
    # process formatting one compiles pygments' lexer first, 50-100 ms per notebook with an error.
    shell._format_exception_for_storage = lambda *args, **kwargs: {"ename": "", "evalue": "", "traceback": []}
    _bind_otter(sock, shell, limits)
    return shell


def _bind_otter(sock: socket.socket | None, shell: InteractiveShell, limits: Limits | None) -> None:
    """As under `otter run`: export does nothing while grading, and grader.check("q") is where q
    is judged, over this process's socket (a lesson ran without one: it calls no check)."""
    otter.Notebook._grading_mode = True
    otter.Notebook._tests_dir_override = str(Path.cwd() / "tests")
    otter.Notebook.check = _checkpoint(sock, shell, limits)


def _run_cells(sock, shell: InteractiveShell, cells: list[dict], seed, cell_seconds: float,
               start: int = 0) -> list[dict]:
    """Run every code cell from ``start`` on, in order, as otter does: a failing cell is noted and
    the next one runs. (The cells before ``start`` ran in the lesson server this process was
    forked from.)"""
    errors = []
    if start == 0:  # before the first cell (in a lesson server, before the lesson: its children inherit both)
        _seed_torch(seed)
        autograd_witness.install()  # what backward passes wrote, for observe (engine/autograd_witness.py)
    original_builtins = dict(builtins.__dict__)
    for index, cell in enumerate(cells[start:], start):
        _restore(builtins.__dict__, original_builtins)  # a patched isinstance must not break this loop
        if sock is not None:
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


def _seed_torch(seed) -> None:
    """torch's global generator starts from a random seed in every process: seeded once before the
    first cell, so one notebook draws the same numbers on every run, route and worker (otter's
    intercell seed covers `random` and NumPy only). A torch imported later by the notebook, where
    the course's warm-up does not import it, seeds itself."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(0 if seed is None else seed)


def _restore(namespace: dict, original: dict) -> None:
    for name, value in original.items():
        if namespace.get(name) is not value:
            namespace[name] = value


def _short(error: BaseException) -> str:
    if isinstance(error, CellTimeout):
        return "cell time limit"
    try:
        text = str(error)
    except BaseException:  # noqa: BLE001 - an error class of the answer's own may raise anything from __str__
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
        exec(marshal.loads(base64.b64decode(message["code"])), namespace)  # assignment.LoadedCheck.observe_code
        seen = namespace["observe"](env, message["probes"])
        json.dumps(seen, allow_nan=True)
        return {"ok": True, "data": seen}
    except BaseException as error:  # noqa: BLE001
        try:
            error.__traceback__ = None  # the check's frames, and what a runaway answer piled up in them, let go
        except BaseException:  # noqa: BLE001 - an exception class of the answer's own may refuse
            pass
        return {"ok": False, "error": type(error).__name__, "message": _short(error)}
    finally:
        _disarm()
