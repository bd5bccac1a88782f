"""Every hidden test in the built autograder zip has the probes / observe / (inspect) / judge
shape, and its parts work apart: observe beside the student's objects, returning JSON; probes,
inspect (on the notebook's cells, as the grader reads the submitted file) and judge in a clean
process that never ran student code. A judge handed junk answers with a message, never with an
exception or an echo of the junk. Grading is deterministic whatever the student's seeds.

Then the rules the hidden tests enforce, each with right and wrong answers written as students
write them, graded by otter's own test runner: control flow is what executes (e4a), gradients
come from a backward pass (e3b) and are not a ratio (e3c), and e5's "no cos" is read from the
code, including names built from strings, helpers from other cells and the shifted sine."""

import ast
import json
import random
import re
import subprocess
import sys
import textwrap
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from helpers import ASSIGNMENT, ROOT, with_answers
from corpus import inprocess
from coursegrader.engine.checks import CheckFormatError, hidden_checks, standalone
from coursegrader.core.notebooks import read, source_of, tags_of

ECHO = "ECHO-7f3a"

# Runs in a fresh interpreter: probes, inspect and judge only, from their sources. A test with an
# inspect step is judged with inspect's reading of the solution's cells, then of junk cells.
CLEAN_JUDGE = r"""
import json, sys
from coursegrader.engine.checks import standalone
verdicts = []
for item in json.load(sys.stdin):
    given = standalone(item["probes"])()
    judge = standalone(item["judge"])
    one = {"given": json.dumps(given, sort_keys=True), "verdicts": [], "readings": [], "on_cells": []}
    seens, on_cells = item["seen"], []
    if item["inspect"]:
        inspect = standalone(item["inspect"])
        for cells in [item["cells"]] + item["junk_cells"]:
            try:
                one["readings"].append(json.loads(json.dumps(inspect(cells))))
            except Exception as error:
                one["readings"].append({"raised": repr(error)})
        solution, *on_cells = [dict(seens[0], inspected=reading) for reading in one["readings"]]
        seens = [solution] + [dict(seens[0], inspected=junk) for junk in item["junk_readings"]] + seens[1:]
    for key, cases in (("verdicts", seens), ("on_cells", on_cells)):
        for seen in cases:
            try:
                one[key].append({"verdict": judge(given, seen)})
            except Exception as error:
                one[key].append({"raised": repr(error)})
    verdicts.append(one)
json.dump(verdicts, sys.stdout)
"""


@pytest.fixture(scope="module")
def checks(course):
    found = {}
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        for name in archive.namelist():
            if name.startswith("tests/") and name.endswith(".py"):
                found[name[len("tests/"):-3]] = hidden_checks(archive.read(name).decode(), name)
    return found


def hidden_parts(course, question: str) -> dict[str, str]:
    """The nested functions of a question's hidden test in the autograder zip, each as a standalone
    source, by name: probes, observe, inspect (where the test has one) and judge."""
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        source = archive.read(f"tests/{question}.py").decode()
    (test,) = [node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)
               and any(keyword.arg == "hidden" and getattr(keyword.value, "value", False) is True
                       for decorator in node.decorator_list if isinstance(decorator, ast.Call) for keyword in decorator.keywords)]
    return {node.name: textwrap.dedent(ast.get_source_segment(source, node, padded=True))
            for node in test.body if isinstance(node, ast.FunctionDef)}


