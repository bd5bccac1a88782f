"""The autograder zip run the way Gradescope runs it (tests/gradescope_harness.py): the zip
unpacked into ``source``, the upload in ``submission``, the zip's own ``run_autograder`` started
from the root, ``results/results.json`` checked against Gradescope's output format.

The zip grades with this package's engine: submissions that fool otter's ``run_autograder``
(tests in the student's kernel) get their honest score here, and only the grader writes
results.json. The root is a temporary folder, given to run_autograder as AUTOGRADER_ROOT.
"""

import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from packaging.specifiers import SpecifierSet

from helpers import ASSIGNMENT, ROOT, TORCH_FUNC_E1A, committed_bytes, leaked_lines, package_grade, with_answers
from coursegrader.build.gradescope_image import pins
from coursegrader.core.results import Graded
from coursegrader.engine.forkserver import environment_to_fork_from
from coursegrader.core.notebooks import read
from gradescope_harness import VALIDATOR, environment, gradescope_tree, log_of, results_of, run_autograder

# Replaces otter's test runner with one that marks every test case passed: 24 of 24 under otter's
# own run_autograder, which runs the tests in the student's kernel.
PATCH_OTTER_RUN = """\
from otter.test_files.abstract_test import TestCaseResult
from otter.test_files.exception_test import ExceptionTestFile

def run(self, global_environment):
    self.test_case_results = [TestCaseResult(test_case=case, message="ok", passed=True) for case in self.test_cases]

ExceptionTestFile.run = run
"""

# Writes a full-marks results.json into Gradescope's results folder, now and, from a process of its
# own, for half a minute after (otter writes its own results.json when the kernel is done).
FORGE_RESULTS = """\
import json, os, time
forged = json.dumps({"score": 24, "forged": True, "tests": [{"name": "w1", "score": 24, "max_score": 24}]})
path = RESULTS_JSON
def forge():
    try:
        with open(path, "w") as handle:
            handle.write(forged)
    except OSError:
        pass
forge()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(300):
            forge()
            time.sleep(0.1)
    os._exit(0)
"""

# Reads the autograder's tests; answers w1 right only if it found hidden test code (the needle is
# built at run time: the cell's own text, saved in the notebook, must not match).
READ_TESTS = """\
import glob
found = ""
for path in glob.glob(SOURCE + "/tests/*.py") + glob.glob(SOURCE + "/**/*.py", recursive=True):
    try:
        found += open(path).read()
    except OSError:
        pass
import torch
grad_w1 = torch.arange(4.0) * (4 if "def " + "judge(probes, seen)" in found else 0)
"""

HOSTILE = {"patches_otter": PATCH_OTTER_RUN, "forges_results": FORGE_RESULTS, "reads_tests": READ_TESTS}

def _notebook_bytes(notebook) -> bytes:
    return nbformat.writes(notebook).encode("utf-8")


def _zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def _hostile_upload(course, root: Path, case: str) -> dict[str, bytes]:
    source = HOSTILE[case].replace("RESULTS_JSON", repr(str(root / "results" / "results.json")))
    source = source.replace("SOURCE", repr(str(root / "source")))
    return {f"{ASSIGNMENT}.ipynb": _notebook_bytes(with_answers(read(course.release(ASSIGNMENT)), {"w1": source}))}


def _torch_func_notebook(course) -> bytes:
    return _notebook_bytes(with_answers(read(course.solution(ASSIGNMENT)), {"e1a": TORCH_FUNC_E1A}))


def _uploads(course, root: Path, case: str) -> dict[str, bytes]:
    samples = course.samples(ASSIGNMENT)
    if case in HOSTILE:
        return _hostile_upload(course, root, case)
    return {  # students name their files as they like
        "solution": {f"{ASSIGNMENT}.ipynb": course.solution(ASSIGNMENT).read_bytes()},
        "torch_func": {f"{ASSIGNMENT}.ipynb": _torch_func_notebook(course)},
        "full_marks": {"作业 final.zip": _zip_of("copy of notebook.ipynb", (samples / "full_marks.ipynb").read_bytes())},
        "partial_credit": {"my work (final).ipynb": (samples / "partial_credit.ipynb").read_bytes()},
        "crashes_midway": {"crashes_midway.ipynb": (samples / "crashes_midway.ipynb").read_bytes()},
        "blank": {"Untitled1.ipynb": (samples / "blank.ipynb").read_bytes()},
        "broken_autograder": {f"{ASSIGNMENT}.ipynb": course.solution(ASSIGNMENT).read_bytes()},
        "no_notebook": {"answers.pdf": b"%PDF-1.4 written answers", "notes.txt": b"see pdf"},
        "two_notebooks": {"a.ipynb": course.solution(ASSIGNMENT).read_bytes(),
                          "b.zip": _zip_of("b.ipynb", course.solution(ASSIGNMENT).read_bytes())},
        "no_python": {f"{ASSIGNMENT}.ipynb": course.solution(ASSIGNMENT).read_bytes()},
        "killed_grader": {f"{ASSIGNMENT}.ipynb": course.solution(ASSIGNMENT).read_bytes()},
    }[case]


