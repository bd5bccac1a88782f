"""The walls around a submission's process, each shown on its own with the others left out
(``COURSEGRADER_WITHOUT``), through real forked submission processes of a real fork server.

A probe cell writes what it managed to do into a report folder every user may write (so Landlock
is left out where a probe must report); the grader's verdicts and the report are both checked.
The uid wall needs a grader running as root, as Gradescope runs it.
"""

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from gradescope_harness import environment, gradescope_tree, log_of, results_of, run_autograder
from helpers import ASSIGNMENT, ROOT, package_grade
from hostile_cases import spread_memory
from coursegrader.engine import landlock
from coursegrader.engine import sandbox
from coursegrader.engine.forkserver import ForkServer
from coursegrader.engine.assignment import Assignment
from coursegrader.engine.judging import grade_submission
from coursegrader.core.messages import DISK_LIMIT
from coursegrader.engine.sandbox import Limits, submission_environment
from coursegrader.engine.workspace import keep_private, scratch_folder
from coursegrader.inputs.submissions import Submission

pytestmark = pytest.mark.slow  # every test here starts a real fork server and sandboxed submission processes

SECRET_NAME = "COURSEGRADER_TEST_SECRET"
SECRET = f"secret-{uuid.uuid4().hex}"
SHARED = "/tmp"  # every user may pass through it: where probes report and the open copy lies
as_root = pytest.mark.root  # the uid wall and the mounts need a grader running as root


class Grading:
    """A fork server started from a grader whose environment holds a secret, and the assignment
    read from an autograder copy in a folder made root-only, as on Gradescope."""

    def __init__(self, server, assignment, source: Path, open_copy: Path, course):
        self.server, self.assignment, self.source, self.open_copy, self.course = server, assignment, source, open_copy, course

    def grade(self, notebook: Path, scratch: Path):
        limits = Limits.from_course(self.course)
        return grade_submission(self.server, self.assignment, Submission(notebook.stem, notebook), scratch, limits)


@pytest.fixture(scope="module")
def grading(course):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_NAME, SECRET)
        # unpacked as root unpacks it (umask 022: everyone may read), then made root-only
        source = Path(tempfile.mkdtemp(prefix="coursegrader-source-", dir=SHARED))
        open_copy = Path(tempfile.mkdtemp(prefix="coursegrader-open-", dir=SHARED))
        try:
            for folder in (source, open_copy):
                folder.chmod(0o755)
                shutil.copy(course.autograder(ASSIGNMENT), folder / "autograder.zip")
                with zipfile.ZipFile(folder / "autograder.zip") as archive:
                    archive.extract("tests/w1.py", folder)
                for path in [folder, *folder.rglob("*")]:
                    path.chmod(0o755 if path.is_dir() else 0o644)
            keep_private(source)
            assignment = Assignment.from_autograder(source / "autograder.zip")
            with ForkServer() as server:
                yield Grading(server, assignment, source, open_copy, course)
        finally:
            shutil.rmtree(source)
            shutil.rmtree(open_copy)


def report_folder() -> Path:
    """A folder every user may write, where a probe cell says what it could do. It lies inside a
    folder of root's that only root may write: the grader removes whatever a submission's user
    leaves in world-writable folders (/tmp and those in it), and would take the report with it."""
    outer = Path(tempfile.mkdtemp(prefix="coursegrader-report-", dir=SHARED))
    outer.chmod(0o755)
    folder = outer / "open"
    folder.mkdir()
    folder.chmod(0o1777)
    return folder


@pytest.fixture
def report():
    folder = report_folder()
    yield folder
    shutil.rmtree(folder.parent)


def with_cell(base: Path, source: str, folder: Path, name: str) -> Path:
    """``base`` with a code cell right after the w1 answer (before its check: it counts for w1)."""
    notebook = nbformat.read(base, as_version=4)
    at = next(i for i, cell in enumerate(notebook.cells) if "w1" in cell.get("metadata", {}).get("tags", []))
    notebook.cells.insert(at + 1, nbformat.v4.new_code_cell(source))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def read_report(folder: Path, name: str = "report.json") -> dict:
    path = folder / name
    assert path.is_file(), "the probe cell did not run to its end"
    return json.loads(path.read_text())


ATTEMPT = """
import json, os
report = {}
def attempt(name, action):
    try:
        action()
        report[name] = "done"
    except OSError as error:
        report[name] = type(error).__name__ if error.errno is None else error.errno
"""

