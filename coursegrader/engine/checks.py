"""Reads the hidden tests of an autograder zip as probes / observe / judge triples.

Every hidden test of this course is an otter exception-test function of one fixed shape:

    def test_q_hidden(env):
        def probes(): ...              # the hidden inputs, as JSON data
        def observe(env, probes): ...  # runs with the student's objects, returns JSON data
        def judge(probes, seen): ...   # decides from data alone: None or (misconception id, message)
        import json
        given = probes()
        seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
        problem = judge(given, seen)
        assert problem is None, problem[1]

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

A failed check is ``("misconception-id", message)``: the id (kebab-case, stable, one per distinct
misconception of the question; messages that only format another name share one) is counted
across a class, the message is what the student reads (the tail's ``problem[1]`` in a kernel,
the grader's Verdict elsewhere). ``hidden_checks`` verifies statically that judge cannot hand
back a bare message. The rule: every ``return`` of judge, and of each function defined inside
judge whose call such a ``return`` hands back (followed transitively), is ``return``,
``return None``, ``return ("id", message)`` with the id a kebab-case string literal (not one of
the grader's own ids in messages.py) and the message a string literal or f-string, a call of
such a nested function, or ``a or b`` / ``a if c else b`` of these. Helpers whose results judge
does not return (tensors, lists, tuples) are not checked. The rule catches a forgotten id, not
a judge written to evade it: a nested function's name bound again (``decide = str``) is refused,
``exec`` is not followed.
"""

import ast
import builtins
import re
import symtable
import textwrap
from dataclasses import dataclass

from coursegrader.core import messages

PARTS = ("probes", "observe", "judge")
PARTS_WITH_INSPECT = ("probes", "observe", "inspect", "judge")
PARAMETERS = {"probes": [], "observe": ["env", "probes"], "inspect": ["cells"], "judge": ["probes", "seen"]}
TAIL = """
import json
given = probes()
seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
problem = judge(given, seen)
assert problem is None, problem[1]
"""
TAIL_WITH_INSPECT = """
import json
given = probes()
seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
seen['inspected'] = inspect(seen.pop('cells', []))
problem = judge(given, seen)
assert problem is None, problem[1]
"""
INSPECTED_KEY = "inspected"  # where judge finds inspect's result in ``seen``
TOO_COMPLEX_KEY = "too_complex"  # inspect's answer, or the grader's, when the code was too complex to read in its bounds
ENGINE_KEY = "engine"  # what the package's grader tells judge about itself (absent where otter runs the test)
MISCONCEPTION_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
GRADER_IDS = {messages.NOT_CHECKED_ID, messages.CHECK_TIMEOUT_ID, messages.CANNOT_CHECK_ID,
              messages.UNEXPECTED_FORM_ID, messages.UNLABELLED_ID, messages.NOT_ATTEMPTED_ID}


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
        options = _test_case_options(function, path)
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


def _test_case_options(node, path: str) -> dict | None:
    """The keyword arguments of an `@test_case(...)` decorator, or None if there is none."""
    if not isinstance(node, ast.FunctionDef):
        return None
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", getattr(decorator.func, "attr", None)) == "test_case":
            options = {}
            for keyword in (k for k in decorator.keywords if k.arg):
                try:
                    options[keyword.arg] = ast.literal_eval(keyword.value)
                except ValueError:  # the grader reads the options without running the file
                    raise CheckFormatError(f"{path}: {node.name}: @test_case's {keyword.arg}= must be written out "
                                           f"as a literal (a number, string or True/False), not computed") from None
            return options
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
        text = textwrap.dedent(_segment(source, node))
        outside = _names_from_outside(text)
        if outside:
            raise CheckFormatError(f"{where}: {node.name} uses names defined outside it ({', '.join(sorted(outside))}); "
                                   "import and define everything it needs inside it")
        parts[node.name] = text
    (judge,) = [node for node in defs if node.name == "judge"]
    _check_verdicts(judge, where)
    return parts