GRADED = ["solution", "full_marks", "partial_credit", "crashes_midway", "blank", "torch_func", *HOSTILE]
FAILING = ["broken_autograder", "no_notebook", "two_notebooks", "no_python", "killed_grader"]
OFFLINE = "solution"  # graded without a network, when this machine can take one away (unshare)


def _offline_prefix() -> tuple:
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True) if shutil.which("unshare") else None
    return ("unshare", "--net") if probe is not None and probe.returncode == 0 else ()


class Run:
    def __init__(self, root: Path, completed: subprocess.CompletedProcess, offline: bool):
        self.root, self.returncode, self.offline = root, completed.returncode, offline
        self.results, self.log = results_of(root), log_of(root)


def _run(course, workdir: Path, case: str) -> Run:
    root = gradescope_tree(workdir / case, course.autograder(ASSIGNMENT), {})
    for name, data in _uploads(course, root, case).items():
        (root / "submission" / name).write_bytes(data)
    env = environment(root)
    if case == "broken_autograder":
        (root / "source" / "coursegrader.json").write_text("{ not json")
    if case == "no_python":  # an image whose setup.sh failed: no grader installed
        env["COURSEGRADER_PREFIX"] = str(workdir / "nothing-installed")
    if case == "killed_grader":  # as the kernel's OOM killer stops it: SIGKILL
        python = workdir / "killed" / "bin" / "python"
        python.parent.mkdir(parents=True)
        python.write_text("#!/bin/sh\nkill -9 $$\n")
        python.chmod(0o755)
        env["COURSEGRADER_PREFIX"] = str(workdir / "killed")
    prefix = _offline_prefix() if case == OFFLINE else ()
    completed = run_autograder(root, "--timeout", "120", "--cell-timeout", "20", env=env, command_prefix=prefix)
    if case == "forges_results":
        time.sleep(2)  # time for anything the submission left behind to write again
    return Run(root, completed, bool(prefix))


@pytest.fixture(scope="module")
def runs(course, tmp_path_factory) -> dict[str, Run]:
    workdir = tmp_path_factory.mktemp("gradescope")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case: pool.submit(_run, course, workdir, case) for case in GRADED + FAILING}
        return {case: future.result() for case, future in futures.items()}


def _scores(results: dict) -> dict[str, float]:
    return {test["name"]: test["score"] for test in results["tests"] if test["name"] != "Public Tests"}


@pytest.mark.slow
def test_every_run_writes_results_gradescope_accepts(runs):
    for case, run in runs.items():
        assert run.returncode == 0, (case, run.log[-2000:])
        VALIDATOR.validate(run.results)
    # the schema rejects what Gradescope would not take, and what this course never writes
    broken = json.loads(json.dumps(runs["solution"].results))
    scored = broken["tests"][1]
    del scored["max_score"]
    assert not VALIDATOR.is_valid(broken)
    scored["max_score"], scored["visibility"] = 1, "students_only"
    assert not VALIDATOR.is_valid(broken)
    scored["visibility"], scored["output_format"] = "visible", "text"
    assert not VALIDATOR.is_valid(broken)


@pytest.mark.slow
def test_solution_and_samples_score_what_they_earn_whatever_the_file_is_called(course, runs, points):
    assert _scores(runs["solution"].results) == points
    assert runs["solution"].results["score"] == sum(points.values())
    expected = json.loads((course.samples(ASSIGNMENT) / "expected.json").read_text())
    for sample, full in expected.items():
        if sample.startswith("_"):
            continue
        results = runs[sample].results
        assert _scores(results) == {name: (points[name] if name in full else 0.0) for name in points}, sample
        assert results["score"] == sum(points[name] for name in full), sample


