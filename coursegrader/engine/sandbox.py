"""The walls around one submission's process, and the grader's handle on everything it starts.

``confine`` runs inside the freshly forked submission process before any student code and builds
every wall this machine allows, each on its own, so that one missing kernel feature leaves the
others standing:

- its own session, and a pids cgroup when the grader may create one (root with a writable
  cgroup tree), which bounds fork bombs even for root, whom RLIMIT_NPROC never limits;
- with root and CAP_SYS_ADMIN, a mount namespace of its own: a size-limited tmpfs on its folder
  (the disk quota; elsewhere the grader's ``workspace.DiskWatch`` stops it), a /proc that hides
  other users' processes, and an empty /dev/shm (and /dev/mqueue) of its own;
- with root and CAP_SYS_ADMIN, an IPC namespace of its own: System V objects and POSIX message
  queues no other process sees, destroyed with its last process (``kernel_objects``);
- rlimits on memory, CPU time, file size, open files;
- when the grader is root, a user id of its own (no way back): it can signal, trace or read the
  /proc entries of no other process, and read only what permission bits let every user read;
- a fixed, minimal environment (no variable of the grader's);
- Landlock: read the Python installation and the system, write only its own folder;
- last, a seccomp filter: no new socket of any kind, no ptrace, no new namespace, no change of
  scheduling priority, and, without an IPC namespace, no System V IPC or POSIX message queue.

What it leaves in the system's shared places is removed by the grader afterwards
(``kernel_objects.sweep``, in judging.py), by the user id this process reports as its own.

``confine`` returns the walls built and the walls missing; the grader records both for the
instructor. ``COURSEGRADER_WITHOUT`` (read by the grader, never seen by the submission) leaves
named walls out, to see what a machine without them gives.
"""

import os
import re
import resource
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from coursegrader.engine import kernel_objects, landlock, workspace, seccomp
from coursegrader.engine.libc import LIBC
from coursegrader.engine.server_environment import WARM_ENVIRONMENT, WITHOUT_VARIABLE
from coursegrader.core.config import LIMIT_SETTINGS


_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 1, 4, 36
_PIDS_CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))
# A job's cgroup is named after the grading process that made it, so a later run can tell a
# killed run's leftovers (owner gone) from a live run's.
_CGROUP_NAME = re.compile(r"coursegrader-run(\d+)-[0-9a-f]+")
# A job's memory cgroup holds, beyond MEMORY_LIMIT_MB: its disk quota's tmpfs pages, and the pages
# of its fork server's that it writes and so copies (Python's reference counts), with room to
# spare. It bounds what all the job's processes hold together (RLIMIT_AS bounds each one).
_COPIED_PAGES_MB = 256
# What a submission may read besides its own folder: the Python installation and the system.
_SYSTEM_READ_ONLY = ["/usr", "/lib", "/lib64", "/bin", "/etc", "/proc", "/sys", "/opt", "/dev"]
# A user id of its own per live submission process: this base plus its pid (pids are unique
# among live processes). Far above any real account; 65534 (nobody) where the kernel maps no such id.
USER_ID_BASE = 1 << 30
NOBODY = 65534
_OPEN_FILES = 256
# What COURSEGRADER_WITHOUT may name; "mount" (no mount namespace) takes "quota", "proc" and "shm" with it.
WALLS = ("oom", "cgroup", "memory", "mount", "quota", "proc", "ipc", "shm", "uid", "landlock", "seccomp")


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. No defaults here: ``from_course`` takes each from the
    course_config.py setting that ``config.SETTINGS`` declares for it (``config.LIMIT_SETTINGS``)."""
    submission_seconds: float
    cell_seconds: float
    check_seconds: float
    memory_mb: int
    processes: int
    output_mb: int
    disk_mb: int

    @classmethod
    def from_course(cls, course, **overrides) -> "Limits":
        values = {limit: getattr(course, setting) for limit, setting in LIMIT_SETTINGS.items()}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def as_dict(self) -> dict:
        return asdict(self)


def walls_left_out() -> list[str]:
    """The walls ``COURSEGRADER_WITHOUT`` (comma-separated names from ``WALLS``) asks the grader
    not to build. Read on the grader's side and sent with the request."""
    names = [name.strip() for name in os.environ.get(WITHOUT_VARIABLE, "").split(",") if name.strip()]
    unknown = sorted(set(names) - set(WALLS))
    if unknown:
        raise ValueError(f"{WITHOUT_VARIABLE} names unknown walls {', '.join(unknown)}; known: {', '.join(WALLS)}")
    return names


