"""A warm process that forks one fresh, sandboxed process per submission.

Importing torch, matplotlib, IPython and otter costs seconds; forking a process that already
has them costs milliseconds. The fork server imports them once and never runs student code or
holds a test: each submission gets its own forked process (nothing of one student reaches
another), which talks to the grader over a socket the grader hands over with the request.

Run by ``ForkServer`` (the grader's side, below) as ``python -m coursegrader.engine.forkserver FD``,
or forked from a grader that grades one submission and has loaded torch itself
(``ForkServer.forked_here``, the Gradescope route).
"""

import ctypes
import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import Future

from coursegrader.engine import deferred_imports
from coursegrader.engine.server_environment import environment_to_fork_from, server_environment

_PACKET = 64 * 1024


class ForkServerError(RuntimeError):
    pass


# --- the server process ---------------------------------------------------------------------

def _preload(for_one_submission: bool) -> None:
    """What every submission would otherwise pay for itself, paid once: the libraries every
    notebook imports; for a server that forks many, matplotlib's fonts and renderers too (a
    graded notebook draws nothing unless it saves a figure: for one submission, 60-100 ms of CPU
    spent for nothing). The course's own warm-up follows.
    What otter imports for exporting and for its own command line is left for first use."""
    deferred_imports.defer()
    import matplotlib.pyplot as plt
    import numpy  # noqa: F401
    import torch  # noqa: F401

    from coursegrader.engine import runner, seccomp  # noqa: F401  (runner imports IPython and otter)

    seccomp.preload()
    if for_one_submission:
        return
    figure = plt.figure()
    figure.gca().plot([0, 1], [0, 1], label="warm")  # loads fonts and renderers once, for every child
    figure.gca().legend()
    figure.canvas.draw()
    plt.close("all")


def serve(control: socket.socket, for_one_submission: bool = False) -> None:
    # The cyclic collector is off while the server loads: the imports and the warm-up make some
    # 670,000 objects and little garbage (about 13,000 unreachable objects, 1-2 MB), and the
    # collections over them cost a quarter of the start (3.3-4.0 s of CPU with it, 2.4-2.7 s
    # without, this machine). They are frozen before the collector is on again, so no collection
    # ever walks them (a first one would, at once), and every child collects its own objects as before.
    gc.disable()
    _preload(for_one_submission)
    # Then the course's warm-up (its assignment's ``warm_up``: e.g. torch's threads and torch.func's
    # first-call set-up), which the grader sends when it has read the autograder: it may start
    # this server before that.
    data = control.recv(_PACKET)
    if not data:
        return  # the grader is gone
    _warm_up(json.loads(data)["warm_up"])
    _serve_forks(control)


def _warm_up(code: str) -> None:
    """Run warm-up code with the collector off (see serve), then freeze what it made."""
    gc.disable()
    exec(compile(code, "<the course's warm-up>", "exec"), {"__name__": "warm_up"})
    gc.freeze()
    gc.enable()


def _serve_forks(control: socket.socket) -> None:
    """Fork a process per request on ``control`` and report how each ended, until the grader
    closes it. Each request is handed to a spare forked ahead of it (forking a process the size of
    this one takes milliseconds the submission would otherwise wait for); a spare is this process
    as it was, waiting for its request, and holds nothing else."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    gc.freeze()  # what the lesson made, in a lesson server: no child's collection walks (so copies) it
    control.send(json.dumps({"ready": os.getpid()}).encode())
    handles = (control, wake_read, wake_write)
    jobs: dict[int, str] = {}  # pid -> job, to name the job when its process ends
    spare = _fork_spare(handles)
    while True:
        readable, _, _ = select.select([control, wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 4096)
            _report_exits(control, jobs)
        if control in readable:
            try:
                data, fds, _, _ = socket.recv_fds(control, _PACKET, 1)
            except InterruptedError:
                continue
            if not data:
                return  # the grader is gone (so is the spare, when its socket closes with this process)
            request = json.loads(data)
            pid = _hand_over(spare, data, fds, handles)
            for fd in fds:
                os.close(fd)
            spare = _fork_spare(handles)  # after the request's socket is closed here: no spare holds it
            jobs[pid] = request["job"]
            control.send(json.dumps({"job": request["job"], "pid": pid}).encode())


def _fork_spare(handles: tuple) -> tuple[int, socket.socket]:
    """A child that waits for one request (``_spare``): its pid and the socket that hands it over."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        ours.close()
        _spare(theirs, handles)
    theirs.close()
    return pid, ours


