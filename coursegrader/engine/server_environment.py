"""The environment of the fork server, and so of every submission process forked from it.

A module that imports nothing: the Gradescope command starts again with a clean environment
(``start_again_clean``) before it loads anything else (coursegrader/__main__.py), so the
interpreter it replaces costs little more than its start.
"""

import os
import sys

# Set in the fork server, so in every submission process. MALLOC_ARENA_MAX: each thread would
# otherwise reserve a malloc arena of 64 MB of address space, and MEMORY_LIMIT_MB (an RLIMIT_AS)
# would hold 7 threads besides the main one; with two arenas it holds more than PROCESS_LIMIT.
WARM_ENVIRONMENT = {"MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                    "MALLOC_ARENA_MAX": "2", "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
# The walls a grader is told to leave out (sandbox.py reads it).
WITHOUT_VARIABLE = "COURSEGRADER_WITHOUT"
# All the fork server keeps of the grader's environment. Its children are forked from it, and
# /proc/<pid>/environ shows the environment a process was started with, whatever it changes
# later: a grader's variable given to the fork server could be read by every submission.
KEPT_FROM_GRADER = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH")
# What a grader that forks its server from itself (``ForkServer.forked_here``) may have been
# started with besides: its own settings, none of them secret. The server drops them, but their
# bytes may linger in the memory it copied, which a submission's code can read.
GRADER_SETTINGS = ("TMPDIR", WITHOUT_VARIABLE)


def server_environment(environment) -> dict[str, str]:
    """The fork server's whole environment: KEPT_FROM_GRADER of ``environment``, and WARM_ENVIRONMENT."""
    return {**{k: v for k, v in environment.items() if k in KEPT_FROM_GRADER}, **WARM_ENVIRONMENT}


def environment_to_fork_from(environment) -> dict[str, str]:
    """The environment a process that will fork its fork server from itself is started with:
    of ``environment``, only what the server keeps and the grader's own settings."""
    return {**{k: v for k, v in environment.items() if k in GRADER_SETTINGS}, **server_environment(environment)}


def start_again_clean() -> None:
    """Where this process was started with more than ``environment_to_fork_from`` keeps (as on
    Gradescope), start the same command again with only that; otherwise return. The Gradescope
    route forks its fork server from its own process, and /proc/self/environ of every process
    forked from it shows what this one was started with."""
    clean = environment_to_fork_from(os.environ)
    if clean != dict(os.environ):
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], clean)