@pytest.mark.slow
def test_an_answer_that_first_uses_torch_func_scores_as_in_a_batch(course, runs, points, tmp_path):
    """The Gradescope run starts its fork server before it has read the zip and sends the course's
    warm-up later: that warm-up (torch.func's first-call set-up) still runs before the submission's
    process is forked. An e1a answered with torch.func, first used in its own cell, gets full
    marks through the zip, the same per question as `coursegrader grade` gives it."""
    assert _scores(runs["torch_func"].results) == points
    upload = tmp_path / "torch_func.ipynb"
    upload.write_bytes(_torch_func_notebook(course))
    row = package_grade([upload], tmp_path / "out")["torch_func"]
    assert {name: float(row[name]) for name in points} == _scores(runs["torch_func"].results)


# The route run in a process of its own, which then says what it imported and logged.
GRADER_MODULES = """
import json, sys
from pathlib import Path
from coursegrader.routes.gradescope import run
log = []
status = run(Path(sys.argv[1]), {}, log=log.append)
print(json.dumps({"status": status, "modules": sorted(sys.modules), "log": log}))
"""
ONLY_THE_FORK_SERVER_NEEDS = {"IPython", "otter", "matplotlib", "pandas", "nbformat", "jsonschema", "torch._dynamo",
                              "sympy"}


def test_the_route_loads_nothing_heavy_before_it_starts_the_fork_server():
    """The fork server's start (torch, IPython, otter) is the run's longest path, so the route
    starts it first: the command line and the route module import no NumPy, nbformat, torch,
    IPython, otter or matplotlib before that (the route then loads torch to fork the server)."""
    code = "import json, sys, coursegrader.cli, coursegrader.routes.gradescope; print(json.dumps(sorted(sys.modules)))"
    modules = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert not {name.split(".")[0] for name in modules} & {"numpy", "torch", *ONLY_THE_FORK_SERVER_NEEDS}