READER = ATTEMPT + """
import errno
def read(path):
    with open(path, 'rb') as handle:
        return handle.read(100)
for name, path in TARGETS.items():
    attempt(name, lambda: read(path))
attempt('list other workdir', lambda: os.listdir(OTHER_WORKDIR))
def read_mem(pid):  # at the first mapped address, when the maps can be read at all
    with open(f'/proc/{pid}/maps') as maps:
        first = maps.readline()
    if not first:
        return b''
    start = int(first.split('-')[0], 16)
    with open(f'/proc/{pid}/mem', 'rb') as memory:
        memory.seek(start)
        return memory.read(16)
own = {str(os.getpid()), 'self', 'thread-self'}
others = [pid for pid in os.listdir('/proc') if pid.isdigit() and pid not in own]
for entry in ('environ', 'maps', 'mem'):  # of every other process on the machine
    readable = []
    for pid in others:
        try:
            if read(f'/proc/{pid}/{entry}') if entry != 'mem' else read_mem(pid):
                readable.append(pid)  # a kernel thread opens, but has nothing to read
        except OSError:
            pass
    report[f'other processes whose {entry} is readable'] = readable
attempt('signal the grader', lambda: os.kill(GRADER, 0))
json.dump(report, open(REPORT, 'w'))
leaked = [name for name, seen in report.items() if name != 'open copy' and seen not in ([], errno.EACCES, errno.EPERM)]
import torch
# the right w1 answer only if something was read: w1 scoring 0 shows nothing was
grad_w1 = torch.arange(4.0) * (4 if leaked else 0)
"""

WAITER = """
import os, time
open('secret-of-a.txt', 'w').write('mine')
open(READY, 'w').close()
deadline = time.monotonic() + 100
while not os.path.exists(RELEASE) and time.monotonic() < deadline:
    time.sleep(0.05)
"""


@as_root
def test_without_landlock_a_submission_reads_nothing_the_grader_holds(grading, report, monkeypatch, tmp_path):
    """Landlock and the hidden /proc left out: only the uid wall stands between the submission and
    the grader's files, another submission's folder, and every other process's /proc entries."""
    monkeypatch.setenv(sandbox.WITHOUT_VARIABLE, "landlock,proc")
    release = grading.course.release(ASSIGNMENT)
    with scratch_folder("coursegrader-walls-") as scratch, ThreadPoolExecutor(1) as pool:
        waiter = with_cell(release, WAITER.replace("READY", repr(str(report / "a-ready")))
                           .replace("RELEASE", repr(str(report / "release"))), tmp_path / "a", "a")
        first = pool.submit(grading.grade, waiter, scratch / "a")
        deadline = time.monotonic() + 120
        while not (report / "a-ready").exists() and time.monotonic() < deadline and not first.done():
            time.sleep(0.05)
        assert (report / "a-ready").exists(), first.result()
        targets = {"autograder zip": grading.source / "autograder.zip", "tests file": grading.source / "tests" / "w1.py",
                   "other workdir's file": scratch / "a" / "work" / "secret-of-a.txt",
                   "other workdir's notebook": scratch / "a" / "work" / grading.assignment.notebook_name,
                   "open copy": grading.open_copy / "tests" / "w1.py"}
        probe = (READER.replace("TARGETS", repr({k: str(v) for k, v in targets.items()}))
                 .replace("OTHER_WORKDIR", repr(str(scratch / "a" / "work"))).replace("GRADER", str(os.getpid()))
                 .replace("REPORT", repr(str(report / "report.json"))))
        reader = grading.grade(with_cell(release, probe, tmp_path / "b", "b"), scratch / "b")
        (report / "release").touch()
        waiting = first.result()
    seen = read_report(report)
    assert seen.pop("open copy") == "done"  # reads work: what follows is the walls' doing, not a broken probe
    denied = {"autograder zip": errno.EACCES, "tests file": errno.EACCES, "other workdir's file": errno.EACCES,
              "other workdir's notebook": errno.EACCES, "list other workdir": errno.EACCES,
              "signal the grader": errno.EPERM, **{f"other processes whose {entry} is readable": []
                                                    for entry in ("environ", "maps", "mem")}}
    assert seen == denied
    assert reader.status == "ok" and reader.total == 0, reader
    assert "own user id" in reader.walls and any(w.startswith("landlock (left out") for w in reader.missing_walls)
    assert waiting.status == "ok", waiting


