"""Hostile and broken submissions, graded in one batch by this package's grader.

Every case states what it must score. Tampering cases start from answers that earn nothing (the
blank release, tampering before any answer) or from a sample whose honest score is known
(tampering after its answers), so "scores what its honest answers earn" is exact. Fault
cases are bounded (a few hundred processes, tens of MB), so that even broken limits could not
take the machine down.
"""

import copy
import io
import json
import os
import uuid
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest

from coursegrader.checks import hidden_checks
from coursegrader.notebooks import read

from conftest import ASSIGNMENT, package_grade

ESCAPE_MARK = f"coursegrader-escape-{uuid.uuid4().hex}"
ESCAPE_PATHS = [Path("/tmp") / ESCAPE_MARK, Path("/var/tmp") / ESCAPE_MARK, Path.home() / ESCAPE_MARK,
                Path(__file__).resolve().parent / ESCAPE_MARK]
LIMIT_OPTIONS = ("--timeout", "40", "--cell-timeout", "4", "--workers", "2")

TAMPERING = {
    "patch_allclose": "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True",
    "patch_tensor_eq": "import torch\ntorch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)\n"
                       "torch.Tensor.__ne__ = lambda self, other: torch.zeros((), dtype=torch.bool)",
    "patch_torch_testing": "import torch.testing\ntorch.testing.assert_close = lambda *a, **k: None",
    "patch_numpy": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
                   "np.testing.assert_allclose = lambda *a, **k: None",
    "patch_builtins": "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.abs = lambda x: 0\n"
                      "builtins.all = lambda x: True\nbuiltins.any = lambda x: False",
    "patch_otter": "import otter.test_files.exception_test as et, otter.test_files.abstract_test as at\n"
                   "et.test_case.call_func = lambda self, env: None\n"
                   "at.TestFile.grade = property(lambda self: 1.0)\n"
                   "class Fake:\n    def check(self, *a, **k): return None\n    def check_all(self): return None\n"
                   "grader = Fake()",
    "patch_import": "import builtins\n_real = builtins.__import__\n"
                    "def fake_import(name, *args, **kwargs):\n"
                    "    module = _real(name, *args, **kwargs)\n"
                    "    if name == 'torch':\n        module.allclose = lambda *a, **k: True\n    return module\n"
                    "builtins.__import__ = fake_import",
    "forged_results": "import json, os\nforged = {'score': 24, 'tests': [{'name': q, 'score': 5, 'max_score': 5} for q in "
                      "['w1','w2','w3','e1a','e1b','e2a','e2b','e3a','e3b','e3c','e4a','e5']]}\n"
                      "for path in ['results.json', '../results.json', '../../results.json', 'graded.json']:\n"
                      "    try:\n        open(path, 'w').write(json.dumps(forged))\n    except OSError:\n        pass",
    "fake_passing_output": "for q in ['w1','w2','w3','e1a','e1b','e2a','e2b','e3a','e3b','e3c','e4a','e5']:\n"
                           "    print(f'{q} results: All test cases passed!')\nprint('{\"score\": 24}')",
    "audit_and_trace_hooks": "import sys\ndef hook(event, args):\n    pass\nsys.addaudithook(hook)\n"
                             "sys.settrace(lambda *a: None)\nsys.setprofile(lambda *a: None)",
}

# Read whatever could hold hidden tests; anything found goes into answers, output and errors.
SNOOPING = """\
import glob, os, sys
found = []
patterns = ['/autograder/**/*.py', '../**/*.py', '../../**/*.zip', '/tmp/**/*.zip', '/tmp/**/tests/*.py',
            os.path.expanduser('~') + '/**/*.ipynb', '/work/**/autograder/*.zip', '/work/**/source/**/*.ipynb']
for pattern in patterns:
    for path in glob.glob(pattern, recursive=True)[:50]:
        try:
            found.append(open(path, 'rb').read(200000).decode('utf-8', 'replace'))
        except OSError:
            pass
for pid in os.listdir('/proc'):
    try:
        cwd = os.readlink(f'/proc/{pid}/cwd')
        for path in glob.glob(cwd + '/**/*.py', recursive=True)[:20]:
            found.append(open(path).read())
        found.append(open(f'/proc/{pid}/mem', 'rb').read(100))
    except Exception:
        pass
leak = '\\n'.join(str(f) for f in found)
print(leak[:100000])
second_backward_error = leak[:100000]
vector_backward_error = leak[:100000]
def second_derivative(f, x):
    raise RuntimeError(leak[:5000])
"""

