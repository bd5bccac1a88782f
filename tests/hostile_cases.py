"""Hostile and broken submissions: how each is made and what it must score.

Used by tests/assignment/test_hostile.py (graded by this package) and benchmarks/hostile_table.py (the
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
    # every later message of its process forged (a huge peak memory, cell errors of the wrong
    # types): the grader takes none of it, and the row is never the grader's error
    "forged_messages": "import coursegrader.engine.protocol as wire, json as real_json, types\n"
                       "def forged(message):\n"
                       "    if isinstance(message, dict) and 'peak_mb' in message:\n        return {'peak_mb': 10**400}\n"
                       "    if isinstance(message, dict) and 'executed' in message:\n"
                       "        return {'executed': [{'cell': 10**400, 'error': [], 'message': float('nan')}, None]}\n"
                       "    return message\n"
                       "wire.json = types.SimpleNamespace(dumps=lambda m, **o: real_json.dumps(forged(m), **o), loads=real_json.loads)",
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
    # no progress at a CPU share above the former backstop's 2%: a deadlock beside a helper thread
    # burning about 5% of a CPU, and a loop of short sleeps (about 6%, in system time)
    "deadlock_beside_a_busy_thread": ("import threading, time\ndef burn():\n    while True:\n"
                                      "        started = time.perf_counter()\n"
                                      "        while time.perf_counter() - started < 0.005:\n            pass\n"
                                      "        time.sleep(0.095)\n"
                                      "threading.Thread(target=burn, daemon=True).start()\n"
                                      "lock = threading.Lock()\nlock.acquire()\nlock.acquire()", "solution"),
    "short_waits_forever": ("import time\nwhile True:\n    time.sleep(0.0002)", "solution"),
    "write_outside": (f"for path in {[str(p) for p in ESCAPE_PATHS]!r} + ['../{ESCAPE_MARK}', '../../{ESCAPE_MARK}']:\n"
                      "    try:\n        open(path, 'w').write('escaped')\n    except OSError:\n        pass", "solution"),
}


def spread_memory(processes: int, seconds: int) -> str:
    """A cell holding memory no single process's RLIMIT_AS sees: ``processes`` fresh interpreters
    (fork, then exec: each small) writing 50 MB each and waiting ``seconds``; the cell itself
    waits a little less."""
    return (f"import os, sys, time\nfor _ in range({processes}):\n    if os.fork() == 0:\n"
            "        os.execv(sys.executable, [sys.executable, '-c', 'import time\\nheld = bytearray(50 * 2**20)\\n'\n"
            f"                 'for i in range(0, len(held), 4096): held[i] = 1\\ntime.sleep({seconds})'])\n"
            f"time.sleep({seconds - 2})\n")


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


# --- kernel objects that outlive a process ----------------------------------------------------
# The writer makes every kind of object another process could find later (System V shared
# memory, message queue and semaphore set, open to every user; a POSIX message queue; files in
# /dev/shm, /tmp and /var/tmp; a key; a process of its own session holding an abstract socket)
# and, by patching what the runner receives, copies each hidden check's observe code and probes
# into them. The reader, graded later, looks for all of them, by key, name and id; it earns w1's
# points only if it found anything. MARK makes the names unique to one test run; REPORT is a
# file each may write what it could do to (where it can: without Landlock).
KERNEL_OBJECTS_COMMON = """
import ctypes, ctypes.util, json, os, socket, subprocess, sys, time
MARK, REPORT = MARK_VALUE, REPORT_VALUE
KEY = int(MARK[-6:], 16)  # System V keys: KEY (memory), KEY + 1 (queue), KEY + 2 (semaphores)
libc = ctypes.CDLL(None, use_errno=True)
librt = ctypes.CDLL('librt.so.1', use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.syscall.restype = ctypes.c_long
report = {}
def ok(result, what):
    if result in (-1, None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), what)
    return result
def attempt(name, action):
    try:
        action()
        report[name] = 'done'
    except OSError as error:
        report[name] = error.errno
def save_report(suffix):
    try:
        with open(REPORT + suffix, 'w') as handle:
            json.dump(report, handle)
    except OSError:
        pass
"""

KERNEL_OBJECTS_WRITER = KERNEL_OBJECTS_COMMON + """
objects = {}
def shm():
    ident = ok(libc.shmget(KEY, 1 << 20, 0o1666), 'shmget')
    objects['shm'] = ok(libc.shmat(ident, None, 0), 'shmat')
def msg():
    objects['msg'] = ok(libc.msgget(KEY + 1, 0o1666), 'msgget')
def sem():
    objects['sem'] = ok(libc.semget(KEY + 2, 1, 0o1666), 'semget')
    ok(libc.semctl(objects['sem'], 0, 16, 42), 'semctl')  # SETVAL 42
def mq():
    objects['mq'] = ok(librt.mq_open(('/' + MARK).encode(), 0o102, 0o666, None), 'mq_open')
def files():
    for folder in ('/dev/shm', '/tmp', '/var/tmp'):
        path = f'{folder}/{MARK}'
        with open(path, 'w') as handle:
            handle.write(MARK)
        os.chmod(path, 0o666)
        objects.setdefault('files', []).append(path)
def key():
    payload = MARK.encode()
    serial = ok(libc.syscall(248, b'user', MARK.encode(), payload, len(payload), -4), 'add_key')  # the user keyring
    ok(libc.syscall(250, 5, serial, 0x3f3f3f3f), 'keyctl setperm')  # anyone may read it
