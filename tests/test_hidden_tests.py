"""The hidden tests themselves, run in-process on answers written in ways the solution is not:
correct variants earn the question's points, known misconceptions earn none."""

import zipfile

import matplotlib
import pytest
import torch

from conftest import ASSIGNMENT
from otter.test_files import ExceptionTestFile

matplotlib.use("Agg")

BOOK_F = '''
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c
'''

CORRECT = {
    "w1": "x = torch.arange(4.0, requires_grad=True)\n(2 * x @ x).backward()\ngrad_w1 = x.grad",
    "w3": "x = torch.arange(4.0, requires_grad=True)\nu = (x * x).detach()\n(grad_w3,) = torch.autograd.grad((u * x).sum(), x)",
    "e1a": "def second_derivative(f, x):\n    return torch.autograd.functional.hessian(lambda t: f(t).sum(), x.double()).diagonal()",
    "e1b": '''
import numpy as np
def count_graph_nodes(t):
    seen = {}
    def walk(node):
        if node is not None and id(node) not in seen:
            seen[id(node)] = node
            for child, _ in node.next_functions:
                walk(child)
    walk(t.grad_fn)
    return len(seen)
x = torch.rand(3, requires_grad=True)
y = (x.sin() * x.exp()).sum()
y.backward(create_graph=True)
first_nodes, second_nodes = np.int64(count_graph_nodes(y)), np.int64(count_graph_nodes(x.grad))
''',
    "e2a": "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\ntry:\n    y.backward()\nexcept RuntimeError as e:\n    second_backward_error = repr(e)",
    "e3c": "def control_flow_grad(a):\n    a.requires_grad_(True)\n    f(a).sum().backward()\n    return a.grad",
    "e4a": '''
def my_control_flow(x):  # the book's style: the loop count depends on |x|
    y = x * x
    n = 0
    while y.norm() < 2500 and n < 60:
        y = y * 2
        n += 1
    if y.sum() < 0:
        return 100 * y
    return y
''',
    "e4a-float32": '''
def my_control_flow(x):
    x = x.float()
    if x > 1:
        return torch.log(x)
    elif x > -1:
        return x ** 3
    return -torch.sqrt(-x)
''',
    "e5": '''
import numpy as np
import matplotlib.pyplot as plt
x_plot = torch.tensor(np.linspace(-np.pi, np.pi, 300), requires_grad=True)
y_plot = x_plot.sin()
y_plot.backward(torch.ones_like(y_plot))
dydx = x_plot.grad.numpy()
fig, (top, bottom) = plt.subplots(2, 1)
top.plot(x_plot.detach(), y_plot.detach(), label="sin")
bottom.plot(x_plot.detach().numpy(), dydx, label="autograd")
top.legend(); bottom.legend()
''',
}

WRONG = {
    "w1": "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\ny.backward()\ngrad_w1 = x.grad",
    "w3": "x = torch.arange(4.0, requires_grad=True)\ny = x * x\n(y * x).sum().backward()\ngrad_w3 = x.grad",
    "e1a": '''
def second_derivative(f, x, h=1e-4):
    x = x.detach()
    return ((f(x + h) - 2 * f(x) + f(x - h)) / h ** 2).detach()
''',
    "e1b": '''
def count_graph_nodes(t):
    count, stack = 0, [t.grad_fn] if t.grad_fn is not None else []
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return count
x = torch.rand(3, requires_grad=True)
y = (x.sin() * x.exp()).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(g)
''',
    "e3c": "def control_flow_grad(a):  # no sum(): fine for scalars only\n    a = a.clone().requires_grad_(True)\n    f(a).backward()\n    return a.grad",
    "e4a": "def my_control_flow(x):\n    return torch.where(x > 0, x ** 2, -x)",
    "e4a-constant-path": "def my_control_flow(x):\n    y = x\n    for _ in range(3):\n        y = y * 2\n    if True:\n        return torch.sin(y)",
    "e5": '''
import matplotlib.pyplot as plt
x_plot = torch.linspace(-4, 4, 200, requires_grad=True)
y_plot = torch.sin(x_plot)
y_plot.sum().backward()
dydx = torch.cos(x_plot).detach()
fig, ax = plt.subplots()
ax.plot(x_plot.detach(), y_plot.detach(), label="sin")
ax.plot(x_plot.detach(), dydx, label="cos")
ax.legend()
''',
    "e5-no-legend": '''
import matplotlib.pyplot as plt
x_plot = torch.linspace(-4, 4, 200, requires_grad=True)
y_plot = torch.sin(x_plot)
y_plot.sum().backward()
dydx = x_plot.grad
fig, ax = plt.subplots()
ax.plot(x_plot.detach(), y_plot.detach())
ax.plot(x_plot.detach(), dydx)
''',
}


@pytest.fixture(scope="module")
def test_files(course):
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        return {name[len("tests/"):-3]: archive.read(name).decode() for name in archive.namelist() if name.startswith("tests/")}


def score(test_files, case: str, answer: str) -> tuple[float, float, str]:
    """Run one question's tests (public and hidden) on an answer, as otter does in a kernel."""
    question = case.split("-")[0]
    env = {"torch": torch, "In": [BOOK_F, answer]}
    exec(BOOK_F, env)
    exec(answer, env)
    test_file = ExceptionTestFile.from_string(test_files[question], path=f"tests/{question}.py")
    test_file.run(env)
    return test_file.score, test_file.possible, test_file.summary()


@pytest.mark.parametrize("case", sorted(CORRECT))
def test_correct_variant_earns_the_points(test_files, case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no saved notebook here: e5 reads the executed cells
    earned, possible, summary = score(test_files, case, CORRECT[case])
    assert possible > 0 and earned == possible, summary


@pytest.mark.parametrize("case", sorted(WRONG))
def test_misconception_earns_nothing_and_is_named(test_files, case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    earned, possible, summary = score(test_files, case, WRONG[case])
    assert earned == 0 and possible > 0, summary
    failure = summary.split("AssertionError: ")[-1]
    assert " / " in failure and any("\u4e00" <= ch <= "\u9fff" for ch in failure), "message must be Chinese / English"
