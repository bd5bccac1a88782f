"""Kernel objects that outlive the process that made them, and how no submission keeps one.

A process can leave behind, for a later submission or any local user to read: System V shared
memory segments, message queues and semaphore sets; POSIX message queues; files in the
world-writable folders (/dev/shm, where POSIX shared memory and named semaphores live,
/dev/mqueue, /tmp, /var/tmp); and processes that left its process group. Three walls close it:

- inside the submission's process, as root before it drops privileges, an IPC namespace of its
  own (``own_ipc_namespace``): its System V objects and POSIX message queues exist only there and
  are destroyed with its last process; with a mount namespace also a /dev/shm and a /dev/mqueue
  of its own (``own_shared_memory_folders``), gone with it too;
- where no IPC namespace could be made, the seccomp filter denies every System V and POSIX
  message-queue call (``seccomp.IPC_CALLS``), so no object is made or reached by its id;
- on the grader's side, once the submission has been killed and before its pid is reaped (its
  user id is 2**30 + that pid, so no later submission has it yet), ``sweep`` kills every process
  of its user id and removes every System V object and every file of the world-writable folders
  it owns. Only a user id of the submission's own is swept: never the grader's, never nobody's.
"""

import os
import shutil
import signal
import stat
import time
from pathlib import Path

from coursegrader.engine.libc import LIBC, MS_NODEV, MS_NOEXEC, MS_NOSUID, call

_CLONE_NEWIPC = 0x08000000
_IPC_RMID = 0
SHARED_FOLDERS = ("/dev/shm", "/dev/mqueue", "/tmp", "/var/tmp")  # every user may create entries there
_SYSV_TABLES = {"shm": "shmid", "msg": "msqid", "sem": "semid"}  # /proc/sysvipc/<table>: its id column
_DEPTH = 3  # world-writable folders inside those (/tmp/.X11-unix) are searched this deep



# --- inside the submission's process, before any student code -------------------------------

def own_ipc_namespace() -> None:
    """System V objects and POSIX message queues of this process's own (needs CAP_SYS_ADMIN)."""
    call(LIBC.unshare(_CLONE_NEWIPC), "unshare(CLONE_NEWIPC)")


def own_shared_memory_folders(size_mb: int, ipc_namespace: bool) -> str | None:
    """In this process's mount namespace: an empty tmpfs of ``size_mb`` on /dev/shm (1777, as
    the system's), and, with an IPC namespace, that namespace's own queue folder on /dev/mqueue
    where the system has one. Returns a note for the record when /dev/mqueue was covered too."""
    options = f"size={size_mb * 2**20},mode=1777".encode()
    call(LIBC.mount(b"coursegrader", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options),
          "mount tmpfs on /dev/shm")
    if ipc_namespace and os.path.isdir("/dev/mqueue"):
        call(LIBC.mount(b"mqueue", b"/dev/mqueue", b"mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, None),
              "mount mqueue on /dev/mqueue")
        return "and /dev/mqueue"
    return None


# --- on the grader's side, after the submission -----------------------------------------------

def sweep(uid: int) -> list[str]:
    """Kill every process of ``uid`` and remove what it owns that outlives a process. Returns a
    line per kind of thing found (none when it left nothing), for the record."""
    found = []
    killed = _kill_processes(uid)
    if killed:
        found.append(f"{killed} processes")
    for table, count in _remove_sysv(uid).items():
        found.append(f"{count} System V {table}")
    files = sum(_remove_owned(Path(folder), uid, _DEPTH) for folder in SHARED_FOLDERS)
    if files:
        found.append(f"{files} files in shared folders")
    return found


def _kill_processes(uid: int) -> int:
    """SIGKILL every process whose real or effective user is ``uid``, until none is left (one may
    fork while we look)."""
    killed = set()
    for _ in range(50):
        pids = owned_processes(uid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    return len(killed)


def owned_processes(uid: int) -> list[int]:
    """Live processes (not zombies) whose real or effective user id is ``uid``."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
        except OSError:
            continue
        state, ids = _field(status, "State"), _field(status, "Uid").split()
        if state[:1] != "Z" and str(uid) in ids[:2]:
            pids.append(int(entry.name))
    return pids


def _field(status: str, name: str) -> str:
    """One field of /proc/<pid>/status ("" if absent): found, not parsed into all ~55 of them
    (this runs for every process on the machine after every submission)."""
    text = "\n" + status
    at = text.find(f"\n{name}:")
    if at < 0:
        return ""
    end = text.find("\n", at + 1)
    return text[at + len(name) + 2: end if end >= 0 else None].strip()


def sysv_objects(uid: int) -> dict[str, list[int]]:
    """The ids of the System V objects of this IPC namespace owned or made by ``uid``, by table."""
    found = {}
    for table, id_column in _SYSV_TABLES.items():
        try:
            lines = Path(f"/proc/sysvipc/{table}").read_text().splitlines()
        except OSError:
            continue
        if not lines:
            continue
        header = lines[0].split()
        for line in lines[1:]:
            row = dict(zip(header, line.split()))
            if str(uid) in (row.get("uid"), row.get("cuid")):
                found.setdefault(table, []).append(int(row[id_column]))
    return found


def _remove_sysv(uid: int) -> dict[str, int]:
    removed = {}
    for table, ids in sysv_objects(uid).items():
        remove = {"shm": lambda i: LIBC.shmctl(i, _IPC_RMID, None), "msg": lambda i: LIBC.msgctl(i, _IPC_RMID, None),
                  "sem": lambda i: LIBC.semctl(i, 0, _IPC_RMID)}[table]
        removed[table] = sum(1 for object_id in ids if remove(object_id) == 0)
    return removed


def owned_files(folder: Path, uid: int, depth: int = _DEPTH) -> list[Path]:
    """Entries of ``folder`` owned by ``uid``, looking inside world-writable folders ``depth`` deep."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if info.st_uid == uid:
            found.append(Path(entry.path))
        elif depth > 0 and stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_IWOTH:
            found.extend(owned_files(Path(entry.path), uid, depth - 1))
    return found


def _remove_owned(folder: Path, uid: int, depth: int) -> int:
    count = 0
    for path in owned_files(folder, uid, depth):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            count += 1
        except OSError:
            pass
    return count
