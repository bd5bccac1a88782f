"""Reads the hidden tests of an autograder zip as probes / observe / judge triples.

Every hidden test of this course is an otter exception-test function of one fixed shape:

    def test_q_hidden(env):
        def probes(): ...              # the hidden inputs, as JSON data
        def observe(env, probes): ...  # runs with the student's objects, returns JSON data
        def judge(probes, seen): ...   # decides from data alone: None or a message
        import json
        given = probes()
        seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
        problem = judge(given, seen)
        assert problem is None, problem

A test whose verdict reads the student's code (a static rule such as "no cos") has a fourth
part between observe and judge, ``def inspect(cells)``: it reads the notebook's code cells
(``[{"source": str, "tags": [str]}]``) and returns JSON data, and its tail is ``TAIL_WITH_INSPECT``.
In one kernel (otter) ``observe`` hands over the cells it can find; the hardened grader ignores
those and runs ``inspect`` itself, in its own process, on the cells of the file that was submitted,
so a later cell cannot rewrite what the rule reads.

otter runs the whole function in the student's kernel. A grader that must not trust the student's
process takes the nested functions apart: ``observe`` runs beside the student's code, while
``probes``, ``inspect`` and ``judge`` run in a clean process. That only works if each nested
function stands alone (its own imports and helpers, no names from around it); ``hidden_checks``
verifies it.
"""

import ast
import builtins
import symtable
import textwrap
from dataclasses import dataclass

PARTS = ("probes", "observe", "judge")
PARTS_WITH_INSPECT = ("probes", "observe", "inspect", "judge")
PARAMETERS = {"probes": [], "observe": ["env", "probes"], "inspect": ["cells"], "judge": ["probes", "seen"]}
TAIL = """
import json
given = probes()
seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
problem = judge(given, seen)
assert problem is None, problem
"""
TAIL_WITH_INSPECT = """
import json
given = probes()
seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
seen['inspected'] = inspect(seen.pop('cells', []))
problem = judge(given, seen)
assert problem is None, problem
"""
INSPECTED_KEY = "inspected"  # where judge finds inspect's result in ``seen``


class CheckFormatError(ValueError):
    """A hidden test does not have the probes / observe / judge shape."""


@dataclass(frozen=True)
class HiddenCheck:
    name: str  # the test function's name, e.g. test_e3c_hidden
    points: float
    success_message: str | None
    failure_message: str | None
    probes_source: str  # each a standalone `def`, dedented
    observe_source: str
    judge_source: str
    inspect_source: str | None = None  # only for a test with a static rule


def hidden_checks(test_source: str, path: str = "<test file>") -> list[HiddenCheck]:
    """The hidden test cases of one otter test file (tests/<q>.py), in file order.

    Raises CheckFormatError naming the file and function when a hidden test has another shape.
    """
    try:
        module = ast.parse(test_source)
    except SyntaxError as error:
        raise CheckFormatError(f"{path}: not valid Python ({error})") from error
    checks = []
    for function in module.body:
        options = _test_case_options(function)
        if options is None or not options.get("hidden", False):
            continue
        where = f"{path}: {function.name}"
        parts = _parts(function, test_source, where)
        checks.append(HiddenCheck(
            name=function.name,
            points=float(options.get("points") or 0),
            success_message=options.get("success_message"),
            failure_message=options.get("failure_message"),
            probes_source=parts["probes"], observe_source=parts["observe"], judge_source=parts["judge"],
            inspect_source=parts.get("inspect"),
        ))
    return checks


def standalone(source: str):
    """Compile one part (a single `def`) in a namespace of its own and return the function."""
    namespace = {"__builtins__": builtins}
    exec(compile(source, "<hidden check>", "exec"), namespace)
    (name,) = [key for key in namespace if key != "__builtins__"]
    return namespace[name]


def _test_case_options(node) -> dict | None:
    """The keyword arguments of an `@test_case(...)` decorator, or None if there is none."""
    if not isinstance(node, ast.FunctionDef):
        return None
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", getattr(decorator.func, "attr", None)) == "test_case":
            return {k.arg: ast.literal_eval(k.value) for k in decorator.keywords if k.arg}
    return None


def _parts(function: ast.FunctionDef, source: str, where: str) -> dict[str, str]:
    if [a.arg for a in function.args.args] != ["env"] or function.args.vararg or function.args.kwarg \
            or function.args.kwonlyargs or function.args.defaults:
        raise CheckFormatError(f"{where}: a hidden test takes exactly one parameter, env")
    body = [node for node in function.body if not _is_docstring(node)]
    inspects = len(body) > 2 and getattr(body[2], "name", None) == "inspect"
    expected, tail_source = (PARTS_WITH_INSPECT, TAIL_WITH_INSPECT) if inspects else (PARTS, TAIL)
    defs, tail = body[:len(expected)], body[len(expected):]
    names = [getattr(node, "name", None) for node in defs]
    if names != list(expected) or not all(isinstance(node, ast.FunctionDef) for node in defs):
        raise CheckFormatError(f"{where}: the body must start with `def probes`, `def observe`, [`def inspect`,] `def judge`, "
                               f"in that order (found {names})")
    if [ast.dump(node) for node in tail] != [ast.dump(node) for node in ast.parse(tail_source).body]:
        raise CheckFormatError(f"{where}: after the {len(expected)} functions the body must be exactly:{tail_source}")
    parts = {}
    for node in defs:
        if [a.arg for a in node.args.args] != PARAMETERS[node.name] or node.args.defaults or node.args.kw_defaults \
                or node.args.vararg or node.args.kwarg or node.decorator_list:
            raise CheckFormatError(f"{where}: {node.name} must be `def {node.name}({', '.join(PARAMETERS[node.name])})` with no defaults or decorators")
        text = textwrap.dedent(ast.get_source_segment(source, node, padded=True))
        outside = _names_from_outside(text)
        if outside:
            raise CheckFormatError(f"{where}: {node.name} uses names defined outside it ({', '.join(sorted(outside))}); "
                                   "import and define everything it needs inside it")
        parts[node.name] = text
    return parts


def _names_from_outside(function_source: str) -> set[str]:
    """Names the function reads that are neither its own nor builtins."""
    table = symtable.symtable(function_source, "<part>", "exec")
    outside = set()

    def visit(scope):
        for symbol in scope.get_symbols():
            if symbol.is_global() and symbol.is_referenced() and not hasattr(builtins, symbol.get_name()):
                outside.add(symbol.get_name())
        for child in scope.get_children():
            visit(child)

    for child in table.get_children():
        visit(child)
    return outside


def _is_docstring(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def public_tests_source(test_source: str) -> str | None:
    """The test file without its hidden test cases (what a student may see), or None if none is left."""
    module = ast.parse(test_source)
    module.body = [node for node in module.body if not (_test_case_options(node) or {}).get("hidden", False)]
    if not any(_test_case_options(node) is not None for node in module.body):
        return None
    return ast.unparse(module)
