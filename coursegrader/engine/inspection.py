"""A hidden test's ``inspect`` step on a submission's code, under a memory and time bound.

``inspect`` reads the student's text (e5's "no cos" rule), and text can be built to make any
reader slow or large: nested f-strings that double at each level, code strings inside code
strings. The grader never runs that reading in its own process. It runs it in a child process
(``python -I``) whose address space and CPU time are capped by rlimits, with a wall-clock
backstop; a child that runs out of either, or dies, gives ``TOO_COMPLEX``: the judge fails the
check with a fixed message ("too complex to check"), and grading goes on. A grader failure it
never is.

The course's inspect steps also count their own work and answer ``TOO_COMPLEX`` themselves past
a fixed budget of steps, so what a notebook gets does not depend on how fast the machine is; the
rlimits are the backstop for anything that budget does not count.
"""

import json
import os
import subprocess
import sys

from coursegrader.engine.checks import TOO_COMPLEX_KEY

MEMORY_BYTES = 384 * 2**20  # the child's address space; an honest notebook's reading needs under 60 MB
CPU_SECONDS = 20
WALL_SECONDS = 120  # CPU time is the bound; this only stops a child that waits (it has nothing to wait for)
TOO_COMPLEX = {TOO_COMPLEX_KEY: True}

_CHILD = r"""
import json, resource, sys
memory, cpu = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
try:
    request = json.loads(sys.stdin.buffer.read())
    namespace = {"__builtins__": __builtins__}
    exec(compile(request["source"], "<inspect>", "exec"), namespace)
    (inspect,) = [value for key, value in namespace.items() if key != "__builtins__"]
    answer = {"result": inspect(request["cells"])}
    text = json.dumps(answer)
except (MemoryError, RecursionError):
    text = json.dumps({"too_complex": True})
except Exception:
    text = json.dumps({"raised": True})
sys.stdout.write(text)
"""


def inspect_cells(source: str, cells: list[dict]):
    """What ``source`` (one ``def inspect(cells)``) returns for ``cells``, as JSON data; ``TOO_COMPLEX``
    when the child ran out of memory or time, None when inspect raised."""
    request = json.dumps({"source": source, "cells": cells}).encode()
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _CHILD, str(MEMORY_BYTES), str(CPU_SECONDS)],
                              input=request, capture_output=True, timeout=WALL_SECONDS,
                              env={"PATH": os.environ.get("PATH", "")})
    except subprocess.TimeoutExpired:
        return TOO_COMPLEX
    try:
        answer = json.loads(done.stdout)
    except ValueError:  # killed (SIGXCPU, or out of memory while writing): nothing, or half an answer
        return TOO_COMPLEX
    if not isinstance(answer, dict) or answer.get("too_complex"):
        return TOO_COMPLEX
    return answer.get("result") if "result" in answer else None
