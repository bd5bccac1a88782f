"""What the tests share besides fixtures (those are in conftest.py): the course's place, notebook
edits, the hidden test text that must never reach a student, and real grading runs (`otter run`
and `python -m coursegrader grade`) with the check that they leave no process behind.

Importable as ``helpers`` (pyproject.toml puts tests/ on pytest's path)."""

import contextlib
import csv
import json
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil

from coursegrader.build import master
from coursegrader.engine.checks import hidden_checks
from coursegrader.core.notebooks import read, source_of, tags_of

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "autograd"
PARTIAL_EXPORT = "student-7"  # an otter export zip among the graded examples, answering only these questions:
PARTIAL_ANSWERS = ("w1", "e1a", "e3c", "e5")
HOSTILE_LIMITS = ("--timeout", "25", "--cell-timeout", "4", "--workers", "2")  # the hostile batch's options


# --- notebooks ------------------------------------------------------------------------------

def committed_bytes(path: Path) -> bytes:
    """``path`` (inside the repository) as git holds it (the index: what is committed, or staged
    to be), not as the working tree has it: the README's first command builds into the working
    tree, and would hide an artifact committed stale. The file itself outside a git checkout."""
    done = subprocess.run(["git", "show", f":{path.relative_to(ROOT).as_posix()}"], cwd=ROOT, capture_output=True)
    return done.stdout if done.returncode == 0 else path.read_bytes()


def answers_of(notebook: nbformat.NotebookNode, names) -> dict[str, str]:
    """The answer cells' code for the given questions, keyed by question tag."""
    return {tag: source_of(cell) for cell in notebook.cells for tag in tags_of(cell)
            if tag in names and cell.cell_type == "code"}


def with_answers(notebook: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of a student notebook with the tagged answer cells replaced."""
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        for tag in tags_of(cell):
            if tag in answers and cell.cell_type == "code":
                cell.source = answers[tag]
    return notebook


# e1a answered with torch.func, first used in the process by the answer's own cell: its one-time
# set-up (torch._dynamo's import, 1.5-4 s of CPU) is the fork server's warm-up, before any cell.
TORCH_FUNC_E1A = """\
from torch.func import grad, vmap

first_use = vmap(grad(grad(torch.sin)))(torch.zeros(2, dtype=torch.float64))


def second_derivative(f, x):
    return vmap(grad(grad(f)))(x.detach())
"""


# --- hidden test text -----------------------------------------------------------------------

def distinctive_lines(code: str, min_length: int = 20) -> set[str]:
    return {line.strip() for line in code.splitlines() if len(line.strip()) >= min_length}


def hidden_lines(course) -> set[str]:
    """Distinctive lines of the hidden tests that appear nowhere a student may see them.

    Taken from both texts of the hidden tests: the master's (as the instructor wrote them) and
    the autograder zip's test files (as otter rewrote them: other quotes, other line breaks),
    whose hidden cases are read through their probes / observe / inspect / judge parts. Lines the
    master also shows students (lesson code, answers, public tests) are not secrets."""
    master_notebook = read(course.master(ASSIGNMENT))
    written = [code for question in master.questions(master_notebook) for code in question.hidden_tests]
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        zipped = [part for name in archive.namelist() if name.startswith("tests/")
                  for check in hidden_checks(archive.read(name).decode(), name)
                  for part in (check.probes_source, check.observe_source, check.inspect_source, check.judge_source) if part]
    shown = "\n".join(source_of(cell) for cell in master_notebook.cells
                      if not any(code in source_of(cell) for code in written))
    return {line for code in written + zipped for line in distinctive_lines(code)
            if line not in shown and line.replace('"', "'") not in shown}


def leaked_lines(text: str, hidden: set[str]) -> set[str]:
    """The hidden lines found in ``text`` (quotes may have been rewritten)."""
    return {line for line in hidden if line in text or line.replace('"', "'") in text}


# --- real grading runs ----------------------------------------------------------------------

def otter_run(notebook: Path, autograder: Path, out: Path) -> dict[str, float]:
    """Per-question scores from the real `otter run` command; its results.json goes to ``out``."""
    out.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(notebook)],
                   check=True, capture_output=True, timeout=600)
    results = json.loads((out / "results.json").read_text())
    return {t["name"]: t["score"] for t in results["tests"] if "score" in t}


def otter_runs(notebooks: dict[str, Path], autograder: Path, out: Path) -> dict[str, dict[str, float]]:
    """`otter_run` on each notebook, two at a time (one per core); results in ``out/<name>``."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        scores = pool.map(lambda name: otter_run(notebooks[name], autograder, out / name), notebooks)
        return dict(zip(notebooks, scores))


class Grades(dict):
    """Rows of grades.csv keyed by submission; ``out`` is the results folder, ``started`` the
    time the grading command was started."""

    def __init__(self, rows, out: Path, started: float):
        super().__init__(rows)
        self.out, self.started = out, started


def package_grade(paths, out: Path, *options: str) -> Grades:
    """Rows of grades.csv, keyed by submission, from `python -m coursegrader grade`."""
    command = [sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", *map(str, paths),
               "--out", str(out), *options]
    started = time.time()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-3000:]
    with open(out / "grades.csv", encoding="utf-8") as handle:
        return Grades({row["submission"]: row for row in csv.DictReader(handle)}, out, started)