FAULTS = {
    "infinite_loop": ("while True:\n    pass", "solution"),
    "sleep_forever": ("import time\ntime.sleep(10**6)", "solution"),
    "swallows_interrupts": ("while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass",
                            "solution"),
    "huge_allocation": ("import torch\nbig = torch.ones(6 * 2**30, dtype=torch.uint8)\nbig.sum()", "solution"),
    "recursion_bomb": ("import sys\nsys.setrecursionlimit(10**6)\ndef down(n):\n    return down(n + 1) + 1\ndown(0)", "solution"),
    "os_exit": ("import os\nos._exit(3)", "solution"),
    "sys_exit": ("import sys\nsys.exit(1)", "solution"),
    "kill_parent": ("import os, signal, psutil\nfor p in psutil.process_iter(['cmdline']):\n"
                    "    if 'coursegrader' in ' '.join(p.info['cmdline'] or []) and p.pid != os.getpid():\n"
                    "        try:\n            os.kill(p.pid, signal.SIGKILL)\n        except OSError:\n            pass", "solution"),
    "fork_loop": ("import os, time\nfor _ in range(300):\n    try:\n        if os.fork() == 0:\n            time.sleep(120)\n"
                  "            os._exit(0)\n    except OSError:\n        break", "solution"),
    "huge_output": ("chunk = 'x' * 2**20\nfor _ in range(100):\n    print(chunk)", "solution"),
    "write_outside": (f"for path in {[str(p) for p in ESCAPE_PATHS]!r} + ['../{ESCAPE_MARK}', '../../{ESCAPE_MARK}']:\n"
                      "    try:\n        open(path, 'w').write('escaped')\n    except OSError:\n        pass", "solution"),
}


