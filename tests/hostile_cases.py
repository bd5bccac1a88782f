"""Hostile and broken submissions: how each is made and what it must score.

Used by tests/test_hostile.py (graded by this package) and benchmarks/hostile_table.py (the
same cases through plain `otter run`). Every fault is bounded (a few hundred processes, a few
GB, 100 MB of output), so that even broken limits could not take the machine down.
"""

import copy
import io
import json
import os
import uuid
import zipfile
from pathlib import Path

import nbformat

from coursegrader.core.notebooks import read
from coursegrader.inputs.problems import MAX_FILE_BYTES

ESCAPE_MARK = f"coursegrader-escape-{uuid.uuid4().hex}"
ESCAPE_PATHS = [Path("/tmp") / ESCAPE_MARK, Path("/var/tmp") / ESCAPE_MARK, Path.home() / ESCAPE_MARK,
                Path(__file__).resolve().parent / ESCAPE_MARK]

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
    # grader.check is where a question is judged: calling it over and over must not change a score
    "check_spam": "for _ in range(1000):\n    for q in ['w1','w2','w3','e1a','e1b','e2a','e2b','e3a','e3b','e3c','e4a','e5']:\n"
                  "        grader.check(q)",
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
        for path in (glob.glob(cwd + '/**/*.py', recursive=True)[:20] + glob.glob(cwd + '/source/**/*.ipynb', recursive=True)):
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
import torch
# the right w1 answer only if hidden test code was found: w1 scoring 0 shows nothing was read
# (the needle is built at run time, or this cell's own text, saved in the notebook, would match)
needle = 'def ' + 'judge(probes, seen)'
grad_w1 = torch.arange(4.0) * (4 if needle in leak else 0)
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
    "kill_parent": ("import os, signal, psutil\nfor p in psutil.Process().parents():\n"
                    "    if any(word in ' '.join(p.cmdline()) for word in ('coursegrader', 'otter')):\n"
                    "        try:\n            os.kill(p.pid, signal.SIGKILL)\n        except OSError:\n            pass", "solution"),
    "fork_loop": ("import os, time\nfor _ in range(300):\n    try:\n        if os.fork() == 0:\n            time.sleep(120)\n"
                  "            os._exit(0)\n    except OSError:\n        break", "solution"),
    "garbage_to_the_grader": ("import os, socket\nfor fd in range(3, 64):\n    try:\n"
                              "        channel = socket.socket(fileno=os.dup(fd))\n"
                              "        channel.sendall(b'\\x00\\x00\\x00\\x05[1,2]' + b'\\xff' * 64)\n"
                              "    except OSError:\n        pass", "solution"),
    "huge_output": ("chunk = 'x' * 2**20\nfor _ in range(100):\n    print(chunk)", "solution"),
    "write_outside": (f"for path in {[str(p) for p in ESCAPE_PATHS]!r} + ['../{ESCAPE_MARK}', '../../{ESCAPE_MARK}']:\n"
                      "    try:\n        open(path, 'w').write('escaped')\n    except OSError:\n        pass", "solution"),
}


# e5 and e3b answers whose evidence a student's code could forge or dodge, and honest ones the
# rules must keep: case -> (answers by question tag, cells placed before the e5 answer, cells
# placed after the e5 check, the question that must score 0 or None for full marks).
E5_HONEST_TOP = ("import matplotlib.pyplot as plt\n"
                 "x_plot = torch.linspace(-2 * torch.pi, 2 * torch.pi, 400, requires_grad=True)\n"
                 "y_plot = torch.sin(x_plot)\n")
E5_PLOT = ("fig, ax = plt.subplots()\n"
           "ax.plot(x_plot.detach().numpy(), y_plot.detach().numpy(), label='sin(x)')\n"
           "ax.plot(x_plot.detach().numpy(), {curve}, label='d sin(x) / dx')\n"
           "ax.legend()\n")
E5_BACKWARD = "y_plot.sum().backward()\ndydx = x_plot.grad.detach().clone()\n"
AUTOGRAD_CURVE = "dydx.numpy()"


def _e5(middle: str, curve: str = AUTOGRAD_CURVE, top: str = E5_HONEST_TOP) -> dict[str, str]:
    return {"e5": top + middle + E5_PLOT.format(curve=curve)}