SOCKETS = ATTEMPT + """
import ctypes, socket, threading
attempt('udp', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'leak', ('127.0.0.1', UDP_PORT)))
attempt('tcp', lambda: socket.create_connection(('127.0.0.1', TCP_PORT), timeout=5))
attempt('udp over ipv6', lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM))
attempt('unix pathname', lambda: socket.socket(socket.AF_UNIX).connect(UNIX_PATH))
attempt('unix abstract', lambda: socket.socket(socket.AF_UNIX).connect(ABSTRACT))
attempt('unix datagram', lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
attempt('socketpair', socket.socketpair)
attempt('netlink', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))
attempt('packet', lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))
libc = ctypes.CDLL(None, use_errno=True)
def syscall(number, *args):
    def call():
        if libc.syscall(number, *args) == -1:
            raise OSError(ctypes.get_errno(), 'refused')
    return call
attempt('io_uring_setup', syscall(425, 8, ctypes.create_string_buffer(120)))
attempt('ptrace', syscall(101, 0, 0, 0, 0))  # PTRACE_TRACEME
attempt('process_vm_readv', syscall(310, os.getppid(), 0, 0, 0, 0, 0))
attempt('unshare a user namespace', syscall(272, 0x10000000))
thread = threading.Thread(target=lambda: None)
attempt('a thread', lambda: (thread.start(), thread.join()))
def fork():
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
attempt('a child process', fork)
json.dump(report, open(REPORT, 'w'))
"""


@as_root
def test_without_landlock_no_new_socket_of_any_family(grading, report, monkeypatch, tmp_path):
    """seccomp alone (Landlock left out): every new socket fails with EPERM, and so do io_uring,
    ptrace and new namespaces; threads, child processes and the socket to the grader still work."""
    monkeypatch.setenv(sandbox.WITHOUT_VARIABLE, os.environ.get("XW", "landlock"))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp = socket.create_server(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(report / "listener"))
    os.chmod(report / "listener", 0o777)
    unix.listen()
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0coursegrader-{uuid.uuid4().hex}")
    abstract.listen()
    listeners = [udp, tcp, unix, abstract]
    try:
        udp.bind(("127.0.0.1", 0))
        probe = (SOCKETS.replace("UDP_PORT", str(udp.getsockname()[1])).replace("TCP_PORT", str(tcp.getsockname()[1]))
                 .replace("UNIX_PATH", repr(str(report / "listener"))).replace("ABSTRACT", repr(abstract.getsockname()))
                 .replace("REPORT", repr(str(report / "report.json"))))
        with scratch_folder("coursegrader-walls-") as scratch:
            graded = grading.grade(with_cell(grading.course.solution(ASSIGNMENT), probe, tmp_path, "sockets"), scratch / "s")
        for listener in listeners:
            listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            udp.recv(100)
        for listener in (tcp, unix, abstract):
            with pytest.raises(BlockingIOError):
                listener.accept()
    finally:
        for listener in listeners:
            listener.close()
    seen = read_report(report)
    assert seen.pop("a thread") == "done" and seen.pop("a child process") == "done", seen
    assert seen == {name: errno.EPERM for name in seen} and len(seen) == 13, seen
    assert graded.status == "ok" and graded.total == 24, graded  # torch, matplotlib, IPython under the filter
    assert "seccomp" in graded.walls


ENVIRONMENT = """
import json, os
json.dump({'environ': dict(os.environ), 'cwd': os.getcwd(),
           'exec environ': open('/proc/self/environ', 'rb').read().decode('utf-8', 'replace')}, open(REPORT, 'w'))
"""


@as_root
def test_the_environment_holds_no_grader_variable(grading, report, monkeypatch, tmp_path):
    """The grader's secret and its COURSEGRADER_WITHOUT are in neither os.environ nor
    /proc/self/environ (the environment the fork server was started with)."""
    monkeypatch.setenv(sandbox.WITHOUT_VARIABLE, os.environ.get("XW", "landlock"))
    probe = ENVIRONMENT.replace("REPORT", repr(str(report / "report.json")))
    with scratch_folder("coursegrader-walls-") as scratch:
        graded = grading.grade(with_cell(grading.course.release(ASSIGNMENT), probe, tmp_path, "environment"), scratch / "s")
    seen = read_report(report)
    assert graded.status == "ok", graded
    assert os.environ[SECRET_NAME] == SECRET  # the grader has it ...
    assert SECRET not in json.dumps(seen) and SECRET_NAME not in json.dumps(seen)  # ... the submission does not
    assert set(seen["environ"]) == set(submission_environment(Path("/x")))
    assert sandbox.WITHOUT_VARIABLE not in seen["exec environ"]
    assert seen["environ"]["HOME"] == seen["environ"]["TMPDIR"] == seen["environ"]["MPLCONFIGDIR"] == seen["cwd"]