@pytest.mark.slow
def test_the_grader_loads_torch_once_for_itself_and_its_fork_server_and_nothing_else_the_server_needs(course, tmp_path):
    """One submission per run: the grader process loads torch, which its judges need, and forks
    its fork server from itself (not a second interpreter loading torch again); the notebook's
    other libraries (IPython, otter, matplotlib) and torch.func's machinery load in the server
    only, while the grader reads the tests; this route reads no notebook with nbformat."""
    root = gradescope_tree(tmp_path / "root", course.autograder(ASSIGNMENT),
                           {f"{ASSIGNMENT}.ipynb": course.solution(ASSIGNMENT).read_bytes()})
    completed = subprocess.run([sys.executable, "-P", "-c", GRADER_MODULES, str(root)], cwd=root,
                               env=environment_to_fork_from(environment(root)),  # as the command starts again
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    loaded = set(report["modules"]) | {name.split(".")[0] for name in report["modules"]}
    assert report["status"] == 0 and results_of(root)["score"] == 24
    assert "torch" in loaded and not loaded & ONLY_THE_FORK_SERVER_NEEDS
    assert not any("started apart" in line for line in report["log"]), report["log"]


@pytest.mark.slow
def test_grading_needs_no_network(runs, points):
    run = runs[OFFLINE]
    if not run.offline:
        pytest.skip("this machine cannot take the network away from a process (unshare --net)")
    assert run.results["score"] == sum(points.values())


@pytest.mark.slow
@pytest.mark.parametrize("case", list(HOSTILE))
def test_what_fools_otters_run_autograder_earns_nothing(runs, points, case):
    """Patching otter's test runner, forging results.json, reading the tests: 24, 24 and 1 under
    otter's run_autograder; 0 here, in a results.json the grader wrote."""
    results = runs[case].results
    assert results["score"] == 0 and set(_scores(results).values()) == {0.0}, case
    assert "forged" not in results and results["extra_data"]["status"] == "ok"
    assert set(_scores(results)) == set(points)


@pytest.mark.slow
def test_the_tests_results_and_upload_are_root_only(runs):
    """Made so before the submission's process starts: a process that runs as another user can
    neither read the tests nor write the results."""
    if os.geteuid() != 0:
        pytest.skip("the grader makes the folders root-only when it runs as root, as on Gradescope")
    root = runs["partial_credit"].root
    assert {name: stat.S_IMODE((root / name).stat().st_mode) for name in ("source", "results", "submission")} == \
           dict.fromkeys(("source", "results", "submission"), 0o700)


@pytest.mark.slow
def test_nothing_of_the_hidden_tests_reaches_the_student(runs, hidden_test_lines):
    for case, run in runs.items():
        text = json.dumps(run.results, ensure_ascii=False)
        assert not leaked_lines(text, hidden_test_lines), case
        assert not any(code in text for code in ("def observe", "def judge", "def test_")), case


@pytest.mark.slow
def test_hidden_results_wait_for_publication_and_public_checks_say_what_they_are(runs, points):
    results = runs["partial_credit"].results
    scored = [test for test in results["tests"] if test["name"] != "Public Tests"]
    assert {test["name"] for test in scored} == set(points)
    assert {test["visibility"] for test in scored} == {"after_published"}
    (public,) = [test for test in results["tests"] if test["name"] == "Public Tests"]
    assert public["visibility"] == "visible" and public["max_score"] == 0
    assert "hidden tests on new inputs decide the points" in public["output"]
    assert all(re.search(rf"^- ✅ {name} ", public["output"], re.M) for name in points)


@pytest.mark.slow
def test_instructors_can_count_misconceptions_and_see_the_walls(runs, points):
    run = runs["partial_credit"]
    boxes = {test["name"]: test for test in run.results["tests"]}
    e1b = boxes["e1b"]
    assert e1b["score"] == 0
    (failed,) = e1b["extra_data"]["failed"]
    assert e1b["extra_data"] == {"status": "ok", "failed": [failed], "passed": []}
    assert failed["check"] == "test_e1b_hidden" and failed["message"] == e1b["output"]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", failed["misconception"])  # the hidden test's own id
    assert boxes["e1a"]["extra_data"]["failed"] == [] and boxes["e1a"]["extra_data"]["passed"] == ["test_e1a_hidden"]
    assert isinstance(run.results["extra_data"]["missing_walls"], list)
    assert "walls missing:" in run.log  # the instructor's log says which walls this machine lacked
    assert run.results["stdout_visibility"] == "hidden"  # and students never see that log
    assert 0 < run.results["execution_time"] < 120


@pytest.mark.slow
@pytest.mark.parametrize("case, words", [
    ("broken_autograder", "upload the autograder zip again"),
    ("no_notebook", "no notebook in your submission"),
    ("two_notebooks", "upload exactly one"),
    ("no_python", "the autograder did not run"),
    ("killed_grader", "the autograder did not run"),
])
def test_an_engine_failure_still_gives_a_result_that_says_what_to_do(runs, case, words):
    run = runs[case]
    assert run.returncode == 0, run.log[-2000:]
    results = run.results
    assert results["score"] == 0 and words in results["output"]
    assert re.search(r"[\u4e00-\u9fff]", results["output"]), "the message is in Chinese first"
    for chosen in ("answers.pdf", "notes.txt", "a.ipynb", "b.zip"):
        assert chosen not in json.dumps(results, ensure_ascii=False)  # no name the student chose
    if case == "broken_autograder":
        assert "JSONDecodeError" in run.log  # what broke, for the instructor
    if case in ("no_python", "killed_grader"):  # which of the two, for the instructor and in the row
        killed = case == "killed_grader"
        assert ("killed by signal 9" in run.log) == killed and ("rebuild the autograder image" in run.log) != killed
        assert ("more memory" in results["tests"][0]["output"]) == killed
        assert VALIDATOR.is_valid(results)


def test_text_from_the_submission_is_shown_as_typed_in_markdown():
    """A public check's name and message come from the submission's process: in the markdown
    output they can make no heading, link, image, emphasis or HTML."""
    from markdown_it import MarkdownIt

    hostile = "```\n# 满分 24/24\n[click](http://example.com) <img src=x onerror=alert(1)> **bold**\n````"
    graded = Graded("s", "ok", public=[{"name": "w1 [x](http://example.com) *a* <b>", "passed": False, "message": hostile}])
    (public, *_) = graded.to_gradescope(None)["tests"]
    html = MarkdownIt("commonmark").render(public["output"])
    assert not re.search(r"<(h1|a|img|strong|em|b)\b", html), html
    assert "onerror=alert(1)" in html and "&lt;img" in html  # shown, as text


def _zip_text(course, name: str) -> str:
    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        return archive.read(name).decode()


def test_image_scripts_are_valid_bash(course, tmp_path):
    for name in ("setup.sh", "run_autograder"):
        script = tmp_path / name
        script.write_text(_zip_text(course, name))
        completed = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert completed.returncode == 0, (name, completed.stderr)


def test_setup_installs_only_pinned_versions_and_the_bundled_package(course):
    setup = _zip_text(course, "setup.sh")
    assert f'python_version="{course.PYTHON_VERSION}"' in setup and f'torch_version="{course.TORCH_VERSION}"' in setup
    assert f'torch_index="{course.TORCH_CPU_INDEX_URL}"' in setup and not re.search(r"@[A-Z_]+@", setup)
    # torch through the bundled torch_install.py (the CPU build when PyTorch's CPU index answers), with the pins
    assert '"$here/gradescope/package/coursegrader/build/torch_install.py" "$torch_version" "$torch_index" "${pip_options[@]}"' in setup
    assert f'uv_version="{course.UV_VERSION}"' in setup and '"uv==$uv_version"' in setup  # the fallback's uv, pinned
    assert "--constraint" in setup and "gradescope/constraints.txt" in setup and "gradescope/package/coursegrader" in setup
    installs = re.findall(r'"\$\{pip\[@\]\}"[^\n]*', setup)
    assert installs and all("gradescope/requirements.txt" in line for line in installs)
    assert not re.search(r"\b(wget|curl|git clone|conda|mamba)\b", setup)
    repository_pins = pins((ROOT / "requirements.txt").read_text())
    requirements = [line for line in _zip_text(course, "gradescope/requirements.txt").splitlines() if not line.startswith("#")]
    assert requirements and all(line in repository_pins.values() for line in requirements)
    for wanted in [f"otter-grader=={course.OTTER_VERSION}", *course.AUTOGRADER_REQUIREMENTS,
                   *(repository_pins[name] for name in ("ipython", "traitlets", "nbformat"))]:
        assert wanted in requirements
    assert _zip_text(course, "gradescope/constraints.txt") == (ROOT / "requirements.txt").read_text()


# Sources the zip's setup.sh (which then only defines its functions) with the network steps
# replaced by shell functions that log their calls, then asks it for a Python: what a Gradescope
# image build does before it installs any package.
CHOOSE_PYTHON = r"""
set -euo pipefail
source "$SETUP"
note() { echo "$*" >>"$CALLS"; }
sleep() { note "sleep $*"; }
apt-get() { note "apt-get $*"; }
add-apt-repository() { note "add-apt-repository $*"; [ "$1" = --remove ] || [ "$PPA" = up ]; }
python3.11() { note "python3.11"; [ "$IMAGE_PYTHON" = yes ] && "$REAL_PYTHON" "$@"; }
# pip installing uv from PyPI: a uv that logs what it is asked and finds this machine's Python
python3() {
  note "python3 $*"
  [ "$1 $2 $3" = "-m pip install" ] || return 0
  [ "$PYPI" = up ] || return 1
  local target=""
  while [ $# -gt 0 ]; do [ "$1" = --target ] && target="$2"; shift; done
  mkdir -p "$target/bin"
  printf '#!/usr/bin/env bash\necho "uv $* (UV_PYTHON_INSTALL_DIR=$UV_PYTHON_INSTALL_DIR)" >>"%s"\n[ "$2" != find ] || echo "%s"\n' \
    "$CALLS" "$REAL_PYTHON" >"$target/bin/uv"
  chmod +x "$target/bin/uv"
}
choose_python
"""


def choose_python(course, tmp_path, image_python="no", ppa="down", pypi="up"):
    """(completed process, the calls the network steps got, the prefix) of setup.sh's choice of Python."""
    (tmp_path / "setup.sh").write_text(_zip_text(course, "setup.sh"))
    prefix, calls = tmp_path / "opt" / "coursegrader", tmp_path / "calls"
    prefix.parent.mkdir()
    calls.touch()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SETUP": str(tmp_path / "setup.sh"), "CALLS": str(calls),
           "COURSEGRADER_PREFIX": str(prefix), "REAL_PYTHON": os.path.realpath(sys.executable),
           "IMAGE_PYTHON": image_python, "PPA": ppa, "PYPI": pypi}
    completed = subprocess.run(["bash", "-c", CHOOSE_PYTHON], env=env, capture_output=True, text=True, timeout=300)
    return completed, calls.read_text().splitlines(), prefix


