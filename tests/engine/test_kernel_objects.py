"""Kernel objects that outlive a process: no submission reaches another's, and none is left.

A writer (tests/hostile_cases.py) makes every kind of object a later process could find (System
V shared memory, queue and semaphores open to every user, a POSIX message queue, files in
/dev/shm, /tmp and /var/tmp, a key, a process of its own session holding an abstract socket) and
copies each hidden check's observe code and probes into them; a reader graded after it in the
same batch (one worker: the writer is done first) looks for them all and earns w1's points only
if it found anything. Graded by `python -m coursegrader grade`, as root, with every wall and with
walls left out, so that each wall that closes the class is shown on its own. After each batch no
object of either submission is left: processes, System V objects, files.
"""

import json
import os
import shutil
import uuid
from pathlib import Path

import nbformat
import pytest

from coursegrader.engine import sandbox
from helpers import ASSIGNMENT, leaked_lines, package_grade
from hostile_cases import kernel_object_cases
from test_sandbox_walls import report_folder, with_cell

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.geteuid() != 0, reason="own user ids and namespaces need root")]


SHARED_FOLDERS = ("/dev/shm", "/dev/mqueue", "/tmp", "/var/tmp")


def leftovers(mark: str) -> dict:
    """Whatever carries ``mark`` that is still there: processes, System V objects, files."""
    key = int(mark[-6:], 16)
    processes = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark.encode() in (entry / "cmdline").read_bytes():
                processes.append(entry.name)
        except OSError:
            pass
    sysv = []
    for table in ("shm", "msg", "sem"):
        lines = Path(f"/proc/sysvipc/{table}").read_text().splitlines()
        sysv += [f"{table} {line.split()[0]}" for line in lines[1:] if int(line.split()[0]) in (key, key + 1, key + 2)]
    files = [f"{folder}/{mark}" for folder in SHARED_FOLDERS if os.path.lexists(f"{folder}/{mark}")]
    return {"processes": processes, "sysv": sysv, "files": files}


def _remove(mark: str) -> None:
    """Clean up by hand after a failed test, so one failure does not leak into the next run."""
    found = leftovers(mark)
    for pid in found["processes"]:
        try:
            os.kill(int(pid), 9)
        except OSError:
            pass
    for path in found["files"]:
        Path(path).unlink(missing_ok=True)
    key = int(mark[-6:], 16)
    for table, id_column in (("shm", "shmid"), ("msg", "msqid"), ("sem", "semid")):
        lines = Path(f"/proc/sysvipc/{table}").read_text().splitlines()
        header = lines[0].split()
        for line in lines[1:]:
            row = dict(zip(header, line.split()))
            if int(row["key"]) in (key, key + 1, key + 2):
                os.system(f"ipcrm -{table[0]} {row[id_column]} 2>/dev/null")


# walls left out -> (what the writer must have managed to make, where it can report it)
VARIANTS = {
    "": None,  # every wall: Landlock keeps the writer from reporting
    "ipc,shm": None,  # no IPC namespace: seccomp denies System V IPC and message queues
    "ipc,shm,landlock,cgroup": {"files": "done", "holder": "done"},  # files and an escaped process: the sweep
    "ipc,shm,landlock,cgroup,seccomp": {"shm": "done", "msg": "done", "sem": "done", "files": "done", "holder": "done"},
}


@pytest.mark.parametrize("without", list(VARIANTS))
def test_no_submission_reaches_what_another_left_and_nothing_is_left(course, tmp_path, monkeypatch, without,
                                                                     hidden_test_lines):
    mark = f"cg-ipc-{uuid.uuid4().hex[:12]}"
    reports = report_folder()
    writer, reader = kernel_object_cases(mark, str(reports / "report"))
    if "seccomp" in without and not os.path.isdir("/dev/mqueue"):
        # without an IPC namespace and seccomp, a POSIX queue lives where the grader cannot list
        # it (no /dev/mqueue here): the class the docs name as open on such a machine
        writer = writer.replace("('mq', mq), ", "")
        reader = reader.replace("('mq', mq), ", "")
    if "seccomp" in without:  # a key: only seccomp closes it (see docs/sandbox.md)
        writer = writer.replace("('key', key),", "")
    folder = tmp_path / "in"
    with_cell(course.solution(ASSIGNMENT), writer, folder, "a_writer")
    with_cell(course.release(ASSIGNMENT), reader, folder, "b_reader")
    monkeypatch.setenv(sandbox.WITHOUT_VARIABLE, without)
    try:
        grades = package_grade([folder], tmp_path / "out", "--workers", "1")
        left = leftovers(mark)
        made = _report(reports, "writer")
        found = _report(reports, "reader")
    finally:
        _remove(mark)
        shutil.rmtree(reports.parent)
    assert grades["a_writer"]["status"] == "ok" and float(grades["a_writer"]["total"]) == 24, grades["a_writer"]
    expected = VARIANTS[without]
    if expected is not None:  # the attack really ran: the sweep, not a broken writer, is why nothing is found
        assert {name: made.get(name) for name in expected} == expected, made
    assert grades["b_reader"]["status"] == "ok" and float(grades["b_reader"]["w1"]) == 0, (grades["b_reader"], found)
    assert left == {"processes": [], "sysv": [], "files": []}, left
    record = json.loads((grades.out / "results" / "a_writer" / "graded.json").read_text())
    assert any(wall.startswith("leftovers swept") for wall in record["walls"]), record["walls"]
    if not without:
        assert {"IPC namespace", "own /dev/shm"} <= set(record["walls"]), record["walls"]
    elif "seccomp" not in without:
        assert "seccomp (also System V IPC and POSIX message queues: no IPC namespace)" in record["walls"]
    for path in (grades.out / "results").rglob("*"):
        if path.is_file():
            assert not leaked_lines(path.read_text(encoding="utf-8", errors="replace"), hidden_test_lines), path


def _report(folder: Path, who: str) -> dict:
    try:
        return json.loads((folder / f"report-{who}").read_text())
    except (OSError, ValueError):
        return {}
