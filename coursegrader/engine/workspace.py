"""The submission's scratch folder: who may reach it, and how much it may hold.

A submission writes only in its own folder. Its total size is bounded in one of two ways:
where the grader is root with CAP_SYS_ADMIN, the submission's process gets a mount namespace of
its own with a size-limited tmpfs on that folder (a write past the limit fails with "No space
left on device"); elsewhere ``DiskWatch``, on the grader's side, sums the folder's size a few
times a second and stops the submission when it goes over. RLIMIT_FSIZE bounds one file only.

Also here: the folder modes that keep one submission out of another's folder and out of what
the grader holds, when the submission runs as a user of its own (sandbox.py).
"""

import os
import re
import shutil
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from coursegrader.engine.libc import LIBC, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_REC, call

BLOCK = 4096  # every file or folder counts at least this much, so a million empty files is over the limit too
PASSABLE = 0o711  # others may pass through to a folder they know the name of, but not list it
WATCH_SECONDS = 0.2

_CLONE_NEWNS = 0x00020000


# --- folder modes (the grader's side) ---------------------------------------------------------

@contextmanager
def scratch_folder(prefix: str, passable: bool = True):
    """A temporary folder for a run's submission folders: passable (unless not ``passable``: then
    the owner's alone), not listable, removed at the end.

    Its name carries the grading process's pid and start time, so that what a run killed before
    it could clean up (SIGKILL, the OOM killer) leaves in the temporary folder, students'
    notebooks among it, is removed by the next run that starts on the machine (once per process
    and prefix: a Dask worker opens one per submission)."""
    with _sweep_lock:
        if prefix not in _swept:
            _swept.add(prefix)
            sweep_stale_scratch(prefix)
    with tempfile.TemporaryDirectory(prefix=f"{prefix}{_owner_mark(os.getpid())}-",
                                     ignore_cleanup_errors=True) as folder:
        os.chmod(folder, PASSABLE if passable else 0o700)
        yield Path(folder)


_sweep_lock = threading.Lock()
_swept: set[str] = set()


def sweep_stale_scratch(prefix: str) -> list[Path]:
    """Remove the scratch folders of ``prefix`` whose grading process is gone; folders of live
    runs, of other users, links and names of another shape are left alone."""
    removed = []
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.(\d+)-[^/]+")
    for path in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        owner = pattern.fullmatch(path.name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if owner is None or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            continue
        if _owner_mark(int(owner.group(1))) == f"{owner.group(1)}.{owner.group(2)}":
            continue  # its run is still going
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _owner_mark(pid: int) -> str:
    """``<pid>.<start time>``: a pid the kernel has given to a new process since does not match."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return f"{pid}.{fields[19]}"  # field 22 of proc(5): the start time, in clock ticks after boot
    except (OSError, IndexError):
        return f"{pid}.0"  # gone: matches no live run's folder (without /proc all look live: none is swept)


def keep_private(folder: Path) -> None:
    """``chmod -R go-rwx``: only the owner (root, for a grader running as root) may read the folder.

    For what a submission running as another user must not read where Landlock is missing: the
    autograder's source, the results folder, the submissions."""
    for parent, folders, files in os.walk(folder):
        for name in [*folders, *files]:
            _owner_only(os.path.join(parent, name))
    _owner_only(str(folder))


def _owner_only(path: str) -> None:
    info = os.lstat(path)
    if not stat.S_ISLNK(info.st_mode):
        os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)


def reachable_by_others(path: str, readable: bool = True) -> bool:
    """Whether a user with no group in common can reach ``path`` (every folder above it passable)
    and, if ``readable``, read it (list it, for a folder). Mode bits only, as the kernel checks them."""
    target = Path(path).resolve()
    try:
        for folder in target.parents:
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                return False
        mode = os.stat(target).st_mode
    except OSError:
        return False
    if not readable:
        return True
    wanted = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
    return mode & wanted == wanted


def hand_over(workdir: Path, uid: int, gid: int) -> None:
    """Give the submission's folder and what the grader staged in it to the submission's user."""
    for entry in os.scandir(workdir):
        os.chown(entry.path, uid, gid, follow_symlinks=False)
    os.chown(workdir, uid, gid)


# --- a private tmpfs (inside the submission's process, before any student code) --------------


