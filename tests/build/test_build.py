"""The build: committed artifacts are fresh, the release readable by every user, no kernel warning
printed, and a broken master fails loudly without writing."""

import io
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from helpers import ASSIGNMENT, ROOT, committed_bytes
from coursegrader.core.autograder_zip import read_manifest
from coursegrader.core.notebooks import read, source_of


GENERATED_FOLDERS = ("release", "solutions", "autograder")  # everything `python -m coursegrader build` writes


def _files_under(root, folders) -> set[str]:
    return {path.relative_to(root).as_posix() for folder in folders for path in (root / folder).rglob("*") if path.is_file()}


def _same_zip_members(committed: bytes, rebuilt) -> bool:
    with zipfile.ZipFile(io.BytesIO(committed)) as old, zipfile.ZipFile(rebuilt) as new:
        return sorted(old.namelist()) == sorted(new.namelist()) and all(old.read(n) == new.read(n) for n in old.namelist())


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """(the folder, the build's run): the build into a temporary folder, with a umask that lets
    nobody but the owner read anything it does not open up itself."""
    out = tmp_path_factory.mktemp("rebuilt")
    shutil.copy(ROOT / "course_config.py", out)
    completed = subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "build", "--out", str(out)],
                               capture_output=True, text=True, timeout=600, umask=0o077)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return out, completed


@pytest.mark.slow
def test_committed_artifacts_equal_a_rebuild(rebuilt):
    """Every tracked file of the generated folders, as git holds it, is what the build writes, and
    the build writes nothing that is not tracked: a leftover (otter's .OTTER_LOG, an export zip)
    fails this test."""
    out, _ = rebuilt
    tracked = set(subprocess.run(["git", "ls-files", "-z", "--", *GENERATED_FOLDERS], cwd=ROOT, capture_output=True,
                                 check=True).stdout.decode().split("\0")) - {""}
    rebuilt_files = _files_under(out, GENERATED_FOLDERS)
    assert tracked == rebuilt_files, \
        f"tracked but not built: {sorted(tracked - rebuilt_files)}; built but not tracked: {sorted(rebuilt_files - tracked)}"
    for name in sorted(tracked):
        committed, fresh = committed_bytes(ROOT / name), out / name
        if committed != fresh.read_bytes():
            assert name.endswith(".zip") and _same_zip_members(committed, fresh), \
                f"{name} is stale: run `python -m coursegrader build` and commit what it writes"


@pytest.mark.slow
def test_the_release_is_readable_by_every_user_whatever_the_umask(rebuilt):
    """A course folder copied to a shared hub: students can open release/ and read every file in
    it. What holds answers or hidden tests stays the owner's."""
    out, _ = rebuilt
    release = out / "release" / ASSIGNMENT
    files = sorted(path for path in release.iterdir())
    assert {path.name for path in files} == {f"{ASSIGNMENT}.ipynb", "export_pdf.py", "matplotlibrc"}
    assert {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in files} == {path.name: "0o644" for path in files}
    for folder in (release, release.parent):
        assert oct(stat.S_IMODE(folder.stat().st_mode)) == "0o755", folder
    for private in (out / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", out / "autograder" / f"{ASSIGNMENT}-autograder.zip",
                    out / "autograder" / "nbgrader" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"):
        assert stat.S_IMODE(private.stat().st_mode) & 0o077 == 0, private


@pytest.mark.slow
def test_the_build_prints_no_kernel_warning(rebuilt):
    """The kernels the build starts (otter assign's check of the solution, the solution's run) talk
    over IPC: ipykernel's "running over TCP without encryption" warning never reaches the instructor."""
    _, completed = rebuilt
    printed = completed.stdout + completed.stderr
    assert "[build autograd] done" in printed
    assert "without encryption" not in printed and "IPKernelApp" not in printed, printed


def test_the_build_leaves_a_generated_folder_holding_only_what_it_writes(tmp_path):
    """What running the solution in place leaves beside it goes at the next build."""
    from coursegrader.build.pipeline import write_folder

    folder = tmp_path / "solutions" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / ".OTTER_LOG").write_bytes(b"log")
    (folder / f"{ASSIGNMENT}_2026_11_22T05_17_52_805764.zip").write_bytes(b"zip")
    (folder / ".ipynb_checkpoints").mkdir()
    write_folder(folder, {f"{ASSIGNMENT}.ipynb": b"{}"})
    assert sorted(p.name for p in folder.iterdir()) == [".ipynb_checkpoints", f"{ASSIGNMENT}.ipynb"]
    assert (folder / f"{ASSIGNMENT}.ipynb").read_bytes() == b"{}"


def test_manifest_lists_every_question_with_the_masters_points(course, questions):
    manifest = read_manifest(course.autograder(ASSIGNMENT))
    assert [(q["name"], q["points"], q["manual"]) for q in manifest["questions"]] == \
           [(q.name, q.points, q.manual) for q in questions]
    # each question's hidden checks, by which verdicts are counted per question (misconceptions)
    assert [q["checks"] for q in manifest["questions"]] == \
           [[f"test_{q.name}_{'value' if q.name.startswith('w') else 'hidden'}"] if not q.manual else [] for q in questions]
    # the course's warm-ups travel with the zip (Gradescope's image has no course_config.py)
    assert manifest["warm_up"] == course.FORK_SERVER_WARM_UP
    assert manifest["first_use"] == {"warm_up": course.FIRST_USE_WARM_UP, "words": course.FIRST_USE_WORDS}
    assert "torch.func" in manifest["first_use"]["warm_up"] and "func" in manifest["first_use"]["words"]


def test_solution_notebook_is_executed_with_the_plot(course):
    solution = read(course.solution(ASSIGNMENT))
    e5_cells = [c for c in solution.cells if "e5" in c.metadata.get("tags", [])]
    assert any(o.get("data", {}).get("image/png") for c in e5_cells for o in c.outputs), "the sin plot is missing"
    check_outputs = [o for c in solution.cells if c.cell_type == "code" and "grader.check(" in source_of(c) for o in c.outputs]
    assert check_outputs and all("the public check passed; hidden tests on new inputs decide the points" in str(o) for o in check_outputs)


@pytest.mark.slow
def test_a_failing_solution_fails_the_build_and_writes_nothing(course, tmp_path):
    broken_root = tmp_path / "course"
    shutil.copytree(ROOT / "source", broken_root / "source")
    shutil.copy(ROOT / "course_config.py", broken_root)
    master_path = broken_root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(master_path, as_version=4)
    for cell in nb.cells:
        cell.source = source_of(cell).replace("grad_w1 = x.grad.clone()  # SOLUTION", "grad_w1 = 2 * x.grad.clone()  # SOLUTION")
    nbformat.write(nb, master_path)
    completed = subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(broken_root), "build"],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 1
    assert "w1" in completed.stderr and "nothing was written" in completed.stderr
    assert not (broken_root / "release").exists() and not (broken_root / "autograder").exists()


def test_missing_master_is_a_clear_error(tmp_path):
    course_file = (ROOT / "course_config.py").read_text()  # a complete configuration: settings are checked first
    (tmp_path / "course_config.py").write_text(course_file.replace('ASSIGNMENTS = ["autograd"]', "ASSIGNMENTS = ['nowhere']"))
    completed = subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(tmp_path), "build"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert "nowhere" in completed.stderr and "does not exist" in completed.stderr