def python_paths() -> list[str]:
    """Folders Python imports from: the installation and every site-packages folder on the path
    (a .pth file may add one from elsewhere), but not the current folder or a source checkout,
    which may hold the course's tests."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    folders.update(p for p in sys.path if os.path.basename(p.rstrip("/")) in ("site-packages", "dist-packages"))
    return sorted(p for p in folders if p)


def submission_environment(workdir: Path) -> dict[str, str]:
    """The whole environment of a submission's process: fixed, nothing of the grader's."""
    folder = str(workdir)
    return {**WARM_ENVIRONMENT, "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": folder, "TMPDIR": folder, "MPLCONFIGDIR": folder, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "USER": "student", "LOGNAME": "student"}  # getpass finds a name: its user id has no account


def confine(workdir: Path, limits: Limits, cgroup: Path | None, without=(), memory: Path | None = None) -> tuple[list[str], list[str]]:
    """Enter the sandbox for good. Returns (walls built, walls missing), for the grader's record."""
    walls = _Walls(without)
    parent = os.getppid()  # the fork server (or the lesson server)
    os.setsid()  # its own process group: the grader can signal it and all it starts at once
    _die_with(parent)
    libc_prctl(_PR_SET_CHILD_SUBREAPER, 1)  # orphans of its children stay its descendants
    walls.build("oom", "first to go when memory runs out (oom_score_adj 1000)", _first_to_go)
    walls.build("cgroup", "pids cgroup", lambda: _join(cgroup))
    walls.build("memory", "memory cgroup", lambda: _join_memory(memory, cgroup))
    user = _free_user_id() if os.geteuid() == 0 and "uid" not in without else None
    owner = (user, user) if user is not None else (os.geteuid(), os.getegid())
    namespace = walls.build("mount", "mount namespace", lambda: _as_root(workspace.own_mount_namespace))
    quota = walls.build("quota", "disk quota (tmpfs)", lambda: _in_namespace(
        namespace, lambda: workspace.mount_quota(workdir, limits.disk_mb, *owner)))
    if not quota:
        walls.missing[-1] += "; the grader's disk watcher bounds the folder instead"
    walls.build("proc", "hidden /proc", lambda: _in_namespace(namespace, workspace.hide_other_processes))
    ipc = walls.build("ipc", "IPC namespace", lambda: _as_root(kernel_objects.own_ipc_namespace))
    walls.build("shm", "own /dev/shm", lambda: _in_namespace(
        namespace, lambda: kernel_objects.own_shared_memory_folders(limits.disk_mb, ipc)))
    os.chdir(workdir)  # the tmpfs, if one was mounted on the folder, not the folder beneath it
    _limit(resource.RLIMIT_AS, _address_space_bytes() + limits.memory_mb * 2**20)
    _limit(resource.RLIMIT_CPU, int(limits.submission_seconds) + 5)
    _limit(resource.RLIMIT_FSIZE, limits.output_mb * 2**20)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, _OPEN_FILES)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with an error instead of a kill
    walls.built.append("rlimits")
    walls.build("uid", "own user id", lambda: _become(user, workdir, namespace, quota))
    _die_with(parent)  # again: a change of user clears the parent-death signal (prctl(2))
    if cgroup is None:
        if os.geteuid() != 0:  # RLIMIT_NPROC counts all processes of this user: with its own id, only its own
            user_processes = sum(1 for entry in Path("/proc").iterdir() if entry.name.isdigit() and _owned(entry))
            _limit(resource.RLIMIT_NPROC, user_processes + limits.processes)
            walls.built.append("process limit (RLIMIT_NPROC)")
        else:
            walls.missing.append("process limit (no pids cgroup, and root is not bound by RLIMIT_NPROC)")
    os.environ.clear()
    os.environ.update(submission_environment(workdir))
    tempfile.tempdir = None  # the fork server's cached choice (/tmp) would ignore TMPDIR
    walls.built.append("clean environment")
    walls.build("landlock", "landlock", lambda: "ABI %d" % landlock.restrict(
        read_only=python_paths() + _SYSTEM_READ_ONLY, read_write=[str(workdir), "/dev/null"]))
    walls.build("seccomp", "seccomp", lambda: _seccomp(ipc))  # last: the walls before it need mounts
    return walls.built, walls.missing