def _hand_over(spare: tuple[int, socket.socket], data: bytes, fds: list[int], handles: tuple) -> int:
    """Give the request to the spare (to a new one if it is gone); returns the pid that runs it."""
    pid, sock = spare
    try:
        socket.send_fds(sock, [data], fds)
    except OSError:  # the spare died (killed from outside): fork the process now
        sock.close()
        pid, sock = _fork_spare(handles)
        socket.send_fds(sock, [data], fds)
    sock.close()
    return pid


def _report_exits(control: socket.socket, jobs: dict[int, str]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid not in jobs:
            continue  # a spare that never got a request
        signal_number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        control.send(json.dumps({"exited": jobs.pop(pid), "code": code, "signal": signal_number}).encode())


def _spare(sock: socket.socket, handles: tuple) -> None:
    """In a forked spare: drop the server's handles, wait for a request, run it. Never returns."""
    try:
        control, *wake_fds = handles
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        control.close()
        for fd in wake_fds:
            os.close(fd)
        data, fds, _, _ = socket.recv_fds(sock, _PACKET, 1)
        sock.close()
    except BaseException:  # noqa: BLE001 - nothing was asked of it yet
        os._exit(0)
    if not data or len(fds) != 1:
        os._exit(0)  # the server is gone: no request will come
    request = json.loads(data)
    if request.get("lesson") or request.get("warm_up"):
        _serve_from(fds[0], lesson=bool(request.get("lesson")))
    _child(request, fds[0])


def _serve_from(server_fd: int, lesson: bool) -> None:
    """In a forked process: make the state its children start from (``lesson``: run the release's
    lesson cells, ``ForkServer.lesson``; else more warm-up, ``ForkServer.warmed``), then serve as
    a fork server of its own. Never returns."""
    status = 71
    try:
        control = socket.socket(fileno=server_fd)
        payload = json.loads(control.recv(_PACKET))
        if lesson:
            from coursegrader.engine.runner import prepare_lesson
            from coursegrader.engine.workspace import scratch_folder

            # the lesson's own folder, removed when it ends (or by the next run, if it is killed)
            with scratch_folder("coursegrader-lesson-", passable=False) as folder:
                prepare_lesson(payload, folder)
                _serve_forks(control)
        else:
            _warm_up(payload["warm_up"])
            _serve_forks(control)
        status = 0
    except BaseException:  # noqa: BLE001 - the grader sees this server end before it is ready
        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _child(request: dict, job_fd: int) -> None:
    """In the forked process: grade. Never returns."""
    status = 70
    try:
        from coursegrader.engine.runner import run_submission
        os.set_inheritable(job_fd, False)  # not handed to programs the notebook starts (exec, os.system)
        run_submission(socket.socket(fileno=job_fd), request)
        status = 0
    except BaseException:  # noqa: BLE001 - the sandbox failed to start: its output file says why
        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _environment_block() -> tuple[int, int] | None:
    """Where the environment this process was started with lies in its memory (what
    /proc/<pid>/environ reads, in this process and in every process forked from it), or None."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        start, end = int(fields[50 - 3]), int(fields[51 - 3])  # proc(5): env_start, env_end (fields from 3 on)
    except (OSError, IndexError, ValueError):
        return None
    return (start, end) if 0 < start < end else None


def _forked_server(control: socket.socket, block: tuple[int, int]) -> None:
    """In a server forked from the grader (``ForkServer.forked_here``): keep of the environment
    what a started server keeps, blank the block the grader was started with, serve. Never returns."""
    status = 0
    try:
        kept = server_environment(os.environ)
        os.environ.clear()
        os.environ.update(kept)
        ctypes.memset(block[0], 0, block[1] - block[0])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        serve(control, for_one_submission=True)
    except BaseException:  # noqa: BLE001 - the grader sees the socket close: the server did not start
        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def main() -> None:
    serve(socket.socket(fileno=int(sys.argv[1])))
    # The grader is gone and the server holds nothing worth tidying: skip the interpreter's
    # teardown of torch and the rest (over a second the grader would wait for).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# --- the grader's side ----------------------------------------------------------------------

class _ForkedProcess:
    """A server forked from the grader's process: what ForkServer asks of a subprocess.Popen."""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"fork server {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode


class ForkServer:
    """Starts the fork server and asks it for submission processes; thread-safe.

    The server process starts at once and warms up (seconds) while the caller goes on, reading
    the autograder for one; ``wait_ready`` (or the first ``start``) waits for it."""

    def __init__(self, warm_up: str | None = ""):
        """``warm_up``: Python code the server runs once before it forks anything (the
        assignment's; it must stay under one packet, 64 KiB); None: sent later (``send_warm_up``),
        while the server loads its libraries."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = subprocess.Popen([sys.executable, "-m", "coursegrader.engine.forkserver", str(theirs.fileno())],
                                   pass_fds=[theirs.fileno()], env=server_environment(os.environ), stdin=subprocess.DEVNULL)
        theirs.close()
        self._attach(ours, process)
        if warm_up is not None:
            self.send_warm_up(warm_up)

    @classmethod
    def forked_here(cls) -> "ForkServer":
        """A fork server forked from this process once it has loaded torch (seconds), to be sent
        its warm-up later (``send_warm_up``). For a process that grades one submission and needs
        torch itself (the Gradescope route's judges): torch loads once, not in two interpreters,
        and the server loads the notebook's other libraries (IPython, otter, matplotlib) while
        this process goes on. Call it first, before this process reads anything of the course or
        of a student and before it starts a thread: the server holds what this process holds then.
        This process must have been started with ``environment_to_fork_from`` (nothing of
        its caller's that a submission may not read): the server keeps of it only what a started
        one keeps, and blanks the block this process was started with. ForkServerError where
        that cannot be done."""
        if os.environ != environment_to_fork_from(os.environ):
            raise ForkServerError("this process was started with variables a fork server may not hold "
                                  "(start it with server_environment.environment_to_fork_from)")
        block = _environment_block()
        if block is None:
            raise ForkServerError("this system does not show where a process's environment lies (/proc/self/stat)")
        if threading.active_count() > 1:
            raise ForkServerError("a fork server is forked only from a process with no other thread")
        gc.disable()  # loading makes many objects and little garbage (see serve)
        import torch  # noqa: F401
        gc.freeze()
        gc.enable()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            ours.close()
            _forked_server(theirs, block)
        theirs.close()
        server = cls.__new__(cls)
        server._attach(ours, _ForkedProcess(pid))
        return server

    def send_warm_up(self, warm_up: str) -> None:
        """The course's warm-up, for a server started without it; sent once."""
        try:
            self._control.send(json.dumps({"warm_up": warm_up}).encode())
        except OSError:
            pass  # the server has already stopped: ``wait_ready`` says it did not start

    def _attach(self, control: socket.socket, process: subprocess.Popen | None) -> None:
        self._process = process  # None for a child server (lesson, warmed): its parent reaps it
        self._control = control
        self._closed = False
        self._parent_job: tuple["ForkServer", str] | None = None  # a child server: its parent and its job there
        self._lock = threading.Lock()
        self._ready_lock = threading.Lock()
        self._ready = False
        self._stopped = False  # its replies ended: the server is gone
        self._started: dict[str, Future] = {}
        self._exits: dict[str, Future] = {}

    def lesson(self, lesson: dict) -> "ForkServer":
        """A fork server forked from this one that first runs the release's lesson cells
        (``lesson``: runner.prepare_lesson's payload, at most one packet), so that the submission
        processes it forks start from that state. Ready when ``wait_ready`` returns."""
        return self._child_server("lesson", lesson)

    def warmed(self, warm_up: str) -> "ForkServer":
        """A fork server forked from this one that first runs ``warm_up`` (at most one packet), so
        that the processes it forks start from that state and this server's do not. Ready when
        ``wait_ready`` returns; ForkServerError there if the warm-up failed."""
        return self._child_server("warm_up", {"warm_up": warm_up})

    def _child_server(self, kind: str, payload: dict) -> "ForkServer":
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.send(json.dumps(payload).encode())  # waits in the socket until the child server reads it
        job = f"{kind}-{os.getpid()}-{id(ours)}"
        try:
            self.start(job, {kind: True}, theirs)
        finally:
            theirs.close()
        server = ForkServer.__new__(ForkServer)
        server._attach(ours, None)
        server._parent_job = (self, job)
        return server

    def wait_ready(self, timeout: float | None = None) -> None:
        """Wait until the server has warmed up; ForkServerError if it could not (or not within
        ``timeout`` seconds)."""
        with self._ready_lock:
            if self._ready:
                return
            try:
                self._control.settimeout(timeout)
                ready = self._control.recv(_PACKET)
                self._control.settimeout(None)
            except OSError:  # socket.timeout included
                ready = b""
            if not ready:
                raise ForkServerError("the fork server did not start; run `python -m coursegrader.engine.forkserver` to see why")
            self._ready = True
            threading.Thread(target=self._read_replies, daemon=True).start()

    def start(self, job: str, request: dict, job_socket: socket.socket) -> int:
        """Fork a submission process that will talk over ``job_socket``; returns its pid.
        Call ``forget(job)`` when done with it."""
        self.wait_ready()
        started = Future()
        with self._lock:
            self._started[job] = started
            socket.send_fds(self._control, [json.dumps({**request, "job": job}).encode()], [job_socket.fileno()])
        pid = started.result(timeout=60)
        return pid

    def exit_status(self, job: str, timeout: float) -> dict | None:
        """How the job's process ended ({"code", "signal"}), or None if that is not known in time."""
        with self._lock:
            future = self._exits.setdefault(job, Future())
            if self._stopped and not future.done():
                return None  # the server is gone: nobody is left to say
        try:
            return future.result(timeout=timeout)
        except (TimeoutError, ForkServerError):  # not known in time, or the server stopped first
            return None

    def forget(self, job: str) -> None:
        with self._lock:
            self._exits.pop(job, None)

    def _read_replies(self) -> None:
        while True:
            try:
                data = self._control.recv(_PACKET)
            except OSError:
                data = b""
            if not data:
                with self._lock:
                    self._stopped = True
                    for future in [*self._started.values(), *self._exits.values()]:
                        if not future.done():
                            future.set_exception(ForkServerError("the fork server stopped"))
                return
            reply = json.loads(data)
            with self._lock:
                if "job" in reply:
                    self._started.pop(reply["job"]).set_result(reply["pid"])
                elif "exited" in reply:
                    future = self._exits.setdefault(reply["exited"], Future())
                    if not future.done():
                        future.set_result({"code": reply["code"], "signal": reply["signal"]})

    def alive(self) -> bool:
        if self._process is None:  # a child server: alive while its parent has not seen it end
            parent, job = self._parent_job
            return not self._closed and parent.alive() and parent.exit_status(job, timeout=0) is None
        return self._process.poll() is None

    def close(self) -> None:
        """Stop the server: at once if it never got to serve (nothing of it is needed then)."""
        if self._closed:
            return
        self._closed = True
        if not self._ready and self._process is not None:
            self._process.kill()
        try:
            self._control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._control.close()
        if self._process is None:  # a child server ends when its socket closes; its parent reaps it
            parent, job = self._parent_job
            parent.exit_status(job, timeout=10)
            parent.forget(job)
            return
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


if __name__ == "__main__":
    main()
