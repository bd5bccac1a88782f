"""Reading hidden tests (coursegrader/engine/checks.py) on small test files: the probes / observe /
[inspect /] judge shape is taken apart into standalone parts, every other shape is refused with
a message naming the file and the function, a part that needs a name from outside it is caught,
and the public part of a test file keeps nothing of the hidden tests. Fast: no process."""

import ast
import random
import textwrap
import zipfile

import pytest

from coursegrader.engine.checks import (_LINES, CheckFormatError, _names_from_outside, _segment, hidden_checks,
                                        public_tests_source, standalone)
from helpers import ASSIGNMENT

HIDDEN = '''
@test_case(points=2, hidden=True, success_message="q: 对 / right", failure_message="q: 错 / wrong")
def test_q_hidden(env):
    """The docstring a test may have."""
    def probes():
        import random
        return {"x": random.Random(7).random()}
    def observe(env, probes):
        return {"y": env["f"](probes["x"])}
    def judge(probes, seen):
        import math
        def close(a, b):
            return math.isclose(a, b)
        return None if close(seen["y"], 2 * probes["x"]) else ("doubles-wrong", "f(x) 应为 2x / f(x) must be 2x")
    import json
    given = probes()
    seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
    problem = judge(given, seen)
    assert problem is None, problem[1]
'''
PUBLIC = '''
from otter.test_files import test_case

OK_FORMAT = False
name = "q"

@test_case(points=0, hidden=False)
def test_q_public(f):
    assert callable(f), "f 应当是函数 / f must be a function"
'''
WITH_INSPECT = '''
@test_case(points=1, hidden=True)
def test_r_hidden(env):
    def probes():
        return {}
    def observe(env, probes):
        return {"cells": []}
    def inspect(cells):
        return any("cos" in c["source"] for c in cells if "r" in c["tags"])
    def judge(probes, seen):
        return ("uses-cos", "用了 cos / uses cos") if seen["inspected"] else None
    import json
    given = probes()
    seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
    seen['inspected'] = inspect(seen.pop('cells', []))
    problem = judge(given, seen)
    assert problem is None, problem[1]
'''


def one_check(source: str):
    (check,) = hidden_checks(textwrap.dedent(source), "tests/q.py")
    return check


# --- the shape that is accepted ---------------------------------------------------------------

def test_a_hidden_test_is_taken_apart_into_parts_that_stand_alone():
    check = one_check(HIDDEN)
    assert (check.name, check.points) == ("test_q_hidden", 2.0)
    assert (check.success_message, check.failure_message) == ("q: 对 / right", "q: 错 / wrong")
    assert check.inspect_source is None
    for source, head in ((check.probes_source, "def probes():"), (check.observe_source, "def observe(env, probes):"),
                         (check.judge_source, "def judge(probes, seen):")):
        assert source.startswith(head) and ast.parse(source)  # dedented: parses on its own
    given = standalone(check.probes_source)()
    seen = standalone(check.observe_source)({"f": lambda x: 2 * x}, given)
    judge = standalone(check.judge_source)
    assert judge(given, seen) is None
    assert judge(given, {"y": 0.0}) == ("doubles-wrong", "f(x) 应为 2x / f(x) must be 2x")


def test_a_part_runs_in_a_namespace_of_its_own():
    check = one_check(HIDDEN)
    judge = standalone(check.judge_source)
    assert set(judge.__globals__) == {"__builtins__", "judge"}  # nothing of the grader's module, nothing shared
    assert standalone(check.judge_source).__globals__ is not judge.__globals__


def test_the_inspect_part_is_read_between_observe_and_judge():
    check = one_check(WITH_INSPECT)
    inspect = standalone(check.inspect_source)
    assert inspect([{"source": "y = torch.cos(x)", "tags": ["r"]}]) is True
    assert inspect([{"source": "y = torch.cos(x)", "tags": []}, {"source": "y = torch.sin(x)", "tags": ["r"]}]) is False


def test_only_hidden_test_cases_are_read_in_file_order():
    second = HIDDEN.replace("test_q_hidden", "test_q_second").replace("points=2", "points=0.5")
    source = textwrap.dedent(PUBLIC + HIDDEN + "\ndef helper_not_a_test(env):\n    return 1\n" + second)
    checks = hidden_checks(source, "tests/q.py")
    assert [(c.name, c.points) for c in checks] == [("test_q_hidden", 2.0), ("test_q_second", 0.5)]
    assert hidden_checks(textwrap.dedent(PUBLIC), "tests/q.py") == []


def test_a_decorator_spelled_through_its_module_counts():
    source = HIDDEN.replace("@test_case(", "@otter.test_files.test_case(")
    assert one_check(source).name == "test_q_hidden"


# --- shapes that are refused ------------------------------------------------------------------

TAIL_LINE = "    seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))\n"