class _Unavailable(Exception):
    """A wall this machine or this grader cannot build; the message says why."""


class _Walls:
    """The record of which walls were built and which are missing, and why."""

    def __init__(self, without):
        self.without, self.built, self.missing = set(without), [], []

    def build(self, name: str, label: str, make) -> bool:
        if name in self.without:
            self.missing.append(f"{label} (left out: {WITHOUT_VARIABLE})")
            return False
        try:
            note = make()
        except (OSError, _Unavailable) as error:
            self.missing.append(f"{label} ({error})")
            return False
        self.built.append(f"{label} ({note})" if isinstance(note, str) else label)
        return True


def _join(cgroup: Path | None) -> None:
    if cgroup is None:
        raise _Unavailable("no writable cgroup tree with the pids controller")
    (cgroup / "cgroup.procs").write_text(str(os.getpid()))


def _join_memory(memory: Path | None, cgroup: Path | None) -> None:
    if memory is None:
        raise _Unavailable("no memory cgroup: needs root and cgroup v1's memory tree or v2's memory controller")
    if memory != cgroup:  # cgroup v1: a tree of its own
        (memory / "cgroup.procs").write_text(str(os.getpid()))
    elif not _read(Path("/proc/self/cgroup")).rstrip().endswith("/" + memory.name):
        raise _Unavailable("not in its pids cgroup, which holds its memory limit in cgroup v2")


def _first_to_go() -> None:
    """When the machine (or Gradescope's container, 768 MB by default) runs out of memory, the
    kernel kills this submission's processes before the grader or a fork server: otherwise it
    kills the largest process, and a submission that spreads its memory over small processes
    (fresh interpreters started with exec) makes that the grader. Its children inherit the value.
    Landlock keeps it from writing /proc to lower it (a floor of its own would need
    CAP_SYS_RESOURCE, which root lacks in Docker)."""
    Path("/proc/self/oom_score_adj").write_text("1000")


def _as_root(make):
    if os.geteuid() != 0:
        raise _Unavailable("the grader is not root")
    return make()


def _in_namespace(namespace: bool, make):
    if not namespace:
        raise _Unavailable("no mount namespace")
    return make()


def _seccomp(ipc_namespace: bool) -> str | None:
    unknown = seccomp.deny_new_sockets(() if ipc_namespace else seccomp.IPC_CALLS)
    notes = [] if ipc_namespace else ["also System V IPC and POSIX message queues: no IPC namespace"]
    if unknown:
        notes.append(f"this libseccomp cannot deny {', '.join(sorted(set(unknown)))}")
    return "; ".join(notes) or None


def _free_user_id() -> int | None:
    """A user id no other live process has (this base plus its pid), or nobody where this user
    namespace maps no such id; None if neither exists here."""
    for candidate in (USER_ID_BASE + os.getpid(), NOBODY):
        if _mapped(candidate, "uid_map") and _mapped(candidate, "gid_map"):
            return candidate
    return None