@as_root
def test_on_gradescope_the_environment_holds_no_grader_variable(course, report, tmp_path):
    """The Gradescope route forks its fork server from its own process (ForkServer.forked_here),
    which was started with the grader's environment: that environment is no more in the
    submission's os.environ or /proc/self/environ than in a batch."""
    probe = ENVIRONMENT.replace("REPORT", repr(str(report / "report.json")))
    upload = with_cell(course.release(ASSIGNMENT), probe, tmp_path, "environment")
    root = gradescope_tree(tmp_path / "root", course.autograder(ASSIGNMENT), {"environment.ipynb": upload.read_bytes()})
    env = {**environment(root), SECRET_NAME: SECRET, sandbox.WITHOUT_VARIABLE: "landlock"}
    assert run_autograder(root, "--timeout", "120", env=env).returncode == 0
    assert results_of(root)["extra_data"]["status"] == "ok" and "started apart" not in log_of(root)  # forked there
    seen = read_report(report)
    assert SECRET not in json.dumps(seen) and SECRET_NAME not in json.dumps(seen)
    assert sandbox.WITHOUT_VARIABLE not in seen["exec environ"] and not seen["exec environ"].strip("\0")
    assert set(seen["environ"]) == set(submission_environment(Path("/x")))

# Tries to lower its oom_score_adj; w1 gets its right answer only if the value stayed 1000 (every
# wall is up, so the cell cannot write a report: the score is the report).
FIRST_TO_GO = """
import torch
def lower():
    with open('/proc/self/oom_score_adj', 'w') as handle:
        handle.write('0')
try:
    lower()
    refused = False
except PermissionError:
    refused = True
kept = open('/proc/self/oom_score_adj').read().strip() == '1000'
grad_w1 = torch.arange(4.0) * (4 if refused and kept else 0)
"""


@as_root
@pytest.mark.skipif(landlock.abi_version() < 1, reason="this kernel has no Landlock")
def test_the_submission_is_the_first_to_go_and_cannot_lower_it(grading, monkeypatch, tmp_path):
    """oom_score_adj 1000: the kernel's first choice when memory runs out. Landlock keeps the
    submission from writing /proc, so it cannot lower it (root here, as in Docker, lacks the
    CAP_SYS_RESOURCE that would make 1000 a floor of its own)."""
    monkeypatch.delenv(sandbox.WITHOUT_VARIABLE, raising=False)
    with scratch_folder("coursegrader-walls-") as scratch:
        graded = grading.grade(with_cell(grading.course.release(ASSIGNMENT), FIRST_TO_GO, tmp_path, "first-to-go"), scratch / "s")
    assert graded.status == "ok", graded
    assert "first to go when memory runs out (oom_score_adj 1000)" in graded.walls
    assert graded.total == 1, graded  # w1 alone: the value stayed


# Memory no single process's RLIMIT_AS sees, 1 GB or more of it: fresh interpreters (exec) each
# writing 50 MB and waiting; files in memory (memfd) written and never mapped, which count neither
# in RLIMIT_AS nor in what the kernel's OOM killer weighs a process by.
SPREAD = spread_memory(20, 12)
MEMORY_FILES = """
import os
held = []
for index in range(80):
    held.append(os.memfd_create(f'held-{index}'))
    for _ in range(15):
        os.write(held[-1], b'x' * 2**20)
"""


@as_root
@pytest.mark.parametrize("attack", ["SPREAD", "MEMORY_FILES"])
@pytest.mark.parametrize("without", ["", "memory"])
def test_memory_past_each_process_limit_stops_at_the_jobs_memory_cgroup(grading, monkeypatch, tmp_path, without, attack):
    """The job's memory cgroup holds all its processes to one limit (MEMORY_LIMIT_MB, its disk
    quota and copied pages): past it the kernel kills within the job, the submission crashes where
    it was; left out, this machine holds the gigabyte and the submission scores as the solution."""
    if without == "" and sandbox._own_v1_memory_cgroup() is None and not any(
            "memory" in sandbox._read(root / "cgroup.subtree_control").split() for root in sandbox._cgroup_roots()):
        pytest.skip("no memory cgroup here")
    monkeypatch.setenv(sandbox.WITHOUT_VARIABLE, without)
    notebook = with_cell(grading.course.solution(ASSIGNMENT), globals()[attack], tmp_path, attack)
    with scratch_folder("coursegrader-walls-") as scratch:
        graded = grading.grade(notebook, scratch / "s")
    if without:
        assert (graded.status, graded.total) == ("ok", 24), graded
        assert any(wall.startswith("memory cgroup (left out") for wall in graded.missing_walls)
    else:
        assert "memory cgroup" in graded.walls
        assert graded.status == "crashed" and "(killed)" in graded.message, graded