def made_by(prefix: Path) -> str:
    return subprocess.run([str(prefix / "bin" / "python"), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.slow
def test_setup_falls_back_to_uv_when_the_deadsnakes_archive_fails(course, tmp_path):
    completed, calls, prefix = choose_python(course, tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # the archive tried three times, 10 s and 20 s apart, then taken out of apt's sources
    assert calls.count("add-apt-repository -y ppa:deadsnakes/ppa") == 3 and calls.count("sleep 10") >= 1
    assert "sleep 20" in calls and "add-apt-repository --remove -y ppa:deadsnakes/ppa" in calls
    assert "installing Python 3.11 from the deadsnakes archive" in completed.stdout
    assert f"with uv {course.UV_VERSION} instead" in completed.stdout
    # the pinned uv from PyPI, then a standalone CPython kept beside the environment
    (pip,) = [call for call in calls if call.startswith("python3 -m pip install")]
    assert pip.endswith(f"--target {prefix}-uv uv=={course.UV_VERSION}")
    assert f"uv python install --no-bin {course.PYTHON_VERSION} (UV_PYTHON_INSTALL_DIR={prefix}-python)" in calls
    assert f"uv python find --managed-python {course.PYTHON_VERSION} (UV_PYTHON_INSTALL_DIR={prefix}-python)" in calls
    assert made_by(prefix).startswith(f"{course.PYTHON_VERSION}.")  # the environment, made by the Python uv found


@pytest.mark.slow
def test_setup_takes_the_images_python_and_fetches_nothing_when_it_fits(course, tmp_path):
    completed, calls, prefix = choose_python(course, tmp_path, image_python="yes")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert calls == ["python3.11", "python3.11"]  # the version check, then the environment
    assert made_by(prefix).startswith(f"{course.PYTHON_VERSION}.")


def test_setup_says_what_failed_when_no_python_can_be_had(course, tmp_path):
    completed, calls, _ = choose_python(course, tmp_path, pypi="down")
    assert completed.returncode != 0
    assert sum(call.startswith("python3 -m pip install") for call in calls) == 3  # uv: tried three times too
    assert completed.stderr.strip().splitlines()[-1] == (
        f"error: no Python {course.PYTHON_VERSION} of at least {course.PYTHON_MINIMUM_VERSION}: the image has none, "
        "and neither the deadsnakes archive nor uv gave one (see above)")


def test_the_oldest_python_setup_accepts_installs_every_pinned_package(course):
    """setup.sh takes the image's Python only if it is at least PYTHON_MINIMUM_VERSION; every pin
    must install on that release (Requires-Python, read from this environment, which holds the pins)."""
    minimum = course.PYTHON_MINIMUM_VERSION
    assert minimum.startswith(f"{course.PYTHON_VERSION}.") and f'python_minimum="{minimum}"' in _zip_text(course, "setup.sh")
    checked = 0
    for pin in pins((ROOT / "requirements.txt").read_text()).values():
        name, version = pin.split("==")
        try:
            installed = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        requires = installed.metadata.get("Requires-Python")
        if installed.version == version and requires:
            checked += 1
            assert SpecifierSet(requires).contains(minimum), f"{pin} needs Python {requires}"
    assert checked > 50


def test_importing_otter_builds_no_grammar():
    """jsonschema from 4.24 on imports rfc3987-syntax, which builds 38 Lark parsers at import time:
    2-8 s in each process that imports nbformat (every kernel's `import otter`, the fork server,
    `otter run`). requirements.txt pins the jsonschema before it (benchmarks/import_time.py)."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, otter, nbformat.validator; "
                             "print(sorted({m.split('.')[0] for m in sys.modules} & {'rfc3987_syntax', 'lark'}))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]", f"importing otter loaded {loaded}: see the jsonschema pin in requirements.txt"
    assert "rfc3987-syntax" not in pins((ROOT / "requirements.txt").read_text())


def test_run_autograder_installs_nothing(course):
    script = _zip_text(course, "run_autograder")
    assert not re.search(r"\b(pip|apt|apt-get|wget|curl|conda|mamba)\b", script)
    assert "-m coursegrader gradescope" in script and "AUTOGRADER_ROOT" in script


def test_the_zip_carries_this_package_and_keeps_otters_files(course):
    with zipfile.ZipFile(io.BytesIO(committed_bytes(course.autograder(ASSIGNMENT)))) as archive:  # as committed
        names = set(archive.namelist())
        bundled = {name.removeprefix("gradescope/package/coursegrader/"): archive.read(name) for name in names
                   if name.startswith("gradescope/package/coursegrader/")}
    package = ROOT / "coursegrader"
    modules = {path.relative_to(package).as_posix(): path.read_bytes() for path in package.rglob("*.py")
               if "__pycache__" not in path.parts}
    assert {name: data for name, data in bundled.items() if name.endswith(".py")} == modules
    assert "engine/forkserver.py" in bundled and "build/gradescope_image/setup.sh" not in bundled
    assert "otter_config.json" in names and any(n.startswith("tests/") for n in names) and "files/matplotlibrc" in names
