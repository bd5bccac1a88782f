"""The walls around one submission's process: limits, a process group, a file-system sandbox.

``confine`` runs inside the freshly forked submission process before any student code. It uses
only what an unprivileged Linux user has (rlimits, Landlock), plus a pids cgroup when the grader
may create one (root with a writable cgroup tree), which bounds fork bombs for root too, whom
RLIMIT_NPROC never limits. ``JobGroup`` is the grader's handle to stop everything a submission
started.
"""

import os
import resource
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import landlock

_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36
_PIDS_CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))
# What a submission may read besides its own folder: the Python installation and the system.
_SYSTEM_READ_ONLY = ["/usr", "/lib", "/lib64", "/bin", "/etc", "/proc", "/sys", "/opt", "/dev"]


@dataclass(frozen=True)
class Limits:
    """Per-submission limits; course_config.py supplies them (see ``from_course``)."""
    submission_seconds: float = 300
    cell_seconds: float = 60
    check_seconds: float = 60
    memory_mb: int = 2048
    processes: int = 64
    output_mb: int = 16

    @classmethod
    def from_course(cls, course, **overrides) -> "Limits":
        values = dict(submission_seconds=course.SUBMISSION_TIMEOUT_SECONDS, cell_seconds=course.CELL_TIMEOUT_SECONDS,
                      check_seconds=course.CHECK_TIMEOUT_SECONDS,
                      memory_mb=course.MEMORY_LIMIT_MB, processes=course.PROCESS_LIMIT, output_mb=course.OUTPUT_LIMIT_MB)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def as_dict(self) -> dict:
        return asdict(self)


def python_paths() -> list[str]:
    """Folders Python imports from: the installation and every site-packages folder on the path
    (a .pth file may add one from elsewhere), but not the current folder or a source checkout,
    which may hold the course's tests."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    folders.update(p for p in sys.path if os.path.basename(p.rstrip("/")) in ("site-packages", "dist-packages"))
    return sorted(p for p in folders if p)


def confine(workdir: Path, limits: Limits, cgroup: Path | None) -> list[str]:
    """Enter the sandbox for good. Returns the walls that could not be built (for the log)."""
    missing = []
    os.setsid()  # its own process group: the grader can signal it and all it starts at once
    libc_prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with the fork server
    libc_prctl(_PR_SET_CHILD_SUBREAPER, 1)  # orphans of its children stay its descendants
    if cgroup is not None:
        (cgroup / "cgroup.procs").write_text(str(os.getpid()))
    elif os.geteuid() != 0:  # unprivileged: RLIMIT_NPROC counts all of this user's processes
        user_processes = sum(1 for entry in Path("/proc").iterdir() if entry.name.isdigit() and _owned(entry))
        _limit(resource.RLIMIT_NPROC, user_processes + limits.processes)
    else:
        missing.append("process limit (no writable pids cgroup)")
    _limit(resource.RLIMIT_AS, _address_space_bytes() + limits.memory_mb * 2**20)
    _limit(resource.RLIMIT_CPU, int(limits.submission_seconds) + 5)
    _limit(resource.RLIMIT_FSIZE, limits.output_mb * 2**20)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, 256)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with an error instead of a kill
    try:
        landlock.restrict(read_only=python_paths() + _SYSTEM_READ_ONLY, read_write=[str(workdir), "/dev/null"])
    except OSError as error:
        missing.append(f"file-system sandbox ({error})")
    return missing


def libc_prctl(option: int, value: int) -> None:
    landlock._libc.prctl(option, value, 0, 0, 0)


def _owned(proc_entry: Path) -> bool:
    try:
        return proc_entry.stat().st_uid == os.geteuid()
    except OSError:
        return False


def _limit(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))


def _address_space_bytes() -> int:
    """This process's current virtual size: the preloaded libraries, which the memory limit
    comes on top of."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


class JobGroup:
    """Everything one submission started: a pids cgroup when available, else its process group."""

    def __init__(self, name: str, max_processes: int):
        self.cgroup = _make_cgroup(name, max_processes)
        self.leader: int | None = None

    def kill(self) -> None:
        """Stop every process of the job; safe to call more than once."""
        if self.leader is not None:
            try:
                os.killpg(self.leader, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.cgroup is None:
            return
        for _ in range(50):  # a fork loop can add processes while we kill; repeat until empty
            pids = [int(p) for p in _read(self.cgroup / "cgroup.procs").split()]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def close(self) -> None:
        self.kill()
        if self.cgroup is not None:
            for _ in range(50):
                try:
                    self.cgroup.rmdir()
                    break
                except OSError:  # the killed processes are not reaped yet
                    time.sleep(0.02)


def _make_cgroup(name: str, max_processes: int) -> Path | None:
    if os.geteuid() != 0:
        return None
    for root in _PIDS_CGROUP_ROOTS:
        if not (root / "cgroup.procs").exists() or not os.access(root, os.W_OK):
            continue
        if root.name != "pids" and "pids" not in _read(root / "cgroup.controllers").split():
            continue
        path = root / f"coursegrader-{name}"
        try:
            path.mkdir(exist_ok=True)
            (path / "pids.max").write_text(str(max_processes))
            return path
        except OSError:
            try:
                path.rmdir()
            except OSError:
                pass
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
