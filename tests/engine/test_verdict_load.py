"""Verdicts do not depend on load: corpus cases graded by the package's grader on a starved
machine get the contract's points question by question, and the same scores and messages as
graded on an idle machine (the corpus batch, conftest's corpus_grades: the same cases, graded with
the same options, alone on the machine); one submission graded 20 times while the load alternates
gets one score and one set of messages.

Starved means the grader and everything it starts are pinned to one CPU shared with two
processes that burn it (so the grader gets about a third of a core), and, where this machine lets
the test make a cgroup with a CPU quota that the grader's processes stay in, held to half a CPU
besides (Gradescope's default). The test prints which of these it used.

The module's two gradings run side by side, each pinned to a CPU of its own with burners (and a
quota) of its own: the starved batch on the last CPU this process may use, the alternating run on
the first. Where only one CPU is available they run one after the other on it.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from helpers import ASSIGNMENT, ROOT
from corpus.build import case_notebook
from corpus.cases import CASES, QUESTIONS
from coursegrader.core.notebooks import read

pytestmark = pytest.mark.slow

# The torch.func answers to e1a (vmap/grad inside and outside the function, hessian, jacfwd/jacrev),
# e4a's one-line control flow and its answer that is slow at x = 0, e3c's torch.func, vjp and
# NumPy answers, and cases of wrong answers: torch.func raising in e1a, a zero-guarded ratio in e3c
# (wrong-B-6); e4a's loop that never ends at x = 0, which meets the check's CPU limit or, with the
# graph it grows, the memory limit first depending on the machine (wrong-A-4: the same message either way).
LOAD_CASES = ["correct-1", "correct-4", "correct-5", "correct-6", "correct-7", "wrong-B-6", "wrong-A-4"]
REPEATED_CASE = "correct-5"  # e1a through torch.func imported outside the function
REPEATS = 20
BURNERS = 2
QUOTA_PERCENT = 50


class Starved:
    """One CPU shared with busy processes, and a CPU quota where a cgroup allows one. ``pin`` is
    the grader's preexec_fn; ``busy(False)`` pauses the burners (the CPU is then the grader's)."""

    def __init__(self, cpu: int):
        self.cpu = cpu
        self.burners: list[subprocess.Popen] = []
        self.cgroup, quota_note = _quota_cgroup(QUOTA_PERCENT)
        self.description = (f"grader pinned to CPU {self.cpu}, shared with {BURNERS} CPU-burning processes; "
                            + quota_note)

    def pin(self) -> None:
        os.sched_setaffinity(0, {self.cpu})
        if self.cgroup is not None:
            (self.cgroup / "cgroup.procs").write_text(str(os.getpid()))

    def __enter__(self) -> "Starved":
        for _ in range(BURNERS):
            self.burners.append(subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                                 preexec_fn=lambda: os.sched_setaffinity(0, {self.cpu})))
        return self

    def busy(self, on: bool) -> None:
        for burner in self.burners:
            burner.send_signal(signal.SIGCONT if on else signal.SIGSTOP)

    def __exit__(self, *exc) -> None:
        for burner in self.burners:
            burner.kill()
            burner.wait()
        if self.cgroup is not None:
            for _ in range(100):  # the grader's processes may take a moment to be reaped
                try:
                    self.cgroup.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)


def _quota_cgroup(percent: int) -> tuple[Path | None, str]:
    """A cgroup holding its processes to ``percent`` of one CPU, and a note saying what was used.
    cgroup v1's cpu hierarchy is separate from the pids one the grader puts each submission in, so
    a quota there covers every process the grader starts. Under cgroup v2 the grader, as root,
    moves each submission into a pids cgroup of its own at the root, out of any quota the test
    could set, so v2 is used only when the grader cannot do that."""
    period = 100000
    v1 = Path("/sys/fs/cgroup/cpu")
    if (v1 / "cpu.cfs_quota_us").exists() and os.access(v1, os.W_OK):
        path = v1 / f"verdict-load-{uuid.uuid4().hex[:8]}"
        try:
            path.mkdir()
            (path / "cpu.cfs_period_us").write_text(str(period))
            (path / "cpu.cfs_quota_us").write_text(str(period * percent // 100))
            return path, f"cgroup v1 cpu quota {percent}% of one CPU"
        except OSError as error:
            _remove(path)
            return None, f"no CPU quota (cgroup v1 cpu not writable: {error.strerror})"
    v2 = Path("/sys/fs/cgroup")
    if not (v2 / "cgroup.controllers").exists():
        return None, "no CPU quota (no cgroup cpu controller on this machine)"
    if "cpu" not in (v2 / "cgroup.controllers").read_text().split() or not os.access(v2, os.W_OK):
        return None, "no CPU quota (cgroup v2 cpu controller not available or not writable)"
    if os.geteuid() == 0 and "pids" in (v2 / "cgroup.controllers").read_text().split():
        return None, "no CPU quota (cgroup v2: the grader moves each submission out of it, into its own pids cgroup)"
    path = v2 / f"verdict-load-{uuid.uuid4().hex[:8]}"
    try:
        if "cpu" not in (v2 / "cgroup.subtree_control").read_text().split():
            (v2 / "cgroup.subtree_control").write_text("+cpu")
        path.mkdir()
        (path / "cpu.max").write_text(f"{period * percent // 100} {period}")
        return path, f"cgroup v2 cpu.max {percent}% of one CPU"
    except OSError as error:
        _remove(path)
        return None, f"no CPU quota (cgroup v2 cpu.max not writable: {error.strerror})"


def _remove(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def _grade_command(folder: Path, out: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder), "--out", str(out), *options]


def _rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", encoding="utf-8") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def _verdicts(row: dict) -> dict[str, str]:
    return {q: row[q] for q in QUESTIONS}


def _messages(out: Path, name: str) -> dict[str, str]:
    """What the student is told per test (results.json), without times."""
    results = json.loads((out / "results" / name / "results.json").read_text(encoding="utf-8"))
    return {test["name"]: test.get("output", "") for test in results["tests"]}


@pytest.fixture(scope="module")
def solution(course):
    return read(course.solution(ASSIGNMENT))


def _write_cases(solution, folder: Path, names: list[str]) -> None:
    folder.mkdir()
    cases = {case.name: case for case in CASES}
    for name in names:
        nbformat.write(case_notebook(solution, cases[name]), folder / f"{name}.ipynb")


def _copies(solution, where: Path) -> tuple[Path, list[str]]:
    """REPEATS copies of REPEATED_CASE in one folder, and their names."""
    _write_cases(solution, where / "source", [REPEATED_CASE])
    folder = where / "copies"
    folder.mkdir()
    copies = [f"copy-{index:02d}" for index in range(REPEATS)]
    for copy in copies:
        (folder / f"{copy}.ipynb").write_bytes((where / "source" / f"{REPEATED_CASE}.ipynb").read_bytes())
    return folder, copies


def _alternating(folder: Path, out: Path, log: Path, cpu: int) -> SimpleNamespace:
    """One grading run, one submission at a time, pinned to ``cpu``: each time a copy is done the
    burners are switched on or off, so half the copies are graded starved and half are not."""
    load: dict[str, str] = {}  # copy -> the load it was graded under
    with Starved(cpu) as starved, open(log, "w") as log_file:
        print(f"alternating: {starved.description}")
        starved.busy(False)
        grader = subprocess.Popen(_grade_command(folder, out, "--workers", "1"), preexec_fn=starved.pin,
                                  stdout=log_file, stderr=subprocess.STDOUT)
        current = "idle"
        while True:
            running = grader.poll() is None
            for result in sorted(out.glob("results/*/results.json")):
                if result.parent.name not in load:  # it just finished, graded under the current load
                    load[result.parent.name] = current
                    current = "starved" if current == "idle" else "idle"
                    starved.busy(current == "starved")
            if not running:
                break
            time.sleep(0.05)
    return SimpleNamespace(returncode=grader.returncode, log=log.read_text(), load=load, out=out,
                           description=starved.description)


@pytest.fixture(scope="module")
def under_load(solution, tmp_path_factory) -> dict[str, SimpleNamespace]:
    """The starved batch of LOAD_CASES and the alternating run of the REPEATS copies, side by side
    on two CPUs (one after the other where this process may use only one)."""
    cpus = sorted(os.sched_getaffinity(0))
    starved_cpu, alternating_cpu = cpus[-1], cpus[0]
    where = tmp_path_factory.mktemp("verdict-load")
    folder = where / "cases"
    _write_cases(solution, folder, LOAD_CASES)
    copies, names = _copies(solution, where)
    found = {}
    with Starved(starved_cpu) as starved, open(where / "starved.log", "w") as log:
        print(f"starved: {starved.description}")
        started = time.monotonic()
        grader = subprocess.Popen(_grade_command(folder, where / "starved"), preexec_fn=starved.pin,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            if alternating_cpu != starved_cpu:
                found["alternating"] = _alternating(copies, where / "graded", where / "grader.log", alternating_cpu)
            grader.wait(timeout=900)
        finally:
            grader.kill()
            grader.wait()
        print(f"starved grading took {time.monotonic() - started:.0f} s")
    found["starved"] = SimpleNamespace(returncode=grader.returncode, log=(where / "starved.log").read_text(),
                                       out=where / "starved", description=starved.description)
    if "alternating" not in found:
        found["alternating"] = _alternating(copies, where / "graded", where / "grader.log", alternating_cpu)
    found["alternating"].copies = names
    return found


def test_verdicts_on_a_starved_cpu_are_the_contracts(under_load, points, corpus_grades):
    """The idle verdicts are the corpus batch's (corpus_grades graded every corpus case, these
    among them, with the same options): they are not graded a second time here."""
    starved = under_load["starved"]
    assert starved.returncode == 0, starved.log[-3000:]
    busy = _rows(starved.out)
    cases = {case.name: case for case in CASES}
    assert all(corpus_grades[name]["status"] == "ok" for name in LOAD_CASES)
    problems = []
    for name in LOAD_CASES:
        if busy[name]["status"] != "ok":
            problems.append(f"{name}: status {busy[name]['status']}: {busy[name]['error']}")
        for question, expected in cases[name].scores(points).items():
            if float(busy[name][question]) != expected:
                problems.append(f"{name} {question}: {busy[name][question]} points starved, {expected:g} by the contract")
        idle, starved_messages = _messages(corpus_grades.out, name), _messages(starved.out, name)
        problems += [f"{name} {test}: told {starved_messages.get(test)!r} starved, {idle[test]!r} idle"
                     for test in idle if starved_messages.get(test) != idle[test]]
    assert not problems, f"verdicts changed under load ({starved.description}):\n" + "\n".join(problems)


def test_one_submission_graded_twenty_times_under_alternating_load_gets_one_score(under_load, points):
    """One grading run, one submission at a time, pinned to one CPU: each time a copy is done the
    burners are switched on or off, so half the copies are graded starved and half are not."""
    run = under_load["alternating"]
    copies, load, out = run.copies, run.load, run.out
    assert run.returncode == 0, run.log[-3000:]
    assert set(load) == set(copies) and list(load.values()).count("starved") >= REPEATS // 2 - 1, load
    rows = _rows(out)
    scores = {copy: _verdicts(rows[copy]) for copy in copies}
    reference = scores[copies[0]]
    flips = [f"{copy} ({load[copy]}): {question} {scores[copy][question]} points, {reference[question]} for {copies[0]} ({load[copies[0]]})"
             for copy in copies for question in QUESTIONS if scores[copy][question] != reference[question]]
    flips += [f"{copy} ({load[copy]}): status {rows[copy]['status']}: {rows[copy]['error']}" for copy in copies if rows[copy]["status"] != "ok"]
    told = {copy: _messages(out, copy) for copy in copies}
    flips += [f"{copy} ({load[copy]}): {test} told {told[copy].get(test)!r}, {message!r} for {copies[0]} ({load[copies[0]]})"
              for copy in copies for test, message in told[copies[0]].items() if told[copy].get(test) != message]
    assert not flips, f"{REPEATED_CASE} graded {REPEATS} times got different scores ({run.description}):\n" + "\n".join(flips)
    (case,) = [case for case in CASES if case.name == REPEATED_CASE]
    assert {q: float(score) for q, score in reference.items()} == case.scores(points)