def forkservers_left(since: float) -> list[dict]:
    """Fork servers of this Python, and the submission processes they forked, started at or after
    ``since`` and left behind: no process of this Python (a grader, a test run) above them any
    more. Someone else's batch still running looks after its own fork server; one left behind by
    another checkout's run (a fork server keeps its grader's folder as its current folder) is
    not counted either. Each entry names the process and its current folder."""
    left = []
    for process in psutil.process_iter(["pid", "cmdline", "create_time", "cwd"]):
        if _is_forkserver(process.info["cmdline"]) and process.info["create_time"] >= since - 1 \
                and not _looked_after(process) and not _another_checkouts(process.info["cwd"]):
            left.append(process.info)
    return left


def _another_checkouts(cwd: str | None) -> bool:
    return cwd is not None and Path(cwd) != ROOT and any((Path(cwd) / "coursegrader" / where / "forkserver.py").is_file()
                                                         for where in ("", "engine"))


def _is_forkserver(cmdline) -> bool:
    return bool(cmdline) and cmdline[0] == sys.executable and "coursegrader.engine.forkserver" in cmdline


def _looked_after(process: psutil.Process) -> bool:
    """Whether the first process above ``process`` that is not a fork server runs this Python."""
    try:
        for parent in process.parents():
            cmdline = parent.cmdline()
            if not _is_forkserver(cmdline):
                return bool(cmdline) and cmdline[0] == sys.executable
    except psutil.Error:  # it or a parent ended meanwhile: it was not left behind
        return True
    return False


# --- load and hidden-check sources shared by several test modules ------------------------------

@contextlib.contextmanager
def busy(core: int, processes: int = 2):
    """``processes`` busy loops pinned to ``core`` while the block runs, each in a session of its
    own (with autogroups the kernel shares a CPU between sessions first)."""
    burners = [subprocess.Popen(["taskset", "-c", str(core), sys.executable, "-c", "while True: pass"], start_new_session=True)
               for _ in range(processes)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


# A hidden check of the probes / observe / judge shape that always passes ({name}, {points})
PASSING_CHECK = '''
@test_case(points={points}, hidden=True, success_message="{name} ok")
def test_{name}(env):
    def probes():
        return {{}}
    def observe(env, probes):
        return {{}}
    def judge(probes, seen):
        return None
    import json
    given = probes()
    seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
    problem = judge(given, seen)
    assert problem is None, problem[1]
'''