# 24 threads alive at once, each allocating: w1 gets its right answer only if all of them started.
THREADS = """
import threading, torch
together = threading.Barrier(25)
def work():
    held = [bytearray(2000) for _ in range(100)]
    together.wait(timeout=60)
threads = [threading.Thread(target=work) for _ in range(24)]
for thread in threads:
    thread.start()
together.wait(timeout=60)
for thread in threads:
    thread.join()
grad_w1 = torch.arange(4.0) * 4
"""


@as_root
def test_threads_up_to_the_process_limit_fit_in_the_memory_limit(grading, monkeypatch, tmp_path):
    """PROCESS_LIMIT counts threads; each thread's address space counts in MEMORY_LIMIT_MB (an
    RLIMIT_AS). With a malloc arena of its own per thread (64 MB reserved each) a notebook could
    start 7 (server_environment.WARM_ENVIRONMENT: MALLOC_ARENA_MAX)."""
    monkeypatch.delenv(sandbox.WITHOUT_VARIABLE, raising=False)
    assert grading.course.PROCESS_LIMIT >= 26  # the 24, the main thread and one of the runner's
    with scratch_folder("coursegrader-walls-") as scratch:
        graded = grading.grade(with_cell(grading.course.release(ASSIGNMENT), THREADS, tmp_path, "threads"), scratch / "s")
    assert (graded.status, graded.total) == ("ok", 1), graded


# The submission's process ends while a child it forked (so holding the grader's socket too) sleeps.
ENDS_BESIDE_A_CHILD = """
import os, time
if os.fork() == 0:
    time.sleep(120)
    os._exit(0)
os._exit(3)
"""


def test_a_process_that_ends_beside_its_children_is_crashed_at_once(grading, tmp_path):
    """Its children keep the conversation open: the grader sees the end from its fork server, not
    from the socket, and does not wait for them (or for SUBMISSION_TIMEOUT_SECONDS)."""
    notebook = with_cell(grading.course.solution(ASSIGNMENT), ENDS_BESIDE_A_CHILD, tmp_path, "ends")
    with scratch_folder("coursegrader-walls-") as scratch:
        graded = grading.grade(notebook, scratch / "s")
    assert graded.status == "crashed" and "(exit code 3)" in graded.message, graded
    assert graded.seconds < 60, graded.seconds  # the child sleeps 120 s


FILL_THE_DISK = """
for index in range(100):
    with open(f'filler-{index}', 'wb') as handle:
        handle.write(b'x' * 15 * 2**20)  # each file under OUTPUT_LIMIT_MB: only the total is over
"""


@as_root
@pytest.mark.parametrize("without", ["", "quota"])
def test_many_files_stop_at_the_disk_quota(grading, monkeypatch, tmp_path, without):
    """100 files of 15 MB: with a tmpfs quota the writes fail and grading goes on; with the
    grader's watcher (the tmpfs left out) the submission is stopped. Status output-limit either way."""
    monkeypatch.setenv(sandbox.WITHOUT_VARIABLE, without)
    notebook = with_cell(grading.course.solution(ASSIGNMENT), FILL_THE_DISK, tmp_path, "filler")
    with scratch_folder("coursegrader-walls-") as scratch:
        graded = grading.grade(notebook, scratch / "s")
    assert graded.status == "output-limit", graded
    if without:
        assert graded.message == DISK_LIMIT
        assert any("disk quota (tmpfs) (left out" in w and "watcher" in w for w in graded.missing_walls)
    else:
        assert "disk quota (tmpfs)" in graded.walls
        assert graded.total == 24, graded  # only the writes past the quota failed
        assert "OSError" in graded.message