def _with_cell(notebook: nbformat.NotebookNode, source: str, at_end: bool) -> nbformat.NotebookNode:
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cell = nbformat.v4.new_code_cell(source)
    code_positions = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    notebook.cells.insert(code_positions[-1] if at_end else code_positions[1], cell)  # the export cell stays last
    return notebook


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def hostile_batch(course, tmp_path_factory):
    """Every case in one folder, graded in one run, beside untouched copies of the solution."""
    folder = tmp_path_factory.mktemp("hostile")
    release, solution = read(course.release(ASSIGNMENT)), read(course.solution(ASSIGNMENT))
    solution_bytes = course.solution(ASSIGNMENT).read_bytes()
    cases: dict[str, str] = {}  # case -> expected: "zero", "full", "invalid", "duplicate"

    def save(name, notebook, expected):
        nbformat.write(notebook, folder / f"{name}.ipynb")
        cases[name] = expected

    partial = read(course.samples(ASSIGNMENT) / "partial_credit.ipynb")
    for name, source in TAMPERING.items():
        save(f"tamper_{name}", _with_cell(release, source, at_end=False), "zero")
        save(f"tamper_late_{name}", _with_cell(partial, source, at_end=True), "partial")
    save("snoop", _with_cell(release, SNOOPING, at_end=True), "zero")
    for name, (source, base) in FAULTS.items():
        save(f"fault_{name}", _with_cell(solution, source, at_end=True), "fault")
    (folder / "bad_not_json.ipynb").write_text("this is not a notebook")
    (folder / "bad_truncated.ipynb").write_bytes(solution_bytes[: len(solution_bytes) // 2])
    (folder / "bad_empty_file.ipynb").write_bytes(b"")
    cases.update(bad_not_json="invalid", bad_truncated="invalid", bad_empty_file="invalid")
    nbformat.write(nbformat.convert(copy.deepcopy(solution), 3), folder / "old_nbformat_v3.ipynb")
    cases["old_nbformat_v3"] = "full"
    save("empty_notebook", nbformat.v4.new_notebook(), "zero")
    untagged = nbformat.from_dict(json.loads(json.dumps(solution)))
    for cell in untagged.cells:
        cell.metadata.pop("tags", None)
    save("answer_tags_missing", untagged, "full")
    shuffled = nbformat.from_dict(json.loads(json.dumps(solution)))
    shuffled.cells = list(reversed(shuffled.cells))
    save("cells_reordered", shuffled, "scored")
    pruned = nbformat.from_dict(json.loads(json.dumps(solution)))
    pruned.cells = [c for c in pruned.cells if not set(c.metadata.get("tags", [])) & {"e1a", "e3c"}]
    save("cells_deleted", pruned, "scored")
    (folder / "zip_no_notebook.zip").write_bytes(_zip({"readme.txt": b"hello"}))
    (folder / "zip_two_notebooks.zip").write_bytes(_zip({"a.ipynb": solution_bytes, "b.ipynb": solution_bytes}))
    (folder / "zip_path_traversal.zip").write_bytes(_zip({f"../../{ESCAPE_MARK}.ipynb": solution_bytes}))
    (folder / "zip_bomb.zip").write_bytes(_zip({"autograd.ipynb": b" " * (60 * 2**20)}))
    (folder / "not_a_zip.zip").write_bytes(b"PK\x03\x04 broken")
    cases.update(zip_no_notebook="invalid", zip_two_notebooks="invalid", zip_path_traversal="full", zip_bomb="invalid",
                 not_a_zip="invalid")
    (folder / os.fsdecode(b"name_\xff\xfe.ipynb")).write_bytes(solution_bytes)
    cases["name_\ufffd\ufffd"] = "full"
    (folder / "twice.ipynb").write_bytes(solution_bytes)
    os.utime(folder / "twice.ipynb", (1_000_000_000, 1_000_000_000))
    (folder / "twice.zip").write_bytes(_zip({"autograd.ipynb": solution_bytes}))
    cases.update(twice="full", **{"twice-2": "duplicate"})
    (folder / "honest.ipynb").write_bytes(solution_bytes)
    cases["honest"] = "full"
    scratch = tmp_path_factory.mktemp("hostile-scratch")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(scratch))  # the grader's scratch folders go here, to be checked after
        grades = package_grade([folder], tmp_path_factory.mktemp("hostile-grades"), *LIMIT_OPTIONS)
    grades.scratch_left = list(scratch.iterdir())
    return grades, cases


def _possible(points):
    return sum(points.values())


def test_every_case_has_a_row_and_the_batch_finished(hostile_batch):
    grades, cases = hostile_batch
    assert set(grades) == set(cases)


def test_tampering_earns_only_what_honest_answers_earn(hostile_batch, course, points):
    grades, cases = hostile_batch
    honest = json.loads((course.samples(ASSIGNMENT) / "expected.json").read_text())["partial_credit"]
    for name, expected in cases.items():
        if expected == "zero":
            assert float(grades[name]["total"]) == 0, (name, grades[name])
        if expected == "partial":
            assert {q: float(grades[name][q]) for q in points} == {q: points[q] * (q in honest) for q in points}, name


def test_honest_and_recoverable_cases_keep_full_marks(hostile_batch, points):
    grades, cases = hostile_batch
    for name, expected in cases.items():
        if expected == "full":
            assert float(grades[name]["total"]) == _possible(points), (name, grades[name])


@pytest.mark.parametrize("case, status, keeps_points", [
    ("fault_infinite_loop", "cell-timeout", True), ("fault_sleep_forever", "cell-timeout", True),
    ("fault_huge_allocation", "memory-limit", True), ("fault_huge_output", "output-limit", True),
    ("fault_sys_exit", "ok", True), ("fault_kill_parent", "ok", True), ("fault_fork_loop", "ok", True),
    ("fault_write_outside", "ok", True), ("fault_os_exit", "crashed", False),
    ("fault_swallows_interrupts", "timeout", False),
])
def test_faults_are_contained_with_a_clear_status(hostile_batch, points, case, status, keeps_points):
    grades, _ = hostile_batch
    row = grades[case]
    assert row["status"] == status, row
    total = float(row["total"])
    assert total == (_possible(points) if keeps_points else 0), row
    if status in ("crashed", "timeout"):
        assert "cell" in row["error"], row  # says where it stopped


def test_recursion_bomb_is_scored_with_a_status(hostile_batch, points):
    row = hostile_batch[0]["fault_recursion_bomb"]
    # a RecursionError, a cell interrupted while recursing, or a C stack overflow that ends the process
    assert row["status"] in ("ok", "cell-timeout", "crashed"), row
    assert row["status"] == "crashed" or float(row["total"]) == sum(points.values())


def test_nothing_written_outside_and_no_process_left(hostile_batch):
    assert not [path for path in ESCAPE_PATHS if path.exists()]
    survivors = [p.info for p in psutil.process_iter(["pid", "cmdline"])
                 if "coursegrader.forkserver" in " ".join(p.info["cmdline"] or [])]
    assert not survivors, "every submission process (and the fork loop's children) is gone"
    assert not hostile_batch[0].scratch_left, "scratch folders are removed"


@pytest.mark.parametrize("case, words", [
    ("bad_not_json", "not a notebook"), ("bad_truncated", "truncated"), ("bad_empty_file", "empty"),
    ("zip_no_notebook", "no notebook"), ("zip_two_notebooks", "2 notebooks"), ("zip_bomb", "larger than"),
    ("not_a_zip", "not a valid zip"),
])
def test_malformed_input_gets_a_clear_message(hostile_batch, case, words):
    row = hostile_batch[0][case]
    assert row["status"] == "invalid" and words in row["error"], row
    assert "Traceback" not in row["error"]


def test_duplicate_submission_grades_the_newest_once(hostile_batch):
    grades, _ = hostile_batch
    assert grades["twice-2"]["status"] == "duplicate" and "twice.zip" in grades["twice-2"]["error"]


def _hidden_lines(course) -> set[str]:
    """Distinctive lines of hidden test code: what must never reach a student."""
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        sources = [(name, archive.read(name).decode()) for name in archive.namelist() if name.startswith("tests/")]
    lines = set()
    for name, source in sources:
        for check in hidden_checks(source, name):
            for step in (check.probes_source, check.observe_source, check.judge_source):
                lines.update(line.strip() for line in step.splitlines()
                             if len(line.strip()) > 30 and "return " not in line and "import" not in line)
    return lines


def test_no_hidden_test_text_reaches_anything_a_student_gets(hostile_batch, course):
    grades = hostile_batch[0]
    hidden = _hidden_lines(course)
    assert hidden
    visible = [p for p in grades.out.rglob("*") if p.is_file() and p.suffix in (".json", ".html", ".csv")]
    visible += [course.release(ASSIGNMENT)]
    for path in visible:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name == "graded.json":
            continue  # the instructor's record, not shown to students; still checked below for the snoop
        assert not [line for line in hidden if line in text], path
    snoop = (grades.out / "results" / "snoop" / "graded.json").read_text(encoding="utf-8")
    assert not [line for line in hidden if line in snoop]
