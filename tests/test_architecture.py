"""The package's shape as a contract: stages on floors (import-linter's layers contract in
pyproject.toml), no import circles, the fork server's lifecycle owned by the engine alone, one
source for a question's points and checks, and one reading of each file a grading run needs."""

import ast
import io
import json
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import grimp
import pytest

from helpers import ASSIGNMENT, ROOT

from coursegrader.core.autograder_zip import MANIFEST_NAME
from coursegrader.engine.assignment import Assignment

PACKAGE = ROOT / "coursegrader"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
                           "--no-cache"], cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)


def test_the_stages_keep_their_floors():
    completed = lint_imports(ROOT)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 kept, 0 broken" in completed.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contract is not vacuous: the engine importing a route is caught."""
    shutil.copytree(PACKAGE, tmp_path / "coursegrader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    engine = tmp_path / "coursegrader" / "engine" / "engine.py"
    engine.write_text(engine.read_text() + "\nfrom coursegrader.routes import local  # noqa\n")
    completed = lint_imports(tmp_path)
    assert completed.returncode != 0 and "coursegrader.engine.engine -> coursegrader.routes.local" in completed.stdout


def test_no_module_imports_itself_back():
    """No circles at any depth: the module graph's strongly connected components are single modules."""
    graph = grimp.build_graph("coursegrader")
    modules = sorted(graph.modules)
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(module):  # Tarjan's algorithm
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    assert circles == []


def _calls_of(name: str) -> dict[str, int]:
    """module path -> how many times it calls ``name(...)``."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and getattr(node.func, "id", getattr(node.func, "attr", None)) == name]
        if calls:
            found[path.relative_to(PACKAGE).as_posix()] = len(calls)
    return found


def test_only_the_engine_starts_a_fork_server_and_grades_with_it():
    """The fork server's start / ready / close is written once, in the Engine; every route grades
    through ``Engine.grade``."""
    assert set(_calls_of("ForkServer")) == {"engine/engine.py"}
    assert set(_calls_of("grade_submission")) == {"engine/engine.py"}
    routes = {path for path in _calls_of("Engine") if path.startswith("routes/")}
    assert routes == {"routes/local.py", "routes/dask_cluster.py", "routes/gradescope.py", "routes/nbgrader_autograde.py"}


def _with_manifest(course, change) -> bytes:
    """The built autograder zip with its manifest changed by ``change``."""
    source = course.autograder(ASSIGNMENT).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == MANIFEST_NAME:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            new.writestr(info, data)
    return out.getvalue()


def test_a_question_has_one_account_of_its_points_and_checks(course):
    assignment = Assignment.from_autograder(course.autograder(ASSIGNMENT).read_bytes())
    for question in assignment.questions:
        checks = assignment.checks_of(question.name)
        assert tuple(check.name for check in checks) == question.checks
        assert sum(check.points for check in checks) == (0 if question.manual else question.points)

    def more_points(manifest):
        next(q for q in manifest["questions"] if q["name"] == "e3c")["points"] += 1

    def lost_check(manifest):
        next(q for q in manifest["questions"] if q["name"] == "e3c")["checks"] = []

    for change in (more_points, lost_check):
        with pytest.raises(ValueError, match="e3c.*rebuild"):
            Assignment.from_autograder(_with_manifest(course, change))


OPENS = textwrap.dedent("""
    import json, os, sys
    watched = {os.path.realpath(p): 0 for p in json.loads(sys.argv[1])}
    def count(event, args):
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.path.realpath(os.fsdecode(args[0]))
            if path in watched:
                watched[path] += 1
    sys.addaudithook(count)
    from coursegrader.cli import main
    status = main(sys.argv[2:])
    print(json.dumps({"status": status, "opens": watched}))
""")


@pytest.mark.slow
def test_a_grading_run_reads_each_submission_and_the_autograder_once(course, tmp_path):
    """Fingerprint, grading and the class analyses share one reading of each submission's file;
    the autograder zip is read once for the whole run (counted by the interpreter's audit hook)."""
    samples = sorted(course.samples(ASSIGNMENT).glob("*.ipynb"))
    autograder = course.autograder(ASSIGNMENT)
    watched = [str(autograder), *map(str, samples)]
    command = [sys.executable, "-c", OPENS, json.dumps(watched), "--course-root", str(ROOT), "grade",
               *map(str, samples), "--out", str(tmp_path / "out"), "--workers", "2"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["status"] == 0
    assert report["opens"] == {str(Path(p).resolve()): 1 for p in watched}