@pytest.mark.parametrize("old, new, words", [
    ("def test_q_hidden(env):", "def test_q_hidden(env, extra):", "exactly one parameter, env"),
    ("def test_q_hidden(env):", "def test_q_hidden(env=None):", "exactly one parameter, env"),
    ("def test_q_hidden(env):", "def test_q_hidden(*env):", "exactly one parameter, env"),
    ("    def observe(env, probes):\n        return {\"y\": env[\"f\"](probes[\"x\"])}\n", "", "in that order"),
    ("def judge(probes, seen):", "def decide(probes, seen):", "in that order"),
    ("    import json\n", "    import json\n    print(env)\n", "must be exactly"),
    (TAIL_LINE, "    seen = observe(env, given)\n", "must be exactly"),  # observe handed the grader's own objects
    ("    problem = judge(given, seen)\n", "    problem = judge(seen, given)\n", "must be exactly"),
    ("def observe(env, probes):", "def observe(probes, env):", "observe must be `def observe(env, probes)`"),
    ("def probes():", "def probes(seed=1):", "probes must be `def probes()`"),
    ("def judge(probes, seen):", "def judge(probes, seen, *rest):", "judge must be"),
    ("    def probes():", "    @staticmethod\n    def probes():", "probes must be"),
    ("points=2, hidden=True", "points=POINTS, hidden=True", "points= must be written out as a literal"),
])
def test_another_shape_is_refused_naming_the_file_and_the_function(old, new, words):
    assert old in HIDDEN
    with pytest.raises(CheckFormatError) as error:
        hidden_checks(textwrap.dedent(HIDDEN.replace(old, new, 1)), "tests/q.py")
    assert str(error.value).startswith("tests/q.py: test_q_hidden: ") and words in str(error.value)


def test_a_file_that_is_not_python_is_refused_naming_it():
    with pytest.raises(CheckFormatError, match="^tests/q.py: not valid Python"):
        hidden_checks("def test_q(env:\n", "tests/q.py")


@pytest.mark.parametrize("old, new, outside", [
    ("        import math\n", "", {"math"}),  # imported at the top of the file, not in judge
    ("return math.isclose(a, b)", "return math.isclose(a, b, rel_tol=TOLERANCE)", {"TOLERANCE"}),  # in a helper inside
    ('return {"y": env["f"](probes["x"])}', 'return {"y": encode(env["f"](probes["x"]))}', {"encode"}),
])
def test_a_part_that_needs_a_name_from_outside_it_is_refused(old, new, outside):
    source = "import math\nTOLERANCE = 1e-6\ndef encode(v):\n    return v\n" + textwrap.dedent(HIDDEN.replace(old, new, 1))
    with pytest.raises(CheckFormatError) as error:
        hidden_checks(source, "tests/q.py")
    assert f"uses names defined outside it ({', '.join(sorted(outside))})" in str(error.value)


def test_names_from_outside_are_the_free_names_that_are_not_builtins():
    part = textwrap.dedent('''
        def judge(probes, seen):
            import torch
            limit = 3
            def within(value):
                return abs(value) < limit and isinstance(value, float)  # the enclosing function's and builtins
            class Reading:
                scale = torch.float64
                shift = OFFSET  # a class body inside reads from outside too
            total = sum(x for x in seen["values"] if within(x))
            return None if total < THRESHOLD else helper(total)
    ''')
    assert _names_from_outside(part) == {"OFFSET", "THRESHOLD", "helper"}
    assert _names_from_outside("def probes():\n    return {'n': len([1, 2])}\n") == set()


# --- the public part of a test file -----------------------------------------------------------

def test_the_public_part_keeps_the_public_tests_and_nothing_of_the_hidden_ones():
    source = textwrap.dedent(PUBLIC + HIDDEN + WITH_INSPECT)
    public = public_tests_source(source)
    tree = ast.parse(public)
    assert [node.name for node in tree.body if isinstance(node, ast.FunctionDef)] == ["test_q_public"]
    assert "OK_FORMAT = False" in public and "from otter.test_files import test_case" in public
    for line in ("def judge", "doubles-wrong", "random.Random(7)", "def inspect", "uses-cos"):
        assert line not in public, line
    namespace = {}
    exec(public.replace("from otter.test_files import test_case", "test_case = lambda **options: lambda f: f"), namespace)
    with pytest.raises(AssertionError, match="f must be a function"):
        namespace["test_q_public"](None)


def test_a_file_of_hidden_tests_only_has_no_public_part():
    assert public_tests_source(textwrap.dedent("from otter.test_files import test_case\n" + HIDDEN)) is None


@pytest.mark.slow
def test_a_part_is_cut_from_its_file_as_ast_cuts_it(course):
    """``_segment`` cuts a part from its own lines (ast.get_source_segment splits its text
    character by character for each part: 0.1-0.2 s of every grader's start). The same text, for
    every statement of the course's test files and every node of code indented with tabs and
    holding characters of several bytes (the parser's offsets are in bytes), and the same lines for line ends of
    every kind: the parser splits at \\r\\n, \\r and \\n only, not at form feeds or Unicode
    line separators."""
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        sources = [archive.read(name).decode() for name in archive.namelist() if name.startswith("tests/")]
    crlf = HIDDEN.replace("\n", "\r\n").replace("2 * probes", "2\x0c* probes")
    wide = "def f():\n\tx = 'é'; y = '中'\n\tdef g(): return 'ü'  \n\tif x: pass\r\n\tclass C:\r\t\ta = ('ß',\n\t\t 2)\n"
    for source in [*sources, HIDDEN, crlf, wide]:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.stmt) or (source == wide and getattr(node, "end_lineno", None) is not None):
                assert _segment(source, node) == ast.get_source_segment(source, node, padded=True)
    assert "2\x0c* probes" in hidden_checks(crlf)[0].judge_source
    generator = random.Random(2026)
    for _ in range(2000):
        text = "".join(generator.choice("ab \t\r\n\x0c\v\x1c\u2028é") for _ in range(generator.randrange(40)))
        assert _LINES.findall(text) == ast._splitlines_no_ff(text), repr(text)