def test_an_unknown_wall_name_is_the_graders_error(grading, monkeypatch, tmp_path):
    monkeypatch.setenv(sandbox.WITHOUT_VARIABLE, "landlock,moat")
    with scratch_folder("coursegrader-walls-") as scratch:
        graded = grading.grade(grading.course.release(ASSIGNMENT).resolve(), scratch / "s")
    assert graded.status == "error" and "moat" in graded.message and "landlock" in graded.message


@as_root
@pytest.mark.skipif(landlock.abi_version() < 1, reason="this kernel has no Landlock")
def test_the_solution_scores_full_marks_with_every_wall(course, tmp_path, monkeypatch):
    monkeypatch.delenv(sandbox.WITHOUT_VARIABLE, raising=False)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(course.solution(ASSIGNMENT), folder / "solution.ipynb")
    grades = package_grade([folder], tmp_path / "out")
    assert grades["solution"]["status"] == "ok" and float(grades["solution"]["total"]) == 24
    record = json.loads((grades.out / "results" / "solution" / "graded.json").read_text())
    assert record["missing_walls"] == []
    for wall in ("first to go when memory runs out (oom_score_adj 1000)", "pids cgroup", "mount namespace", "disk quota (tmpfs)", "hidden /proc", "IPC namespace", "own /dev/shm",
                 "rlimits", "own user id", "clean environment", "seccomp", "disk watcher", "leftovers swept"):
        assert wall in record["walls"], (wall, record["walls"])
    assert any(w.startswith("landlock") for w in record["walls"])


SLEEPER = "import time\ntime.sleep(100)"


def _procs(cgroup: Path) -> str:
    try:
        return (cgroup / "cgroup.procs").read_text().strip()
    except OSError:
        return ""


@as_root
@pytest.mark.skipif(not sandbox._cgroup_roots(), reason="no writable pids cgroup tree")
def test_a_killed_runs_empty_cgroups_are_swept_by_the_next_run(course, tmp_path):
    root = sandbox._cgroup_roots()[0]
    notebook = with_cell(course.release(ASSIGNMENT), SLEEPER, tmp_path / "in", "sleeper")
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(notebook),
               "--out", str(tmp_path / "killed")]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    left = []
    while not left and time.monotonic() < deadline and run.poll() is None:
        left = [c for c in root.glob(f"coursegrader-run{run.pid}-*") if _procs(c)]
        time.sleep(0.1)
    assert left, "the run's submission never joined its cgroup"
    os.killpg(run.pid, signal.SIGKILL)  # the grader and its fork server, mid-submission
    run.wait()
    killed = time.monotonic()
    while _procs(left[0]) and time.monotonic() < deadline:  # the submission dies with its fork server
        time.sleep(0.1)
    assert left[0].is_dir() and not _procs(left[0]), "a killed run leaves an empty cgroup behind"
    assert time.monotonic() - killed < 10, "the sleeping submission outlived its grader"

    busy = root / f"coursegrader-run{run.pid}-{uuid.uuid4().hex[:12]}"  # a killed run's, with a process still in it
    ours = root / f"coursegrader-run{os.getpid()}-{uuid.uuid4().hex[:12]}"  # a live grader's, empty for now
    sleeper = subprocess.Popen(["sleep", "300"])
    try:
        busy.mkdir()
        ours.mkdir()
        (busy / "cgroup.procs").write_text(str(sleeper.pid))
        package_grade([course.release(ASSIGNMENT)], tmp_path / "next")
        assert not left[0].exists(), "the next run sweeps it"
        assert busy.is_dir() and ours.is_dir(), "a cgroup with a process in it, or of a live run, stays"
    finally:
        sleeper.kill()
        sleeper.wait()
        for cgroup in (busy, ours):
            for _ in range(50):
                try:
                    cgroup.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


LIBRARY_FOUND_ONCE = r"""
import ctypes.util, os, sys
from coursegrader.engine import seccomp
seccomp.preload()  # as the fork server does before it forks anything
def looked_up(name):
    raise AssertionError("a forked process looked libseccomp up again")
ctypes.util.find_library = looked_up
pid = os.fork()
if pid == 0:
    try:
        seccomp.deny_new_sockets()
        os._exit(0)
    except BaseException as error:
        print(repr(error), file=sys.stderr)
        os._exit(1)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


def test_a_submissions_process_loads_the_seccomp_filter_without_looking_for_libseccomp():
    """find_library runs `ldconfig -p` (a fork and an exec of a process the fork server's size):
    the fork server finds the library once, and each submission's process only uses it."""
    done = subprocess.run([sys.executable, "-c", LIBRARY_FOUND_ONCE], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