def _f_string_doubling(levels: int, start: str) -> str:
    """Code whose strings grow 4 times per line (never run: it sits under `if False`)."""
    lines = [f"    b0 = {start!r}"] + [f"    b{i + 1} = f'{{b{i}}}{{b{i}}}{{b{i}}}{{b{i}}}'" for i in range(levels)]
    return "if False:\n" + "\n".join(lines) + f"\n    getattr(torch, b{levels})\n"


def evidence_cases() -> dict[str, tuple[dict, list, list, str | None]]:
    import pickle

    import torch

    pickled = pickle.dumps(torch.cos)  # bytes that name torch.cos without the letters in code
    return {
        # e5: no backward pass at all, x_plot.grad assigned by hand
        "e5_grad_by_hand": (_e5("x_plot.grad = torch.exp(1j * x_plot.detach()).real.contiguous()\ndydx = x_plot.grad.clone()\n"), [], [], "e5"),
        "e5_phase_by_hand": (_e5("q = torch.pi / 2\nx_plot.grad = torch.sin(x_plot.detach() + q)\ndydx = x_plot.grad.clone()\n"), [], [], "e5"),
        # a backward pass, but over another graph whose gradient is cos
        "e5_other_graph": (_e5("c = torch.exp(1j * x_plot.detach()).real\n(x_plot * c).sum().backward()\n"
                               "dydx = x_plot.grad.clone()\n"), [], [], "e5"),
        # cos reached through names the answer does not spell
        "e5_attribute_store": (_e5(E5_BACKWARD, "x_plot.detach().slope().numpy()"), ["torch.Tensor.slope = torch.Tensor.cos"], [], "e5"),
        "e5_builtins_alias": (_e5(E5_BACKWARD, "slope(x_plot.detach()).numpy()"), ["import builtins\nbuiltins.slope = torch.cos"], [], "e5"),
        "e5_builtins_setattr": (_e5(E5_BACKWARD, "slope(x_plot.detach()).numpy()"),
                                ["import builtins\nsetattr(builtins, 'slope', torch.cos)"], [], "e5"),
        "e5_reduce_getattr": (_e5("from functools import reduce\n" + E5_BACKWARD,
                                  "reduce(getattr, ['cos'], torch)(x_plot.detach()).numpy()"), [], [], "e5"),
        "e5_getattr_alias": (_e5("look = getattr\n" + E5_BACKWARD, "look(torch, 'co' + 's')(x_plot.detach()).numpy()"), [], [], "e5"),
        "e5_pickled_cos": (_e5(f"import pickle\nslope = pickle.loads({pickled!r})\n" + E5_BACKWARD,
                               "slope(x_plot.detach()).numpy()"), [], [], "e5"),
        "e5_rebinding_under_if": (_e5(E5_BACKWARD, "trig(x_plot.detach()).numpy()"), ["trig = torch.cos", "if False:\n    trig = torch.sin"], [], "e5"),
        # reading the code must stay bounded: 4^20 steps, or a 4^16-character (4.3 GB) name
        "e5_doubling_empty": (_e5(E5_BACKWARD + _f_string_doubling(20, "")), [], [], None),
        "e5_doubling_huge": (_e5(E5_BACKWARD + _f_string_doubling(16, "x")), [], [], "e5"),
        # e3b: a_vec.grad and A_mat.grad assigned by hand
        "e3b_grad_by_hand": ({"e3b": "a_vec.grad = (d_vec / a_vec).detach()\ngrad_vec = a_vec.grad.clone()\n"
                                     "A_mat = torch.randn(3, 4, requires_grad=True)\nA_mat.grad = (f(A_mat) / A_mat).detach()\n"
                                     "grad_mat = A_mat.grad.clone()"}, [], [], "e3b"),
        # honest: judged at the check, so cos after it is fine
        "e5_cos_after_the_check": ({}, [], ["import numpy as np\nxs = x_plot.detach().numpy()\n"
                                            "fig, ax = plt.subplots()\nax.plot(xs, dydx.numpy(), label='autograd')\n"
                                            "ax.plot(xs, np.cos(xs), '--', label='np.cos, for comparison')\nax.legend()"], None),
        # honest: a backward pass through sin; the derivative curve drawn as sin shifted by pi/2
        "e5_shifted_sine_with_backward": (_e5(E5_BACKWARD, "torch.sin(x_plot.detach() + torch.pi / 2).numpy()"), [], [], None),
        "e5_retain_graph": (_e5("y_plot.backward(torch.ones_like(y_plot), retain_graph=True)\ndydx = x_plot.grad\n"), [], [], None),
        "e5_grad_zeroed_first": (_e5("x_plot.grad = torch.zeros_like(x_plot)\ny_plot.sum().backward()\ndydx = x_plot.grad.clone()\n"),
                                 [], [], None),
        "e5_no_grad_and_lists": (_e5(E5_BACKWARD + "with torch.no_grad():\n    xs = [float(v) for v in x_plot]\n",
                                     "[float(v) for v in dydx]", top=E5_HONEST_TOP.replace("400", "300")), [], [], None),
        # fine grids (23.3): torch.arange(-2π, 2π, 1e-4) has 125,664 points; a million points
        "e5_grid_125664": (_e5(E5_BACKWARD, top=E5_HONEST_TOP.replace(
            "torch.linspace(-2 * torch.pi, 2 * torch.pi, 400, requires_grad=True)",
            "torch.arange(-2 * torch.pi, 2 * torch.pi, 1e-4, requires_grad=True)")), [], [], None),
        "e5_grid_million": (_e5(E5_BACKWARD, top=E5_HONEST_TOP.replace("400", "1_000_000")), [], [], None),
    }


