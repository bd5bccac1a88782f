"""Grades a notebook in this process: its code cells run in one namespace, as in a kernel, then
each question's tests from the autograder zip run on that namespace, as otter runs them.

Fast (no kernel, no otter run), for developing tests and for checks repeated many times; the
corpus is also graded through the package's grader and `otter run`.
"""

import contextlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import nbformat

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from otter.test_files import ExceptionTestFile  # noqa: E402

OTTER_LINES = ("import otter", "grader = otter.", "grader.check", "grader.export")


def test_sources(autograder_zip: Path) -> dict[str, str]:
    """Each question's test file from the autograder zip, keyed by question."""
    with zipfile.ZipFile(autograder_zip) as archive:
        return {name[len("tests/"):-len(".py")]: archive.read(name).decode()
                for name in archive.namelist() if name.startswith("tests/") and name.endswith(".py")}


def run_cells(notebook: nbformat.NotebookNode, workdir: Path, name: str = "autograd.ipynb") -> dict:
    """Execute the notebook's code cells in ``workdir`` (where it is saved as ``name``); the
    globals afterwards, with ``In`` holding the executed cells as IPython keeps them."""
    workdir.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(workdir / name))
    plt.close("all")
    env = {"__name__": "__main__", "In": [""]}
    previous = os.getcwd()
    os.chdir(workdir)
    try:
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            lines = [line for line in cell.source.splitlines()
                     if not line.lstrip().startswith(OTTER_LINES + ("%", "!"))]
            source = "\n".join(lines)
            env["In"].append(source)
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                try:
                    exec(compile(source, f"<cell-{index}>", "exec"), env)
                except Exception:  # a failing cell is graded as it stands, like otter run does
                    pass
    finally:
        os.chdir(previous)
    return env


@dataclass
class Outcome:
    score: float
    possible: float
    public_passed: bool  # every public (0-point) check passed
    hidden_messages: list  # the hidden tests' failure messages, or their success messages


def grade(env: dict, sources: dict[str, str], workdir: Path) -> dict[str, Outcome]:
    """Each question's outcome, from otter's own test-file runner."""
    results = {}
    previous = os.getcwd()
    os.chdir(workdir)
    try:
        for question, source in sources.items():
            test_file = ExceptionTestFile.from_string(source, path=f"tests/{question}.py")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                test_file.run(env)
            cases = test_file.test_case_results
            results[question] = Outcome(
                test_file.score, test_file.possible,
                all(r.passed for r in cases if not r.test_case.hidden),
                [r.message for r in cases if r.test_case.hidden])
    finally:
        os.chdir(previous)
    return results
