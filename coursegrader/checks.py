"""Reads otter's exception-based test files into what the hardened grader runs where.

A hidden test is written once, in the master, as an otter test function with three nested
steps (see README, "How hidden tests are written"):

    def test_q_hidden(env):
        def probes(): ...              # hidden inputs, as JSON data
        def observe(env, probes): ...  # runs beside the student's objects, returns JSON data
        def judge(probes, seen): ...   # decides: None, or the message for the student
        ...                            # the in-kernel tail that chains them (otter, nbgrader)

otter and nbgrader call the whole function in the student's kernel. This package's grader
runs ``observe`` in the sandboxed student process and ``probes``/``judge`` in its own process,
where no student code ever runs; this module cuts the three steps out of the test file.
"""

import ast
from dataclasses import dataclass

STEPS = ("probes", "observe", "judge")


class ConventionError(ValueError):
    """A test file that the hardened grader cannot split; the message names the file and test."""


@dataclass(frozen=True)
class HiddenCheck:
    question: str
    name: str
    points: float
    success_message: str | None
    failure_message: str | None
    probes_source: str
    observe_source: str
    judge_source: str


def _test_cases(tree: ast.Module):
    """(function node, decorator keywords) for every ``@test_case(...)`` function."""
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "test_case":
                yield node, {k.arg: ast.literal_eval(k.value) for k in decorator.keywords}


def hidden_checks(test_source: str, question: str, path: str = "") -> list[HiddenCheck]:
    """The hidden test cases of one test file, split into their three steps."""
    tree = ast.parse(test_source, filename=path or question)
    checks = []
    for node, options in _test_cases(tree):
        if not options.get("hidden", False):
            continue
        steps = {inner.name: inner for inner in node.body if isinstance(inner, ast.FunctionDef) and inner.name in STEPS}
        absent = [step for step in STEPS if step not in steps]
        if absent:
            raise ConventionError(
                f"{path or question}: hidden test {node.name} has no nested {', '.join(absent)}(); every hidden test "
                "defines probes(), observe(env, probes) and judge(probes, seen) (README: how hidden tests are written)")
        checks.append(HiddenCheck(
            question=question, name=node.name, points=float(options.get("points") or 0),
            success_message=options.get("success_message"), failure_message=options.get("failure_message"),
            **{f"{step}_source": ast.unparse(steps[step]) for step in STEPS}))
    return checks


def public_tests_source(test_source: str) -> str | None:
    """The test file without its hidden test cases (what a student may see), or None if none is left."""
    tree = ast.parse(test_source)
    hidden = {node.name for node, options in _test_cases(tree) if options.get("hidden", False)}
    tree.body = [node for node in tree.body if not (isinstance(node, ast.FunctionDef) and node.name in hidden)]
    if not any(isinstance(node, ast.FunctionDef) for node in tree.body):
        return None
    return ast.unparse(tree)


def compile_step(source: str, step: str, label: str):
    """The step's function, defined in a namespace of its own."""
    namespace: dict = {}
    exec(compile(source, f"<{label} {step}>", "exec"), namespace)
    return namespace[step]