def evidence_notebook(solution: nbformat.NotebookNode, answers: dict, before: list, after: list) -> nbformat.NotebookNode:
    """The solution with ``answers`` in the tagged cells, ``before`` just before the e5 answer and
    ``after`` just after the e5 check."""
    notebook = nbformat.from_dict(json.loads(json.dumps(solution)))
    for cell in notebook.cells:
        for tag in cell.metadata.get("tags", []):
            if tag in answers and cell.cell_type == "code":
                cell.source = answers[tag]
    (answer,) = [i for i, c in enumerate(notebook.cells) if "e5" in c.metadata.get("tags", []) and c.cell_type == "code"]
    (check,) = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.source.strip() == 'grader.check("e5")']
    for source in reversed(after):
        notebook.cells.insert(check + 1, nbformat.v4.new_code_cell(source))
    for source in reversed(before):
        notebook.cells.insert(answer, nbformat.v4.new_code_cell(source))
    return notebook


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


def build_cases(course, assignment: str, folder: Path) -> dict[str, str]:
    """Write every case into ``folder``; returns case -> what it must score:
    zero, partial (the partial_credit sample's honest score), full, scored (anything, no crash),
    fault (see the test), invalid, duplicate, without:<question> (full marks but 0 on that question)."""
    release, solution = read(course.release(assignment)), read(course.solution(assignment))
    solution_bytes = course.solution(assignment).read_bytes()
    cases: dict[str, str] = {}  # case -> expected: "zero", "full", "invalid", "duplicate"

    def save(name, notebook, expected):
        nbformat.write(notebook, folder / f"{name}.ipynb")
        cases[name] = expected

    partial = read(course.samples(assignment) / "partial_credit.ipynb")
    for name, source in TAMPERING.items():
        save(f"tamper_{name}", _with_cell(release, source, at_end=False), "zero")
        save(f"tamper_late_{name}", _with_cell(partial, source, at_end=True), "partial")
    save("snoop", _with_cell(release, SNOOPING, at_end=True), "zero")
    for name, (source, base) in FAULTS.items():
        save(f"fault_{name}", _with_cell(solution, source, at_end=True), "fault")
    save("fault_os_exit_early", _with_cell(solution, FAULTS["os_exit"][0], at_end=False), "fault")  # before any check
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
    (folder / "zip_bomb.zip").write_bytes(_zip({"autograd.ipynb": b" " * (MAX_FILE_BYTES + 1)}))
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
    for name, (answers, before, after, loses) in evidence_cases().items():
        save(name, evidence_notebook(solution, answers, before, after), f"without:{loses}" if loses else "full")
    return cases