def own_mount_namespace() -> None:
    """A mount namespace of this process's own, private, so no mount made here reaches the host."""
    call(LIBC.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    call(LIBC.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")


def mount_quota(workdir: Path, limit_mb: int, uid: int, gid: int) -> None:
    """A tmpfs of ``limit_mb`` (plus what the grader staged: the notebook's own bytes do not count)
    on ``workdir``, owned by the submission's user, holding copies of the staged files."""
    staged = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        names = [entry.name for entry in os.scandir(staged) if entry.is_file(follow_symlinks=False)]
        staged_bytes = sum(_rounded(os.stat(name, dir_fd=staged).st_size) for name in names)
        size = limit_mb * 2**20 + staged_bytes
        options = f"size={size},nr_inodes={size // BLOCK},mode=0700,uid={uid},gid={gid}"
        call(LIBC.mount(b"coursegrader", os.fsencode(workdir), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()),
              "mount tmpfs")
        for name in names:
            source = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=staged)
            target = os.open(workdir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(source, "rb", closefd=False) as reader, os.fdopen(target, "wb", closefd=False) as writer:
                    shutil.copyfileobj(reader, writer)
                os.fchown(target, uid, gid)
            finally:
                os.close(source)
                os.close(target)
    finally:
        os.close(staged)


def hide_other_processes() -> None:
    """A /proc of this namespace's own that shows a non-root process only its own user's processes
    (hidepid, Linux 5.8+; older kernels reject the option, and nothing is mounted)."""
    call(LIBC.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, b"hidepid=invisible"),
          "mount proc hidepid=invisible")


def reopen_for_others(paths: list[str]) -> None:
    """Make each path reachable by other users where a folder above it is closed (Python under
    /root, a scratch folder under a private temporary folder): in this mount namespace, the
    highest closed folder is covered by an empty, passable tmpfs and each path is bound back into
    place. Whatever else that folder held is out of sight."""
    wanted = sorted(set(paths))
    wanted = [p for p in wanted if not any(p.startswith(other + "/") for other in wanted)]  # the outermost suffice
    by_cover: dict[str, list[str]] = {}
    for path in wanted:
        closed = [str(f) for f in reversed(Path(path).parents) if not os.stat(f).st_mode & stat.S_IXOTH]
        if closed:
            by_cover.setdefault(closed[0], []).append(path)
    for cover, inside in by_cover.items():
        handles = [os.open(path, os.O_PATH | os.O_CLOEXEC) for path in inside]  # before the cover hides them
        try:
            call(LIBC.mount(b"coursegrader", os.fsencode(cover), b"tmpfs", MS_NOSUID | MS_NODEV,
                              f"size=1m,mode={PASSABLE:o}".encode()), f"mount tmpfs on {cover}")
            for path, handle in zip(inside, handles):
                target = Path(path)
                for folder in reversed(target.parents):
                    if len(folder.parts) > len(Path(cover).parts) and not folder.exists():
                        folder.mkdir(mode=PASSABLE)
                if os.path.isdir(f"/proc/self/fd/{handle}"):
                    target.mkdir(mode=PASSABLE)
                else:
                    target.touch(mode=0o600)
                call(LIBC.mount(f"/proc/self/fd/{handle}".encode(), os.fsencode(target), None, MS_BIND | MS_REC, None),
                      f"bind {path}")
        finally:
            for handle in handles:
                os.close(handle)


def _rounded(size: int) -> int:
    return max(BLOCK, -(-size // BLOCK) * BLOCK)


# --- the grader's watcher, where no tmpfs could be mounted ----------------------------------

def usage(folder: Path, stop_above: float) -> float:
    """Bytes the folder takes on disk, each entry at least a block; counting stops once above
    ``stop_above``. Whatever cannot be measured (a path too long, an unreadable folder) counts as
    over: the submission made it so. Symbolic links are never followed."""
    total, pending = 0, [str(folder)]
    while pending and total <= stop_above:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    info = entry.stat(follow_symlinks=False)
                    total += max(BLOCK, info.st_blocks * 512)
                    if stat.S_ISDIR(info.st_mode):
                        pending.append(entry.path)
        except FileNotFoundError:  # removed while we looked
            continue
        except OSError:
            return float("inf")
    return total


class DiskWatch:
    """Calls ``stop`` once the folder holds more than ``limit_mb`` beyond what it held at the start."""

    def __init__(self, folder: Path, limit_mb: int, stop):
        self.folder, self.stop = folder, stop
        self.limit = usage(folder, float("inf")) + limit_mb * 2**20
        self.tripped = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(WATCH_SECONDS):
            if usage(self.folder, self.limit) > self.limit:
                self.tripped = True
                self.stop()
                return

    def close(self) -> bool:
        """Stop watching; True if the folder went over the limit (looked at once more now)."""
        self._done.set()
        self._thread.join()
        if not self.tripped and usage(self.folder, self.limit) > self.limit:
            self.tripped = True
        return self.tripped