def _become(user: int | None, workdir: Path, namespace: bool, quota: bool) -> str | None:
    """Drop root for good: run as ``user`` (also its group), no supplementary group, no saved root id."""
    if os.geteuid() != 0:
        raise _Unavailable("the grader is not root: the submission runs as the grader's user")
    if user is None:
        raise _Unavailable("this user namespace maps neither a new user id nor nobody")
    _reachable(workdir, namespace)
    if not quota:  # on a tmpfs the folder is the user's already
        workspace.hand_over(workdir, user, user)
    os.setgroups([])
    os.setresgid(user, user, user)
    os.setresuid(user, user, user)
    try:
        os.setresuid(0, 0, 0)
    except PermissionError:
        pass
    else:
        raise RuntimeError("dropping root did not hold")  # no student code runs: the submission is not graded
    if user == NOBODY:
        # A shared id stays undumpable, so another submission running as nobody cannot read its memory.
        return "nobody, shared with other submissions: the kernel maps no id of its own"
    # Its /proc/self then belongs to it (its own files, limits, status); no other process has its id.
    libc_prctl(_PR_SET_DUMPABLE, 1)
    return None


def _reachable(workdir: Path, namespace: bool) -> None:
    """Another user must be able to import from this Python and reach the submission's folder;
    with a mount namespace of its own, closed folders above them are covered and the paths bound
    back. Raises _Unavailable if they stay closed."""
    def closed() -> list[str]:
        paths = [p for p in python_paths() if os.path.exists(p) and not workspace.reachable_by_others(p)]
        return paths + ([str(workdir)] if not workspace.reachable_by_others(str(workdir), readable=False) else [])

    if closed() and namespace:
        workspace.reopen_for_others(closed())
    if closed():
        raise _Unavailable(f"other users cannot reach {', '.join(closed())}: make the folders above them o+x "
                           "and Python o+rX")


def _mapped(number: int, table: str) -> bool:
    """Whether ``number`` exists in this user namespace (/proc/self/uid_map or gid_map)."""
    for line in Path(f"/proc/self/{table}").read_text().split("\n"):
        fields = line.split()
        if len(fields) == 3 and int(fields[0]) <= number < int(fields[0]) + int(fields[2]):
            return True
    return False


def libc_prctl(option: int, value: int) -> None:
    LIBC.prctl(option, value, 0, 0, 0)


