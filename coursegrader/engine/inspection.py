"""A hidden test's ``inspect`` step on a submission's code, under a memory and time bound.

``inspect`` reads the student's text (e5's "no cos" rule), and text can be built to make any
reader slow or large: nested f-strings that double at each level, code strings inside code
strings. The grader never runs that reading in its own process. It runs it in a child process
whose address space and CPU time are capped by rlimits, with a wall-clock backstop; a child that
runs out of either, or dies, gives ``TOO_COMPLEX``: the judge fails the check with a fixed
message ("too complex to check"), and grading goes on. A grader failure it never is.

Starting a Python for each reading costs about 28 ms here, a tenth of a warm submission's grading.
So each grader process keeps one small reading server (``python -I``, nothing imported but
the standard library) that forks a fresh child per reading: the same bounds on the same
isolated child, at the cost of a fork. Where that server cannot be had, the child is started
on its own, as before.

The course's inspect steps also count their own work and answer ``TOO_COMPLEX`` themselves past
a fixed budget of steps, so what a notebook gets does not depend on how fast the machine is; the
rlimits are the backstop for anything that budget does not count.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from coursegrader.engine.checks import TOO_COMPLEX_KEY

MEMORY_BYTES = 384 * 2**20  # the child's address space; an honest notebook's reading needs under 60 MB
CPU_SECONDS = 20
WALL_SECONDS = 120  # CPU time is the bound; this only stops a child that waits (it has nothing to wait for)
TOO_COMPLEX = {TOO_COMPLEX_KEY: True}

# The child: caps itself, reads the request on stdin to its end, answers on stdout.
_CHILD = r"""
import json, resource, sys
def defined(source):
    namespace = {"__builtins__": __builtins__}
    exec(compile(source, "<inspect>", "exec"), namespace)
    (inspect,) = [value for key, value in namespace.items() if key != "__builtins__"]
    return inspect
def read_bounded(memory, cpu, known=None):
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        request = json.loads(sys.stdin.buffer.read())
        inspect = (known or {}).get(request["source"]) or defined(request["source"])
        answer = {"result": inspect(request["cells"])}
        text = json.dumps(answer)
    except (MemoryError, RecursionError):
        text = json.dumps({"too_complex": True})
    except Exception:
        text = json.dumps({"raised": True})
    sys.stdout.write(text)
    sys.stdout.flush()
"""
_ONE_CHILD = _CHILD + "read_bounded(int(sys.argv[1]), int(sys.argv[2]))\n"

# The server: for each request on its control socket (the bounds and the test's inspect source,
# and a socket passed with them), a forked child reads over that socket as its stdin and stdout;
# the server answers with its pid. Each source (the course's own, the same for every notebook) is
# compiled once here, before any child exists, and no child compiles it again (a fifth of a reading).
_SERVER = _CHILD + r"""
import gc, os, signal, socket
# the standard library a reading parses code with, imported once here rather than in each child
import ast, bisect, collections, itertools, math, re, tokenize
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
control = socket.socket(fileno=int(sys.argv[1]))
known = {}
while True:
    try:
        data, fds, _, _ = socket.recv_fds(control, 1 << 20, 1)
    except InterruptedError:
        continue
    if not data or len(fds) != 1:
        break  # the grader is gone
    bounds = json.loads(data)
    if bounds["source"] not in known:
        try:
            known[bounds["source"]] = defined(bounds["source"])
        except Exception:
            known[bounds["source"]] = None  # each child then fails as it would have (its own answer)
        gc.freeze()  # no child's collection walks what this server holds
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            control.close()
            os.dup2(fds[0], 0)
            os.dup2(fds[0], 1)
            os.close(fds[0])
            read_bounded(bounds["memory"], bounds["cpu"], known)
            status = 0
        finally:
            os._exit(status)
    os.close(fds[0])
    control.send(str(pid).encode())
"""


class _ReadingServer:
    """The grader process's reading server, started at the first reading; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._process: subprocess.Popen | None = None

    def fork(self, job: socket.socket, source: str) -> int | None:
        """A fresh bounded child reading over ``job`` with ``source``'s inspect; its pid, or None
        without a server."""
        with self._lock:
            for _ in range(2):  # a server that died since the last reading is replaced once
                try:
                    if self._control is None:
                        self._start()
                    bounds = json.dumps({"memory": MEMORY_BYTES, "cpu": CPU_SECONDS, "source": source}).encode()
                    socket.send_fds(self._control, [bounds], [job.fileno()])
                    reply = self._control.recv(64)
                    if reply:
                        return int(reply)
                except (OSError, ValueError):
                    pass
                self._stop()
        return None

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-c", _SERVER, str(theirs.fileno())], pass_fds=[theirs.fileno()],
                env={"PATH": os.environ.get("PATH", "")}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        finally:
            theirs.close()
        ours.settimeout(10)  # the server answers at once; one that does not is replaced
        self._control = ours

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        self._control = self._process = None


_server = _ReadingServer()


def inspect_cells(source: str, cells: list[dict]):
    """What ``source`` (one ``def inspect(cells)``) returns for ``cells``, as JSON data; ``TOO_COMPLEX``
    when the child ran out of memory or time, None when inspect raised."""
    request = json.dumps({"source": source, "cells": cells}).encode()
    output = _read_in_forked_child(request, source)
    if output is None:
        output = _read_in_new_child(request)
    if output is None:
        return TOO_COMPLEX
    try:
        answer = json.loads(output)
    except ValueError:  # killed (SIGXCPU, or out of memory while writing): nothing, or half an answer
        return TOO_COMPLEX
    if not isinstance(answer, dict) or answer.get("too_complex"):
        return TOO_COMPLEX
    return answer.get("result") if "result" in answer else None


def _read_in_forked_child(request: bytes, source: str) -> bytes | None:
    """The child's output (empty if it was killed or ran past the wall-clock backstop), or None
    without a reading server."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours:
        try:
            pid = _server.fork(theirs, source)
        finally:
            theirs.close()
        if pid is None:
            return None
        deadline = time.monotonic() + WALL_SECONDS
        try:
            ours.settimeout(WALL_SECONDS)
            ours.sendall(request)
            ours.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := ours.recv(1 << 16):
                chunks.append(chunk)
                ours.settimeout(max(deadline - time.monotonic(), 0.001))
            return b"".join(chunks)
        except socket.timeout:
            _kill(pid)
            return b""  # out of time: too complex
        except OSError:  # the child died before it read everything: killed by its own bounds
            return b""


def _read_in_new_child(request: bytes) -> bytes | None:
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _ONE_CHILD, str(MEMORY_BYTES), str(CPU_SECONDS)],
                              input=request, capture_output=True, timeout=WALL_SECONDS,
                              env={"PATH": os.environ.get("PATH", "")})
    except subprocess.TimeoutExpired:
        return None
    return done.stdout


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:  # it ended meanwhile
        pass