HOLDER = '''
import os, socket, sys, time
mark = sys.argv[1]
try:
    server = socket.socket(socket.AF_UNIX)
    server.bind('\\\\0' + mark)
    server.listen()
    server.settimeout(0.2)
except OSError:
    server = None
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    try:
        if not os.path.exists('/tmp/' + mark):
            open('/tmp/' + mark, 'w').write(mark)  # comes back if removed while this process lives
    except OSError:
        pass
    if server is None:
        time.sleep(0.2)
        continue
    try:
        client, _ = server.accept()
        client.sendall(mark.encode())
        client.close()
    except OSError:
        pass
'''
def holder():  # a process of its own session: out of the submission's process group
    subprocess.Popen([sys.executable, '-c', HOLDER, MARK], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for name, action in (('shm', shm), ('msg', msg), ('sem', sem), ('mq', mq), ('files', files), ('key', key),
                     ('holder', holder)):
    attempt(name, action)
save_report('-writer')

def stash(text):
    data = (MARK + text).encode()[: (1 << 20) - 1]
    if 'shm' in objects:
        ctypes.memmove(objects['shm'], data + b'\\0', len(data) + 1)
    if 'msg' in objects:
        buffer = ctypes.create_string_buffer(8 + 8000)
        ctypes.memmove(ctypes.addressof(buffer), (1).to_bytes(8, 'little') + data[:8000], 8 + len(data[:8000]))
        libc.msgsnd(objects['msg'], buffer, len(data[:8000]), 0o4000)
    if 'mq' in objects:
        librt.mq_send(objects['mq'], data[:8000], len(data[:8000]), 0)
    for path in objects.get('files', []):
        try:
            with open(path, 'wb') as handle:
                handle.write(data)
        except OSError:
            pass

import coursegrader.engine.protocol as spied
seen_so_far = []
real_receive = spied.receive
def receive_and_keep(sock, *args, **kwargs):
    message = real_receive(sock, *args, **kwargs)
    if isinstance(message, dict) and message.get('op') == 'observe':
        seen_so_far.append({'source': message.get('source'), 'probes': message.get('probes')})
        stash(json.dumps(seen_so_far))
    return message
spied.receive = receive_and_keep
stash('')
"""

KERNEL_OBJECTS_READER = KERNEL_OBJECTS_COMMON + """
found = []
def shm():
    idents = []
    try:
        idents.append(ok(libc.shmget(KEY, 0, 0), 'shmget'))
    finally:  # by id too: every segment this process can see
        try:
            idents += [int(line.split()[1]) for line in open('/proc/sysvipc/shm').read().splitlines()[1:]]
        except OSError:
            pass
    for ident in idents:
        try:
            address = ok(libc.shmat(ident, None, 0o10000), 'shmat')  # SHM_RDONLY
            found.append(ctypes.string_at(address))
        except OSError:
            pass
def msg():
    ident = ok(libc.msgget(KEY + 1, 0), 'msgget')
    buffer = ctypes.create_string_buffer(8 + 8192)
    size = ok(libc.msgrcv(ident, buffer, 8192, 0, 0o4000), 'msgrcv')
    found.append(buffer.raw[8:8 + size])
def sem():
    ident = ok(libc.semget(KEY + 2, 0, 0), 'semget')
    if ok(libc.semctl(ident, 0, 12), 'semctl') == 42:  # GETVAL
        found.append(b'semaphore')
def mq():
    descriptor = ok(librt.mq_open(('/' + MARK).encode(), 0o4000, 0, None), 'mq_open')  # O_RDONLY | O_NONBLOCK
    buffer = ctypes.create_string_buffer(1 << 16)
    size = ok(librt.mq_receive(descriptor, buffer, 1 << 16, None), 'mq_receive')
    found.append(buffer.raw[:size])
def files():
    for folder in ('/dev/shm', '/tmp', '/var/tmp', '/dev/mqueue'):
        try:
            with open(f'{folder}/{MARK}', 'rb') as handle:
                found.append(handle.read())
        except OSError:
            pass
def key():
    for line in open('/proc/keys').read().splitlines():
        if MARK in line:
            buffer = ctypes.create_string_buffer(4096)
            size = ok(libc.syscall(250, 11, int(line.split()[0], 16), buffer, 4096), 'keyctl read')
            found.append(buffer.raw[:size])
def abstract():
    client = socket.socket(socket.AF_UNIX)
    client.settimeout(2)
    client.connect('\\0' + MARK)
    found.append(client.recv(100))
for name, action in (('shm', shm), ('msg', msg), ('sem', sem), ('mq', mq), ('files', files), ('key', key),
                     ('abstract', abstract)):
    attempt(name, action)
report['found'] = [item.decode('utf-8', 'replace')[:200] for item in found]
save_report('-reader')
leak = b'\\n'.join(found).decode('utf-8', 'replace')
print(leak[:100000])
import torch
# the right w1 answer only if something was found: w1 scoring 0 shows nothing was
grad_w1 = torch.arange(4.0) * (4 if found else 0)
"""


def kernel_object_cases(mark: str, report: str) -> tuple[str, str]:
    """The writer's and the reader's cells, with their names and report path filled in."""
    fill = lambda code: code.replace("MARK_VALUE", repr(mark)).replace("REPORT_VALUE", repr(report))  # noqa: E731
    return fill(KERNEL_OBJECTS_WRITER), fill(KERNEL_OBJECTS_READER)