def _die_with(parent: int) -> None:
    """SIGKILL when the process that forked this one ends, so a grader killed mid-run leaves no
    submission running (a sleeping one would outlive it: its time limits are the grader's to
    enforce); a parent already gone is seen here."""
    libc_prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


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
    """Everything one submission started: a pids cgroup when available, else its process group;
    and a memory cgroup when available (``memory``: the same group in cgroup v2)."""

    def __init__(self, name: str, max_processes: int, use_cgroup: bool = True, limits: "Limits | None" = None):
        _sweep_once()
        name = f"run{os.getpid()}-{name}"
        self.cgroup = _make_cgroup(name, max_processes) if use_cgroup else None
        self.memory = None if limits is None else _make_memory_cgroup(
            self.cgroup, name, limits.memory_mb + limits.disk_mb + _COPIED_PAGES_MB)
        self.leader: int | None = None

    @property
    def groups(self) -> list[Path]:
        """Its cgroups, each once (in cgroup v2 the memory cgroup is the pids cgroup)."""
        return list(dict.fromkeys(group for group in (self.cgroup, self.memory) if group is not None))

    def kill(self) -> None:
        """Stop every process of the job; safe to call more than once."""
        if self.leader is not None:
            try:
                os.killpg(self.leader, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if not self.groups:
            return
        for pause in _pauses():  # a fork loop can add processes while we kill; repeat until empty
            pids = {int(p) for group in self.groups for p in _read(group / "cgroup.procs").split()}
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(pause)

    def close(self) -> None:
        self.kill()
        for group in self.groups:
            for pause in _pauses():
                try:
                    group.rmdir()
                    break
                except OSError:  # the killed processes are not reaped yet
                    time.sleep(pause)


def _pauses(total: float = 1.0):
    """Waits between looks at processes that are ending: a millisecond first (a process killed
    after its last message is gone almost at once: a fixed 20 ms was a tenth of a submission's
    grading), doubling up to 20 ms, about ``total`` seconds in all."""
    pause, waited = 0.001, 0.0
    while waited < total:
        yield pause
        waited += pause
        pause = min(pause * 2, 0.02)


def _make_cgroup(name: str, max_processes: int) -> Path | None:
    if os.geteuid() != 0:
        return None
    for root in _cgroup_roots():
        path = _new_group(root / f"coursegrader-{name}", "pids.max", str(max_processes))
        if path is not None:
            return path
    return None


def _new_group(path: Path, setting: str, value: str) -> Path | None:
    """A cgroup at ``path`` with ``setting`` written, or None (and no folder) if it cannot be made."""
    try:
        path.mkdir(exist_ok=True)
        (path / setting).write_text(value)
        return path
    except OSError:
        try:
            path.rmdir()
        except OSError:
            pass
    return None


def _make_memory_cgroup(pids_cgroup: Path | None, name: str, limit_mb: int) -> Path | None:
    """The job's memory cgroup, limited to ``limit_mb``: in cgroup v2 its pids cgroup, where the
    memory controller is on there; in v1 a group of its own nested in this process's memory
    cgroup (so that it stays inside whatever limit the grader runs under). None if neither."""
    if os.geteuid() != 0:
        return None
    if pids_cgroup is not None and (pids_cgroup / "cgroup.controllers").exists():  # v2
        try:
            (pids_cgroup / "memory.max").write_text(str(limit_mb * 2**20))
        except OSError:
            return None
        try:
            (pids_cgroup / "memory.swap.max").write_text("0")
        except OSError:
            pass  # no swap here
        return pids_cgroup
    own = _own_v1_memory_cgroup()
    if own is None:
        return None
    return _new_group(own / f"coursegrader-{name}", "memory.limit_in_bytes", str(limit_mb * 2**20))


def _own_v1_memory_cgroup() -> Path | None:
    """This process's cgroup in v1's memory tree, if there is one it may make groups in."""
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and "memory" in parts[1].split(","):
            folder = Path("/sys/fs/cgroup/memory") / parts[2].lstrip("/")
            if (folder / "cgroup.procs").exists() and os.access(folder, os.W_OK):
                return folder
    return None


def _cgroup_roots() -> list[Path]:
    """The writable cgroup folders with the pids controller (cgroup v1's pids tree, or v2's root)."""
    return [root for root in _PIDS_CGROUP_ROOTS
            if (root / "cgroup.procs").exists() and os.access(root, os.W_OK)
            and (root.name == "pids" or "pids" in _read(root / "cgroup.controllers").split())]


def sweep_stale_cgroups() -> list[Path]:
    """Remove the cgroups a killed grading run left behind: those whose grading process is gone
    and that hold no process. One with a process still in it is left alone."""
    removed = []
    roots = [*_cgroup_roots(), _own_v1_memory_cgroup()] if os.geteuid() == 0 else []
    for root in filter(None, roots):
        for path in root.glob("coursegrader-run*"):
            owner = _CGROUP_NAME.fullmatch(path.name)
            if owner is None or _alive(int(owner.group(1))) or _read(path / "cgroup.procs").strip():
                continue
            try:
                path.rmdir()
                removed.append(path)
            except OSError:  # a process joined after all, or another run removed it first
                pass
    return removed


_sweep_lock = threading.Lock()
_swept = False


def _sweep_once() -> None:
    """The first job of a grading process sweeps what killed runs left."""
    global _swept
    with _sweep_lock:
        if not _swept:
            _swept = True
            sweep_stale_cgroups()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