# Lines as the parser splits them (ast._splitlines_no_ff: at \r\n, \r and \n only), with their ends.
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _segment(source: str, node: ast.AST) -> str:
    """``ast.get_source_segment(source, node, padded=True)``, cut from the node's own lines: that
    function splits its text into lines character by character, for every part (0.1-0.2 s of the
    grader's start for this course's tests). Offsets are in UTF-8 bytes, as the parser gives them."""
    lines = _LINES.findall(source)[node.lineno - 1:node.end_lineno]
    first, last = lines[0].encode(), lines[-1].encode()
    if len(lines) == 1:
        return first[node.col_offset:node.end_col_offset].decode()
    padding = "".join(c if c in "\f\t" else " " for c in first[:node.col_offset].decode())
    return "".join([padding + first[node.col_offset:].decode(), *lines[1:-1], last[:node.end_col_offset].decode()])


def misconception_ids(judge: ast.FunctionDef) -> list[str]:
    """The ids of the verdicts judge can return, in source order (``_check_verdicts``'s rule)."""
    return [value.elts[0].value for ret in _verdict_returns(judge, _nested_functions(judge)) for value in _alternatives(ret.value)
            if isinstance(value, ast.Tuple)]


def _check_verdicts(judge: ast.FunctionDef, where: str) -> None:
    """Refuse a judge that could return a bare message (the rule is in this module's docstring)."""
    defined, bound = _nested_functions(judge), _bound_names(judge)
    for ret in _verdict_returns(judge, defined):
        for value in _alternatives(ret.value):
            line = f"{where}: judge, line {value.lineno} of the test"
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                name = value.func.id
                if name not in defined or name in bound:
                    raise CheckFormatError(f"{line}: returns the result of {name}(), which is not a function defined by def "
                                           "inside judge (and never bound again); return None or (\"misconception-id\", message)")
                continue
            if isinstance(value, ast.Tuple) and len(value.elts) == 2:
                kind, message = value.elts
                if not (isinstance(kind, ast.Constant) and isinstance(kind.value, str) and MISCONCEPTION_ID.match(kind.value)):
                    raise CheckFormatError(f"{line}: a verdict's first element must be a kebab-case string literal, "
                                           "the misconception's id, e.g. (\"grad-accumulated\", message)")
                if kind.value in GRADER_IDS:
                    raise CheckFormatError(f"{line}: {kind.value!r} is an id the grader gives itself; choose another")
                if not (isinstance(message, ast.JoinedStr) or (isinstance(message, ast.Constant) and isinstance(message.value, str))):
                    raise CheckFormatError(f"{line}: a verdict's message must be a string literal or f-string")
                continue
            raise CheckFormatError(f"{line}: judge must return None or (\"misconception-id\", message), "
                                   "not a bare message or another value")


def _nested_functions(judge: ast.FunctionDef) -> dict[str, list[ast.FunctionDef]]:
    found: dict[str, list[ast.FunctionDef]] = {}
    for node in ast.walk(judge):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not judge:
            found.setdefault(node.name, []).append(node)
    return found


def _bound_names(judge: ast.FunctionDef) -> set[str]:
    """The names judge (or a function inside it) assigns, deletes or binds by ``for``, ``with``, ``:=``."""
    return {node.id for node in ast.walk(judge) if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}


def _verdict_returns(judge: ast.FunctionDef, defined: dict[str, list[ast.FunctionDef]]) -> list[ast.Return]:
    """The ``return`` statements (with a value) of judge and of the nested functions (``defined``,
    by name) whose call one of them returns, transitively; each function's own statements, not
    those of its defs."""
    todo, visited, found = [judge], set(), []
    while todo:
        function = todo.pop()
        if id(function) in visited:
            continue
        visited.add(id(function))
        stack = list(function.body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Return) and node.value is not None:
                found.append(node)
                todo.extend(f for value in _alternatives(node.value) if isinstance(value, ast.Call)
                            and isinstance(value.func, ast.Name) for f in defined.get(value.func.id, []))
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda node: (node.lineno, node.col_offset))


def _alternatives(value: ast.expr) -> list[ast.expr]:
    """The values ``a or b or ...`` and ``a if c else b`` may return."""
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        return [v for item in value.values for v in _alternatives(item)]
    if isinstance(value, ast.IfExp):
        return _alternatives(value.body) + _alternatives(value.orelse)
    return [value]


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


def public_tests_source(test_source: str, path: str = "<test file>") -> str | None:
    """The test file without its hidden test cases (what a student may see), or None if none is left."""
    module = ast.parse(test_source)
    module.body = [node for node in module.body if not (_test_case_options(node, path) or {}).get("hidden", False)]
    if not any(_test_case_options(node, path) is not None for node in module.body):
        return None
    return ast.unparse(module)