def code_cells(notebook) -> list[dict]:
    """A notebook's code cells as the grader hands them to inspect: source and tags, in order."""
    return [{"source": source_of(cell), "tags": tags_of(cell)} for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def solution_run(course, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("solution-run")
    return inprocess.run_cells(read(course.solution(ASSIGNMENT)), workdir), workdir


def junk_like(value, text=ECHO, number=1e308):
    """The same structure with every string and number replaced."""
    if isinstance(value, dict):
        return {key: junk_like(item, text, number) for key, item in value.items()}
    if isinstance(value, list):
        return [junk_like(item, text, number) for item in value]
    if isinstance(value, str):
        return text
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number
    return value


def test_every_autograded_question_has_one_hidden_check_worth_its_points(checks, points):
    assert {q for q, found in checks.items() if found} == set(points)
    for question, found in checks.items():
        assert sum(check.points for check in found) == points[question], question
        assert all(check.success_message and " / " in check.success_message for check in found), question


def test_checks_that_warm_up_do_so_for_the_words_the_grader_warms_up_for(checks, course):
    """A check skips torch.func's first-use set-up where the cells name none of FIRST_USE_WORDS,
    the words a submission graded alone is warmed up for: the same words in both places."""
    warming = [check for found in checks.values() for check in found if "def warm_up" in check.observe_source]
    assert {check.name for check in warming} >= {"test_e1a_hidden", "test_e3c_hidden", "test_e4a_hidden"}
    for check in warming:
        (given,) = [node.args[0] for node in ast.walk(ast.parse(check.observe_source)) if isinstance(node, ast.Call)
                    and ast.unparse(node.func) == "re.compile"]
        pattern = ast.literal_eval(given)
        assert pattern.startswith(r"\b(?:") and pattern.endswith(r")\b"), check.name
        assert pattern[len(r"\b(?:"):-len(r")\b")].split("|") == list(course.FIRST_USE_WORDS), check.name


def test_parts_run_apart_and_agree_with_otter_on_the_solution(course, points, solution_run, tmp_path):
    env, workdir = solution_run
    cells = code_cells(read(course.solution(ASSIGNMENT)))
    junk_cells = [None, [], ECHO, [ECHO], [{"source": ECHO, "tags": ECHO}], [{"source": 1e308, "tags": [None]}],
                  [{"source": "x_plot = " + "(" * 5000, "tags": ["e5"]}]]
    batch = []
    for question in sorted(points):
        parts = hidden_parts(course, question)
        given = standalone(parts["probes"])()
        assert json.loads(json.dumps(given)) == given, f"{question}: probes() must return JSON data"
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(workdir)
            seen = standalone(parts["observe"])(env, json.loads(json.dumps(given)))
        seen = json.loads(json.dumps(seen, allow_nan=True))  # raises if observe returned anything but JSON data
        seen.pop("cells", None)  # what observe found of the notebook: the grader reads the file instead
        junk = [None, [], ECHO, {}, junk_like(seen), junk_like(seen, number=float("nan")), junk_like(seen, number=-1)]
        batch.append({"question": question, "probes": parts["probes"], "judge": parts["judge"], "inspect": parts.get("inspect"),
                      "cells": cells, "junk_cells": junk_cells, "junk_readings": [None, ECHO, {"cells": ECHO, "found": ECHO}],
                      "given": given, "seen": [seen] + junk})
    assert [item["question"] for item in batch if item["inspect"]] == ["e5"]
    completed = subprocess.run([sys.executable, "-c", CLEAN_JUDGE], input=json.dumps(batch), capture_output=True,
                               text=True, timeout=300, check=True)
    for item, outcome in zip(batch, json.loads(completed.stdout), strict=True):
        question = item["question"]
        assert outcome["given"] == json.dumps(item["given"], sort_keys=True), f"{question}: probes differ between processes"
        assert all("raised" not in reading for reading in outcome["readings"]), f"{question}: inspect raised: {outcome['readings']}"
        solution, *on_junk = outcome["verdicts"]
        assert solution == {"verdict": None}, f"{question}: the judge fails the solution: {solution}"
        for verdict in on_junk:
            assert "raised" not in verdict, f"{question}: the judge raised on junk: {verdict}"
            problem = verdict["verdict"]  # ["misconception-id", message], through JSON
            assert isinstance(problem, list) and len(problem) == 2 and all(isinstance(p, str) for p in problem), f"{question}: {problem!r}"
            assert ECHO not in problem[1] and " / " in problem[1], f"{question}: {problem!r}"
        for verdict in outcome["on_cells"]:  # junk cells: no answer code found, or none that uses cos
            assert "raised" not in verdict and ECHO not in str(verdict["verdict"]), f"{question}: {verdict}"


def test_a_check_that_reaches_outside_its_part_is_refused(course):
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        source = archive.read("tests/w1.py").decode()
    broken = source.replace("def judge(probes, seen):", "def judge(probes, seen):\n        given = name", 1)
    with pytest.raises(CheckFormatError, match="judge uses names defined outside it"):
        hidden_checks(broken, "tests/w1.py")
    with pytest.raises(CheckFormatError, match="exactly one parameter, env"):
        hidden_checks(source.replace("_value(env):", "_value(env, grad_w1):"), "tests/w1.py")


def test_a_judge_that_could_return_a_bare_message_is_refused(course):
    """The build refuses a verdict without a misconception id, however deep the returning
    function; helpers whose results judge does not return may return anything."""
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        source = archive.read("tests/w1.py").decode()
    (check,) = hidden_checks(source, "tests/w1.py")
    assert check.judge_source.count("return ('") == 9  # every message of w1 carries its id
    verdict = "('missing-factor-2', '梯度是 2x：你求的是 xᵀx 的梯度，别忘了系数 2 / got 2x: you differentiated xᵀx, not 2xᵀx')"
    message = verdict[len("('missing-factor-2', "):-1]
    assert verdict in source
    for replacement, refusal in [
        (message, "not a bare message"),
        ("(f'{1}', " + message + ")", "kebab-case string literal"),
        ("('Missing factor', " + message + ")", "kebab-case string literal"),
        ("('check-timeout', " + message + ")", "the grader gives itself"),
        ("('missing-factor-2', str(" + message + "))", "string literal or f-string"),
        ("('missing-factor-2', " + message + ", 2)", "not a bare message"),
        ("None or " + message, "not a bare message"),
        ("close(x) or " + verdict, "not a bare message"),  # close returns a bool
        ("abs(1) or " + verdict, "not a function defined"),
    ]:
        with pytest.raises(CheckFormatError, match=refusal):
            hidden_checks(source.replace(verdict, replacement, 1), "tests/w1.py")
    # a function judge returns through is checked too, and cannot be rebound
    with pytest.raises(CheckFormatError, match="not a function defined"):
        hidden_checks(source.replace("            return decide(seen if", "            decide = str\n            return decide(seen if", 1), "tests/w1.py")
    # a helper outside the verdict's path returns a tuple or a string: not a verdict, accepted
    helper = source.replace("        def fits(values, shape):", "        def label(kind):\n            return kind, 'text'\n\n"
                            "        def fits(values, shape):", 1)
    assert helper != source and len(hidden_checks(helper, "tests/w1.py")) == 1


@pytest.mark.slow
def test_the_same_submission_always_gets_the_same_score(course, points, tmp_path):
    """The solution run 20 times with different random states (its own random tensors change):
    every hidden check's verdict is the same, and probes never read the global RNG."""
    sources = inprocess.test_sources(course.autograder(ASSIGNMENT))
    sources.pop("e4a")  # its answer uses no randomness; its probes are checked below
    solution = read(course.solution(ASSIGNMENT))
    outcomes = set()
    for run in range(20):
        torch.manual_seed(1000 + run)
        np.random.seed(run)
        random.seed(run)
        env = inprocess.run_cells(solution, tmp_path / str(run))
        graded = inprocess.grade(env, sources, tmp_path / str(run))
        outcomes.add(tuple((q, o.score, tuple(o.hidden_messages)) for q, o in sorted(graded.items())))
    assert len(outcomes) == 1
    (outcome,) = outcomes
    assert all(score > 0 for _, score, _ in outcome)
    for question in points:
        drawn = set()
        for seed in (0, 1):
            torch.manual_seed(seed)
            drawn.add(json.dumps(standalone(hidden_parts(course, question)["probes"])(), sort_keys=True))
        assert len(drawn) == 1, question


def graded(course, question: str, answer: str, tmp_path, book_f: bool = False):
    """Points and, when it loses points, the hidden test's message for ``answer`` (code run in a
    fresh namespace), from otter's own runner on the question's test file, as in a student's kernel."""
    env = {"__name__": "__main__"}
    exec("import torch\n" + (BOOK_F if book_f else "") + answer, env)
    (outcome,) = inprocess.grade(env, {question: inprocess.test_sources(course.autograder(ASSIGNMENT))[question]}, tmp_path).values()
    return outcome.score, "" if outcome.score == outcome.possible else " ".join(str(m) for m in outcome.hidden_messages)


BOOK_F = """
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c

"""

# Control flow whose path changes inside one line: right answers to e4a.
ONE_LINE_CONTROL_FLOW = {
    "conditional expression": "def my_control_flow(x):\n    return x ** 2 if x > 0 else torch.sin(x) * 3",
    "and/or": "def my_control_flow(x):\n    return (x > 0 and x ** 2) or x ** 3",
    "filtered comprehension": "def my_control_flow(x):\n    return sum([t for t in (x, 2 * x, x ** 3) if t > 0], x * 0)",
    "early return on one line": "def my_control_flow(x):\n    if x > 1: return torch.exp(x)\n    return x * 5",
    "lambda": "my_control_flow = lambda x: x * 2 if x < 0.5 else x ** 3",
}


@pytest.mark.parametrize("style", ONE_LINE_CONTROL_FLOW)
def test_e4a_control_flow_inside_one_line_is_branching(course, style, tmp_path):
    assert graded(course, "e4a", ONE_LINE_CONTROL_FLOW[style], tmp_path) == (4, "")


@pytest.mark.parametrize("answer", [
    "def my_control_flow(x):\n    return torch.where(x > 0, x ** 2, -x)",  # a branch in the data, not in the code
    "def my_control_flow(x):\n    return x ** 2 if True else x",  # a condition that never depends on x
])
def test_e4a_one_path_for_every_input_is_not_branching(course, answer, tmp_path):
    score, message = graded(course, "e4a", answer, tmp_path)
    assert score == 0 and "every probe took the same path" in message


@pytest.mark.slow
def test_e4a_a_loop_that_never_ends_at_zero_runs_over_and_a_slow_call_passes(course, tmp_path):
    """Slow at x = 0 only (3 s of CPU, under the limit): full points. Never ending at x = 0: the
    check stops it and says it ran over, 0 points."""
    slow = ("import time\n\ndef my_control_flow(x):\n    if x == 0:\n        start = time.process_time()\n"
            "        while time.process_time() - start < 3:\n            pass\n    return x ** 2 if x > 0 else torch.sin(x) * 3")
    endless = ("def my_control_flow(x):\n    y = x\n    while y.abs() < 1:\n        y = y * 2\n"
               "    return y ** 2 if y > 0 else -y")
    assert graded(course, "e4a", slow, tmp_path) == (4, "")
    score, message = graded(course, "e4a", endless, tmp_path)
    assert score == 0 and "运行超过 10 秒 CPU 时间" in message and "ran over 10 s of CPU time" in message


# Long work before the branch: more bytecode positions than the check traces one by one
# (max_positions), after which it follows where student functions start and return.
LONG_WORK_FIRST = "def my_control_flow(x):\n    for _ in range(40000):\n        pass\n    {branch}"


@pytest.mark.slow
@pytest.mark.parametrize("branch, points, words", [
    ("if x > 0:\n        return x * x\n    return torch.sin(x)", 4, ""),
    ("return grow(x) if x > 0 else torch.sin(x)\n\ndef grow(x):\n    return x * x", 4, ""),
    # after the long work, a branch on a random number: not a path that follows x
    ("if torch.rand(()) > 0.5:\n        return x * x\n    return x * 3", 0, "the same x took a different path"),
], ids=["if", "a helper on one branch", "random"])
def test_e4a_a_branch_after_long_work_still_shows(course, tmp_path, branch, points, words):
    score, message = graded(course, "e4a", LONG_WORK_FIRST.format(branch=branch), tmp_path)
    assert score == points and words in message, message


def test_e4a_tells_students_its_calls_and_the_check_s_cpu_time(course):
    """The budget the question states is the check's: its number of calls (each probe once, four
    points around it for each step, once more under another random state) and CHECK_TIMEOUT_SECONDS."""
    (text,) = [source_of(cell) for cell in read(course.release(ASSIGNMENT)).cells
               if cell.cell_type == "markdown" and source_of(cell).startswith("**e4a**")]
    stated_calls, stated_seconds = (int(found) for found in re.search(r"约 (\d+) 次.*限 (\d+) 秒 CPU 时间", text).groups())
    points = standalone(hidden_parts(course, "e4a")["probes"])()["points"]
    calls = sum(1 + (9 if point["differentiate"] else 0) for point in points)  # h64 and h32: 4 calls each; again: 1
    assert abs(stated_calls - calls) <= 0.05 * calls, (stated_calls, calls)
    assert stated_seconds == course.CHECK_TIMEOUT_SECONDS


AUTOGRAD_TWICE = ("    x = x.detach().clone().requires_grad_(True)\n    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)\n"
                  "    (h,) = torch.autograd.grad(g.sum(), x)\n    return h.detach()")


@pytest.mark.parametrize("first, points", [
    ("f(torch.zeros_like(x))  # a check of the student's own: f works at 0", 2),
    ("assert torch.allclose(f(x.flip(0)).flip(0), f(x))  # f is elementwise", 2),
    # finite differences with a step whose values would pass: evaluated a small step from x
    ("return ((f(x + 1e-2) - 2 * f(x) + f(x - 1e-2)) / 1e-4).detach()", 0),
], ids=["f at zero", "f on x flipped", "finite differences"])
def test_e1a_f_evaluated_a_step_from_x_is_finite_differences_and_elsewhere_is_not(course, tmp_path, first, points):
    score, message = graded(course, "e1a", "def second_derivative(f, x):\n    " + first + "\n" + AUTOGRAD_TWICE, tmp_path)
    assert score == points, message
    assert points or "f was evaluated away from x: that is finite differences" in message


E3B_TAIL = "A_mat = torch.randn(3, 4, requires_grad=True)\n"


@pytest.mark.parametrize("answer, points, words", [
    ("d_vec.sum().backward()\ngrad_vec = a_vec.grad.clone()\n" + E3B_TAIL + "f(A_mat).sum().backward()\ngrad_mat = A_mat.grad.clone()", 2, ""),
    # the ratio d / a: the values coincide, no backward pass ran
    ("grad_vec = (d_vec / a_vec).detach()\n" + E3B_TAIL + "grad_mat = (f(A_mat) / A_mat).detach()", 0,
     "a_vec.grad is None: grad_vec did not come from a backward pass"),
    # torch.autograd.grad leaves A_mat.grad empty
    ("d_vec.sum().backward()\ngrad_vec = a_vec.grad.clone()\n" + E3B_TAIL + "(grad_mat,) = torch.autograd.grad(f(A_mat).sum(), A_mat)", 0,
     "A_mat.grad is None: grad_mat did not come from a backward pass"),
    # saved, then a second backward pass changed a_vec.grad
    ("d_vec.sum().backward(retain_graph=True)\ngrad_vec = a_vec.grad.clone()\nd_vec.sum().backward()\n" + E3B_TAIL
     + "f(A_mat).sum().backward()\ngrad_mat = A_mat.grad.clone()", 0, "grad_vec differs from a_vec.grad"),
])
def test_e3b_gradients_come_from_a_backward_pass(course, answer, points, words, tmp_path):
    score, message = graded(course, "e3b", "a_vec = torch.randn(10, requires_grad=True)\nd_vec = f(a_vec)\n" + answer, tmp_path, book_f=True)
    assert score == points and words in message


def test_e3c_inputs_holding_zeros_tell_the_gradient_from_the_ratio(course, tmp_path):
    right = "def control_flow_grad(a):\n    a = a.detach().clone().requires_grad_(True)\n    f(a).sum().backward()\n    return a.grad"
    ratio = "def control_flow_grad(a):\n    with torch.no_grad():\n        return f(a) / a"
    assert graded(course, "e3c", right, tmp_path, book_f=True) == (2, "")
    score, message = graded(course, "e3c", ratio, tmp_path, book_f=True)
    assert score == 0 and "nan or inf where a is 0: that is the slope f(a) / a" in message


def e5_cells(course, extra: str = "", *earlier: str) -> list[dict]:
    """The solution's code cells as the grader reads them, with ``extra`` appended to the e5 answer
    and the ``earlier`` cells placed just before it."""
    cells = code_cells(read(course.solution(ASSIGNMENT)))
    (at,) = [i for i, cell in enumerate(cells) if "e5" in cell["tags"]]
    answer = dict(cells[at], source=cells[at]["source"] + ("\n" + extra if extra else ""))
    return cells[:at] + [{"source": code, "tags": []} for code in earlier] + [answer] + cells[at + 1:]


# (extra code in the e5 answer, cells before it): what a reasonable reader calls using cos
USES_COS = {
    "torch.cos": ("dydx = torch.cos(x_plot)",),
    "np.cos in the plot": ("import numpy as np\nax.plot(x_plot.detach(), np.cos(x_plot.detach()))",),
    "method": ("derivative = x_plot.detach().cos()",),
    "Tensor.cos": ("derivative = torch.Tensor.cos(x_plot)",),
    "import under another name": ("from math import cos as c\nvalue = c(1.0)",),
    "getattr": ('derivative = getattr(torch, "cos")(x_plot)',),
    "getattr of a sum": ('derivative = getattr(torch, "co" + "s")(x_plot)',),
    "f-string": ("derivative = getattr(torch, f\"{'co'}s\")(x_plot)",),
    "join": ('derivative = getattr(torch, "".join(["c", "o", "s"]))(x_plot)',),
    "chr": ("derivative = getattr(torch, ''.join(map(chr, [99, 111, 115])))(x_plot)",),
    "reversed": ('derivative = getattr(torch, "soc"[::-1])(x_plot)',),
    "format": ('derivative = getattr(torch, "{}s".format("co"))(x_plot)',),
    "a name holding part of it": ('part = "co"\nderivative = getattr(torch, part + "s")(x_plot)',),
    "a name from another cell": ("derivative = getattr(torch, name)(x_plot)", 'name = "cos"'),
    "__dict__": ('derivative = torch.__dict__["cos"](x_plot)',),
    "vars": ('derivative = vars(torch)["cos"](x_plot)',),
    "eval": ('derivative = eval("torch.cos(x_plot)")',),
    "exec": ('exec("derivative = torch.co" + "s(x_plot)")',),
    "methodcaller": ('import operator\nderivative = operator.methodcaller("cos")(x_plot)',),
    "picked from the members": ('import inspect\nderivative = dict(inspect.getmembers(torch))["cos"]',),
    "a helper in another cell": ("ax.plot(x_plot.detach(), slope(x_plot.detach()))", "def slope(t):\n    return torch.cos(t)"),
    "an alias in another cell": ("ax.plot(x_plot.detach(), trig(x_plot.detach()))", "trig = torch.cos"),
    "a line magic": ("%time derivative = torch.cos(x_plot)",),
    "a variable called cos": ("cos = dydx",),
    # untagged cells that bind an answer name through strings are read as the answer too
    "a namespace written to in another cell": ("", 'globals()["dydx"] = torch.cos(torch.zeros(3))'),
    "exec in another cell": ("", 'exec("fig = None\\nslope = torch.cos")'),
    "setattr in another cell": ("", 'import sys\nsetattr(sys.modules["__main__"], "y_plot", torch.cos(torch.zeros(3)))'),
}
# sin(x + pi/2) is not a call of cos (the contract's rule): it is judged by "came from backward"
# (tests/hostile_cases.py: by hand it fails, beside a backward pass through sin it passes)
SHIFTED_SINE = {
    "math.pi / 2": ("ax.plot(x_plot.detach(), torch.sin(x_plot.detach() + math.pi / 2))",),
    "pi / 2 - x": ("import numpy as np\nxs = x_plot.detach().numpy()\nax.plot(xs, np.sin(np.pi / 2 - xs))",),
    "method": ("ax.plot(x_plot.detach(), (x_plot.detach() + torch.pi / 2).sin())",),
    "a decimal": ("ax.plot(x_plot.detach(), torch.sin(x_plot.detach() + 1.5707963))",),
}
# cos reached through a name the answer does not spell: set on a module or class, or builtins
SET_ON_OBJECTS = {
    "an attribute set on Tensor": ("ax.plot(x_plot.detach(), x_plot.detach().slope())", "torch.Tensor.slope = torch.Tensor.cos"),
    "a builtins alias": ("ax.plot(x_plot.detach(), slope(x_plot.detach()))", "import builtins\nbuiltins.slope = torch.cos"),
    "setattr on builtins": ("ax.plot(x_plot.detach(), slope(x_plot.detach()))", "import builtins\nsetattr(builtins, 'slope', torch.cos)"),
    "builtins' dict": ("ax.plot(x_plot.detach(), slope(x_plot.detach()))", "import builtins\nvars(builtins)['slope'] = torch.cos"),
    "__builtins__ updated": ("ax.plot(x_plot.detach(), slope(x_plot.detach()))", "__builtins__.update(slope=torch.cos)"),
    "a class attribute": ("ax.plot(x_plot.detach(), Helper.slope(x_plot.detach()))", "class Helper:\n    pass", "Helper.slope = torch.cos"),
    "set in a function called earlier": ("ax.plot(x_plot.detach(), x_plot.detach().slope())",
                                         "def patch():\n    torch.Tensor.slope = torch.Tensor.cos\n\npatch()"),
    "a rebinding under if": ("ax.plot(x_plot.detach(), trig(x_plot.detach()))", "trig = torch.cos", "if False:\n    trig = torch.sin"),
    "a rebinding in a loop": ("ax.plot(x_plot.detach(), trig(x_plot.detach()))", "trig = torch.cos", "for _ in []:\n    trig = torch.sin"),
}
UNKNOWN_LOOKUP = {
    "getattr of a computed name": ("derivative = getattr(torch, input())(x_plot)",),
    "reduce(getattr, ...)": ("from functools import reduce\nderivative = reduce(getattr, ['cos'], torch)(x_plot)",),
    "getattr under another name": ("look = getattr\nderivative = look(torch, 'co' + 's')(x_plot)",),
    "getattr in a map": ("derivative = list(map(getattr, [torch], ['c' 'os']))[0](x_plot)",),
    "pickled": ("import pickle\nslope = pickle.loads(b'\\x80\\x04\\x95')\nderivative = slope(x_plot)",),
    "torch.load": ("slope = torch.load('slope.pt', weights_only=False)\nderivative = slope(x_plot)",),
    "a code object": ("derivative = (lambda t: t).__code__",),
    "exec of a file": ('exec(open("helper.py").read())',),
    "a namespace handed on": ("table = vars(torch)",),
    "%run": ("%run helper.py",),
}
NOT_COS = {
    "the solution": ("",),
    "a comment": ("# cos(x) would be the closed form; the curve above comes from autograd",),
    "a name containing cos": ('cosine_label = "导数"\nax.set_title(cosine_label)',),
    "a legend label": ('ax.plot(x_plot.detach(), dydx, label="autograd = cos(x)")',),
    "a title and a print": ('ax.set_title("sin 与 cos")\nprint("cos")',),
    "cos in another question": ("", "def my_control_flow(x):\n    return torch.cos(x) if x > 0 else x"),
    "an alias defined but not used": ("", "trig = torch.cos"),
    "an alias rebound before use": ("ax.plot(x_plot.detach(), trig(x_plot.detach()))", "trig = torch.cos", "trig = torch.sin"),
    "sin shifted by 1": ("ax.plot(x_plot.detach(), torch.sin(x_plot.detach() + 1.0))",),
    "ticks at pi / 2": ("import numpy as np\nax.set_xticks([-np.pi / 2, np.pi / 2])",),
    "getattr of a fixed name": ('getattr(ax, "plot")(x_plot.detach(), dydx)',),
    "exec of fixed code": ('exec("again = torch.sin(x_plot)", globals())',),
    "a membership test": ('assert "x_plot" in globals()',),
    # a grader's own check cell (nbgrader runs the hidden tests there, in the kernel)
    "a namespace handed to a function": ("", 'def _run_checks(env, name):\n    return getattr(env["grader"], name)\n\n_run_checks(globals(), "check")'),
}


@pytest.mark.parametrize("kind, variants", [("cos", USES_COS), ("dynamic", UNKNOWN_LOOKUP), (None, NOT_COS), (None, SHIFTED_SINE)])
def test_e5_inspect_reads_what_the_answer_uses(course, kind, variants):
    inspect = standalone(hidden_parts(course, "e5")["inspect"])
    for name, (extra, *earlier) in variants.items():
        reading = inspect(e5_cells(course, extra, *earlier))
        assert reading["cells"] >= 1 and reading["found"] == ([kind] if kind else []), (name, reading)


def test_e5_inspect_follows_names_set_on_modules_classes_and_builtins(course):
    inspect = standalone(hidden_parts(course, "e5")["inspect"])
    for name, (extra, *earlier) in SET_ON_OBJECTS.items():
        reading = inspect(e5_cells(course, extra, *earlier))
        assert "cos" in reading["found"], (name, reading)  # the judge says "uses cos" first


@pytest.mark.parametrize("extra, words", [
    ('derivative = getattr(torch, "co" + "s")(x_plot)', "the answer uses cos"),
    ("if False:\n    b0 = 'x'\n" + "".join(f"    b{i + 1} = f'{{b{i}}}{{b{i}}}{{b{i}}}{{b{i}}}'\n" for i in range(16))
     + "    getattr(torch, b16)", "too complex to check for cos"),
    ("derivative = getattr(torch, input())(x_plot)", "so it cannot be shown to avoid cos"),
])
def test_e5_loses_its_points_with_a_message_for_each_kind_of_use(course, extra, words, tmp_path):
    """The whole test in one namespace, as otter runs it in the student's kernel: observe finds the
    saved notebook's cells, inspect reads them."""
    solution = read(course.solution(ASSIGNMENT))
    (answer,) = [source_of(cell) for cell in solution.cells if "e5" in tags_of(cell) and cell.cell_type == "code"]
    extra = extra.replace("input()", "str(len(dydx))")  # computed, never typed in
    env = inprocess.run_cells(with_answers(solution, {"e5": answer + "\n" + extra}), tmp_path / "run")
    (outcome,) = inprocess.grade(env, {"e5": inprocess.test_sources(course.autograder(ASSIGNMENT))["e5"]}, tmp_path / "run").values()
    assert outcome.score == 0 and words in " ".join(outcome.hidden_messages)


def test_e5_reading_is_linear_in_strings_that_double(course):
    """20 lines of f'{b}{b}{b}{b}' over '' are 4^20 steps if each name is worked out again at
    every use (the former reader never finished); worked out once, they take milliseconds. Over
    'x' the 20th name would be 4^20 characters: the reading stops as too complex instead."""
    inspect = standalone(hidden_parts(course, "e5")["inspect"])
    chain = "\n".join(f"b{i + 1} = f'{{b{i}}}{{b{i}}}{{b{i}}}{{b{i}}}'" for i in range(20))
    started = time.process_time()
    empty = inspect(e5_cells(course, f"b0 = ''\n{chain}\nderivative = getattr(torch, b20)"))
    huge = inspect(e5_cells(course, f"b0 = 'x'\n{chain}\nderivative = getattr(torch, b20)"))
    assert time.process_time() - started < 5
    assert empty == {"cells": 1, "found": []}
    assert huge.get("too_complex") is True


@pytest.mark.slow
def test_e5_reading_counts_its_steps(course):
    """Past a fixed number of steps the reading stops with too_complex, the same on every machine."""
    inspect = standalone(hidden_parts(course, "e5")["inspect"])
    many = "\n".join(f"n{i} = 'a' + 'b' + 'c'\nk{i} = getattr(torch, n{i} + n{i})" for i in range(60000))
    assert inspect(e5_cells(course, many)).get("too_complex") is True


# --- e4a: the path is a function of x, and finite differences decide only where they are reliable ---

# The path follows something other than x: a random number (torch, random, NumPy), a counter.
PATH_NOT_FROM_X = {
    "three branches from torch.rand": ("def my_control_flow(x):\n    r = torch.rand(())\n    if r < 0.5:\n        return x ** 2\n"
                                       "    if r < 0.75:\n        return x ** 3\n    return torch.sin(x)"),
    "a rare branch from torch.rand": ("def my_control_flow(x):\n    if torch.rand(()) < 0.05:\n        return x * 2\n"
                                      "    return x ** 2 if x > 0 else -x"),
    "a random threshold": "import random\n\ndef my_control_flow(x):\n    return x ** 2 if x > random.uniform(-1, 1) else torch.sin(x)",
    "a NumPy loop count": ("import numpy as np\n\ndef my_control_flow(x):\n    y = x\n    for _ in range(np.random.randint(1, 4)):\n"
                           "        y = y * x\n    return y"),
    "a call counter": ("calls = [0]\n\ndef my_control_flow(x):\n    calls[0] += 1\n    return x ** 2 if calls[0] % 2 else x ** 2 + 0 * x"),
}


def _random_states():
    return torch.get_rng_state(), random.getstate(), np.random.get_state()[1].tolist()


@pytest.mark.parametrize("style", PATH_NOT_FROM_X)
def test_e4a_a_path_that_does_not_follow_x_fails_the_same_way_whatever_the_random_state(course, style, tmp_path):
    """Graded under five different global random states: one score (0) and one message, which says
    what is wrong; and the check leaves the random state where it found it."""
    outcomes = set()
    for seed in range(5):
        torch.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed)
        outcomes.add(graded(course, "e4a", PATH_NOT_FROM_X[style], tmp_path))
    (outcome,) = outcomes
    assert outcome[0] == 0 and "the path follows a random number" in outcome[1], outcome


def test_e4a_observe_leaves_the_random_state_as_it_found_it(course):
    """Where the whole test runs in the student's kernel (otter run), the cells after the check
    draw what they would have drawn."""
    parts = hidden_parts(course, "e4a")
    env = {"torch": torch}
    exec(PATH_NOT_FROM_X["three branches from torch.rand"] + "\n" + PATH_NOT_FROM_X["a random threshold"].replace(
        "my_control_flow", "other") + "\n" + PATH_NOT_FROM_X["a NumPy loop count"].replace("my_control_flow", "third"), env)
    env["my_control_flow"] = lambda x: env["other"](x) + env["third"](x) + env["my_control_flow_0"](x)
    exec(PATH_NOT_FROM_X["three branches from torch.rand"].replace("my_control_flow", "my_control_flow_0"), env)
    torch.manual_seed(7)
    random.seed(7)
    np.random.seed(7)
    before = _random_states()
    standalone(parts["observe"])(env, standalone(parts["probes"])())
    after = _random_states()
    assert torch.equal(before[0], after[0]) and before[1:] == after[1:]



# Functions whose outputs reach across calls: a graph of an earlier call, or an earlier input.
ACROSS_CALLS = {
    "returns the previous input": ("seen = []\ndef my_control_flow(x):\n    seen.append(x)\n"
                                   "    return seen[-2] * 1 if len(seen) > 1 and x > 0 else x * 3"),
    "adds the previous output": ("kept = []\ndef my_control_flow(x):\n    y = x * 2 + (kept[-1] if kept and x > 0 else 0)\n"
                                 "    kept.append(y)\n    return y"),
}


@pytest.mark.parametrize("style", ACROSS_CALLS)
def test_e4a_each_derivative_is_of_its_own_call(course, style):
    """e4a takes the derivatives near a probe in one backward pass over the calls' graphs, which
    gives each call's own only where no graph reaches into another's: here they do, and every
    derivative must still be what a pass over that call alone gives (x * 3 and x * 2: 3 and 2;
    the previous input returned: no derivative with respect to this call's own input)."""
    parts = hidden_parts(course, "e4a")
    env = {"torch": torch}
    exec(ACROSS_CALLS[style], env)
    seen = standalone(parts["observe"])(env, standalone(parts["probes"])())
    grads = {run.get("grad") for record in seen["records"] for key in ("h64", "h32") for run in record.get(key, [])}
    assert grads <= ({None, 3.0} if style == "returns the previous input" else {2.0}), grads

# Right answers whose values carry rounding error or kinks where finite differences are unreliable.
ILL_CONDITIONED = {
    "a series with an early return": ("def my_control_flow(x):\n    total = term = torch.ones((), dtype=x.dtype) + 0 * x\n"
                                      "    for k in range(1, 300):\n        term = term * x / k\n        total = total + term\n"
                                      "        if term.abs() < 1e-17 * total.abs() + 1e-300:\n            return total\n    return total"),
    "large magnitudes cancelling": ("def my_control_flow(x):\n    big = 1e8\n    if x > 0:\n        return (x + big) ** 2 - big ** 2\n"
                                    "    return (x - big) ** 2 - big ** 2"),
    "a sum of large terms": ("def my_control_flow(x):\n    y = x * 1e5\n    if x < 0:\n        return (y + 1e10) - 1e10 + torch.sin(x)\n"
                             "    return (1 + x) ** 2 - 1"),
    "float32 inside": ("def my_control_flow(x):\n    y = x.float()\n    y = torch.exp(torch.sin(y)) if y > 0 else y ** 3 - y\n"
                       "    return y.double()"),
    "kinks every 0.001 in a torch op": ("def my_control_flow(x):\n    tooth = torch.abs(torch.remainder(x, 0.002) - 0.001)\n"
                                        "    return tooth + x if x > 0 else tooth - x ** 2"),
    "many relu kinks": ("def my_control_flow(x):\n    y = x\n    for c in torch.linspace(-60, 60, 101, dtype=torch.float64):\n"
                        "        y = y + 0.1 * torch.relu(x - c)\n    return y if x > 0 else y * 2"),
}


@pytest.mark.parametrize("style", ILL_CONDITIONED)
def test_e4a_right_answers_whose_finite_differences_are_unreliable_keep_their_points(course, style, tmp_path):
    assert graded(course, "e4a", ILL_CONDITIONED[style], tmp_path) == (4, "")


CUTS = {".item()": "x * 0 + x.item() ** 2", ".numpy()": "torch.tensor(x.detach().numpy() ** 2)", "detach()": "x.detach() ** 2",
        ".data": "x.data ** 2", "float()": "torch.tensor(float(x) ** 2, dtype=torch.float64)"}
RANGES = {"everywhere": None, "|x| > 10": "x.abs() > 10", "|x| < 0.1": "x.abs() < 0.1", "1 < x < 2": "1 < x < 2",
          "x < -10": "x < -10"}


@pytest.mark.parametrize("where", RANGES)
@pytest.mark.parametrize("cut", CUTS)
def test_e4a_a_graph_cut_fails_in_every_probe_range(course, cut, where, tmp_path):
    otherwise = f"-({CUTS[cut]})" if where == "everywhere" else "x ** 2 + x if x > 0 else torch.sin(x)"
    condition = "x > 0" if where == "everywhere" else RANGES[where]
    answer = f"def my_control_flow(x):\n    if {condition}:\n        return {CUTS[cut]}\n    return {otherwise}"
    score, message = graded(course, "e4a", answer, tmp_path)
    assert score == 0 and "the graph was cut" in message, message


def test_e4a_names_a_graph_cut_only_where_autograd_says_zero(course, tmp_path):
    """A backward that is wrong but not zero (a custom autograd.Function): autograd disagrees,
    and the message does not blame a cut graph."""
    answer = textwrap.dedent("""
        class Square(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 2

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x  # should be 2 * x

        def my_control_flow(x):
            return Square.apply(x) if x > 0 else torch.sin(x)
    """)
    score, message = graded(course, "e4a", answer, tmp_path)
    assert score == 0 and "autograd's derivative disagrees" in message
    assert "cut" not in message and ".item()" not in message


# Code for a child: caps its address space `mb` MB above what it holds once torch is loaded.
CAP_ADDRESS_SPACE = r"""
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (used + {mb} * 2**20, hard))
"""

# Runs in a child whose address space is capped: a call that runs out of memory.
OUT_OF_MEMORY = r"""
import resource, sys, json
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import torch
from corpus import inprocess
env = {"__name__": "__main__"}
exec("import torch\n" + sys.stdin.read(), env)
""" + CAP_ADDRESS_SPACE.format(mb=600) + r"""
question = sys.argv[4]
(outcome,) = inprocess.grade(env, {question: inprocess.test_sources(Path(sys.argv[2]))[question]}, Path(sys.argv[3])).values()
print(json.dumps([outcome.score, [str(m) for m in outcome.hidden_messages]]))
"""


# Answers that never end on some hidden input: one fills memory (as a growing graph does), one
# only spins; the rest of each answer is right.
RUNAWAY = {
    "e4a": ("def my_control_flow(x):\n    kept = []\n    while x == 0:\n        kept.append(torch.zeros(2**20))\n"
            "    return x ** 2 if x > 0 else torch.sin(x)",
            "def my_control_flow(x):\n    while x == 0:\n        pass\n    return x ** 2 if x > 0 else torch.sin(x)"),
    "e3c": ("def control_flow_grad(a):\n    kept = []\n    while (a == 0).any():\n        kept.append(torch.zeros(2**20))\n"
            "    a = a.detach().clone().requires_grad_(True)\n    f(a).sum().backward()\n    return a.grad",
            "def control_flow_grad(a):\n    while (a == 0).any():\n        pass\n"
            "    a = a.detach().clone().requires_grad_(True)\n    f(a).sum().backward()\n    return a.grad"),
}
E3C_F = "def f(a):\n    b = a * 2\n    while b.norm() < 1000:\n        b = b * 2\n    return b if b.sum() > 0 else 100 * b\n"


@pytest.mark.slow
@pytest.mark.parametrize("question", RUNAWAY)
def test_running_out_of_memory_or_of_cpu_time_gives_one_message(course, tmp_path, question):
    """Which limit a loop that never ends meets first (the CPU limit, or the memory a growing
    graph fills) depends on the machine and its load; the verdict and the message do not. A limit
    met ends the calls: the next input would meet it again. The two answers run side by side, one
    child process each."""
    def run(index):
        source = (E3C_F if question == "e3c" else "") + RUNAWAY[question][index]
        workdir = tmp_path / str(index)
        workdir.mkdir()
        return subprocess.run([sys.executable, "-c", OUT_OF_MEMORY, str(ROOT / "tests"), str(course.autograder(ASSIGNMENT)),
                               str(workdir), question], input=source, capture_output=True, text=True, timeout=300)

    messages = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        children = list(pool.map(run, range(len(RUNAWAY[question]))))
    for child in children:
        assert child.returncode == 0, child.stderr[-2000:]
        score, hidden = json.loads(child.stdout.strip().splitlines()[-1])
        messages.append((score, hidden))
    assert messages[0] == messages[1] and messages[0][0] == 0, messages
    assert "ran over 10 s of CPU time (or out of memory)" in messages[0][1][0]


# Answers whose autograd graph grows without end (a node an iteration), filling memory within
# seconds under a small cap, long before the checks' 10 s of CPU time.
GROWING_GRAPH = {
    "e1a": "def second_derivative(f, x):\n    y = f(x)\n    while True:\n        y = y * 2 + x\n",
    "e1b": "def count_graph_nodes(t):\n    y = t\n    while True:\n        y = y * 2\n",
    "e3c": "def control_flow_grad(a):\n    y = a.clone().requires_grad_()\n    while True:\n        y = y * 2\n",
    "e4a": "def my_control_flow(x):\n    y = x\n    while y.abs() < 1:  # never ends at x = 0\n        y = y * 2\n"
           "    return y ** 2 if y > 0 else -y",
}
HIDDEN_TEST_UNDER_A_CAP = r"""
import json, resource, sys
import numpy, torch
source, answer = json.load(sys.stdin)
test_namespace, env = {}, {"In": []}
exec(compile(source, "hidden_test.py", "exec"), test_namespace)
exec("import torch\n" + answer, env)
(hidden,) = [case for case in test_namespace.values() if getattr(case, "hidden", False) is True]
""" + CAP_ADDRESS_SPACE.format(mb="int(sys.argv[1])") + r"""
try:
    hidden.test_func(env)
    outcome = "passed"
except AssertionError as failed:
    outcome = str(failed)
except BaseException as error:
    outcome = f"left the test: {type(error).__name__}"
resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
print(json.dumps(outcome))
"""


@pytest.mark.slow
@pytest.mark.parametrize("extra_mb", [64, 200])
@pytest.mark.parametrize("question", sorted(GROWING_GRAPH))
def test_a_graph_that_grows_until_memory_runs_out_gets_the_limit_message(course, question, extra_mb):
    """The hidden test from the zip, called as otter's runner calls it, in a child whose address
    space is capped ``extra_mb`` above what it holds once torch is loaded. The traced check, e4a,
    ran out of memory again while reporting the failed call (its traceback held the graph) and
    the error left the test, until the hidden tests let go of a failed call's frames first."""
    source = inprocess.test_sources(course.autograder(ASSIGNMENT))[question]
    child = subprocess.run([sys.executable, "-c", HIDDEN_TEST_UNDER_A_CAP, str(extra_mb)], capture_output=True, text=True,
                           input=json.dumps([source, GROWING_GRAPH[question]]), timeout=300)
    assert child.returncode == 0, child.stderr[-2000:]
    message = json.loads(child.stdout.splitlines()[-1])
    assert "(or out of memory)" in message and "用尽了内存" in message, message


def test_e4a_reseeds_only_the_cpu_generator_and_formats_no_stack(course, monkeypatch):
    """e4a calls the answer again under a second random state: seeded through the CPU generator
    alone. torch.manual_seed would also queue a lazy seeding of CUDA, XPU and MTIA, each with the
    caller's formatted stack (milliseconds in a submission's deep, cold stack, every call)."""
    import traceback

    formatted = []
    monkeypatch.setattr(traceback, "format_stack", lambda *args, **kwargs: formatted.append(1) or [])
    parts = hidden_parts(course, "e4a")
    env = {"__name__": "__main__"}
    exec("import torch\n" + ONE_LINE_CONTROL_FLOW["conditional expression"], env)
    torch.manual_seed(5)
    formatted.clear()
    before = torch.get_rng_state()
    seen = standalone(parts["observe"])(env, standalone(parts["probes"])())
    assert standalone(parts["judge"])(standalone(parts["probes"])(), json.loads(json.dumps(seen))) is None
    assert formatted == []
    assert torch.equal(torch.get_rng_state(), before)  # the notebook's own state, put back
