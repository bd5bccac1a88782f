"""The same verdict on every route: `otter run` on the autograder zip (the whole hidden test in
the student's kernel) and this package's grader (observe in the sandboxed submission process,
inspect and judge in the grader's own process, on the file that was submitted).

- e4a, a loop that never ends at x = 0: stopped by the check's CPU limit, 0 points and the
  "ran over" message on both routes (the former wall-clock alarm never fired under the package's
  grader, whose runner owns SIGALRM).
- e4a, a call that is merely slow at x = 0 (3 s of CPU, under the 10 s limit): full points on both.
- e5, an answer using cos that rewrites the saved notebook and `In` to hide it: the package's
  grader reads the submitted file, so it scores 0. (`otter run` can only read what the student's
  kernel shows it; that route is not defended, see the README's threat model.)"""

import json
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from helpers import ASSIGNMENT, answers_of, otter_runs, package_grade, with_answers
from coursegrader.core.notebooks import read

SLOW_AT_ZERO = ("import time\n\ndef my_control_flow(x):\n    if x == 0:  # 3 s of CPU, at x = 0 only\n"
                "        start = time.process_time()\n        while time.process_time() - start < 3:\n            pass\n"
                "    return x ** 2 if x > 0 else torch.sin(x) * 3")
ENDLESS_AT_ZERO = ("def my_control_flow(x):\n    y = x\n    while y.abs() < 1:  # never ends at x = 0\n        y = y * 2\n"
                   "    return y ** 2 if y > 0 else -y")
# cos for the plotted derivative, then the saved notebook and the kernel's history rewritten without it
HIDDEN_COS = """
ax.plot(x_plot.detach(), torch.cos(x_plot.detach()), label="cos")
import glob, json
for path in glob.glob("*.ipynb"):
    with open(path, encoding="utf-8") as handle:
        saved = json.load(handle)
    for cell in saved["cells"]:
        cell["source"] = "".join(cell["source"]).replace("torch.cos", "torch.sin")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(saved, handle)
In[:] = [entry.replace("torch.cos", "torch.sin") for entry in In]
"""
RAN_OVER = "ran over 10 s of CPU time (or out of memory) on some input"


def notebook_with(course, answers: dict) -> nbformat.NotebookNode:
    notebook = with_answers(read(course.solution(ASSIGNMENT)), answers)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def outputs(results_path) -> dict[str, str]:
    results = json.loads(results_path.read_text())
    return {test["name"]: test.get("output", "") for test in results["tests"]}


@pytest.fixture(scope="module")
def submissions(course, tmp_path_factory):
    """The e4a and e5 submissions, one file each, in one folder."""
    folder = tmp_path_factory.mktemp("submissions")
    for name, answer in (("slow", SLOW_AT_ZERO), ("endless", ENDLESS_AT_ZERO)):
        nbformat.write(notebook_with(course, {"e4a": answer}), str(folder / f"{name}.ipynb"))
    (e5,) = answers_of(read(course.solution(ASSIGNMENT)), ["e5"]).values()
    nbformat.write(notebook_with(course, {"e5": e5.replace("plt.show()", "") + HIDDEN_COS}), str(folder / "hidden-cos.ipynb"))
    return folder


E4A = ("slow", "endless")


@pytest.fixture(scope="module")
def routes(course, submissions, tmp_path_factory) -> dict:
    """All of them graded by this package's grader in one batch and, side by side with it, the
    e4a ones through `otter run` (two at a time). ``package``: the batch's grades; ``otter``:
    otter's scores per submission, their results.json under ``otter_out`` (both as futures:
    ``.result()`` raises in the test whatever went wrong in that run)."""
    package_out, otter_out = tmp_path_factory.mktemp("package"), tmp_path_factory.mktemp("otter")
    with ThreadPoolExecutor(max_workers=2) as pool:
        package = pool.submit(package_grade, [submissions], package_out)
        otter = pool.submit(otter_runs, {name: submissions / f"{name}.ipynb" for name in E4A}, course.autograder(ASSIGNMENT),
                            otter_out / "runs")
    return {"package": package, "otter": otter, "otter_out": otter_out / "runs"}  # the pool has waited for both


@pytest.fixture(scope="module")
def package(routes):
    return routes["package"].result()


@pytest.mark.slow
def test_e4a_verdicts_on_slow_and_endless_calls_agree_on_every_route(points, routes, package):
    otter = routes["otter"].result()
    expected = {"slow": points["e4a"], "endless": 0.0}
    assert {name: float(otter[name]["e4a"]) for name in expected} == expected
    assert {name: float(package[name]["e4a"]) for name in expected} == expected
    assert RAN_OVER in outputs(routes["otter_out"] / "endless" / "results.json")["e4a"]
    assert RAN_OVER in outputs(package.out / "results" / "endless" / "results.json")["e4a"]


@pytest.mark.slow
def test_e5_no_cos_is_read_from_the_submitted_file(package):
    assert float(package["hidden-cos"]["e5"]) == 0
    assert "the answer uses cos" in outputs(package.out / "results" / "hidden-cos" / "results.json")["e5"]
