"""What a student's grader.check says, in a real Jupyter kernel running the release notebook.

A public check tests type, shape and one easy value: when it passes it says so, says what it
looked at, and says that hidden tests on new inputs decide the points, never otter's "All test
cases passed!". A failing check keeps otter's own report. The init cell works whatever the file
is called: beside other notebooks under its own name, or renamed when it is the only one. The
export cell's check of the zip runs its kernel over IPC: no kernel warning in red under it."""

import shutil
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpers import ASSIGNMENT, answers_of, with_answers
from coursegrader.core.notebooks import read, source_of

HONEST = ("w1：公开检查通过。得分由提交后在新输入上运行的隐藏测试决定。",
          "w1: the public check passed; hidden tests on new inputs decide the points.",
          "公开检查只看了：grad_w1 是形状为 (4,) 的张量 / the public check looked only at: grad_w1 is a tensor of shape (4,)")


def check_outputs(course, folder, name: str) -> dict[str, dict]:
    """The release with w1 answered and w2 left blank, saved as ``name`` in ``folder`` and run in
    a fresh kernel up to w2's check; each check cell's displayed result (mime type -> text)."""
    release = read(course.release(ASSIGNMENT))
    notebook = with_answers(release, answers_of(read(course.solution(ASSIGNMENT)), ["w1"]))
    last = max(i for i, cell in enumerate(notebook.cells) if source_of(cell) == 'grader.check("w2")')
    notebook.cells = notebook.cells[:last + 1]
    for support in course.release(ASSIGNMENT).parent.iterdir():
        if support.suffix != ".ipynb":
            shutil.copy(support, folder / support.name)
    nbformat.write(notebook, str(folder / name))
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    shown = {}
    for cell in notebook.cells:
        if source_of(cell).startswith("grader.check("):
            (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
            shown[source_of(cell)] = {mime: "".join(text) for mime, text in result.data.items()}
    return shown


def assert_honest(shown: dict) -> None:
    passed, failed = shown['grader.check("w1")'], shown['grader.check("w2")']
    for text in (passed["text/plain"], passed["text/html"]):
        assert all(line in text for line in HONEST), text
        assert "All test cases passed" not in text and "passed!" not in text, text
    assert "w2 results" in failed["text/plain"] and "grad_w2 must be a torch.Tensor" in failed["text/plain"], failed


@pytest.mark.slow
def test_a_passing_public_check_says_what_it_checked_beside_other_notebooks(course, tmp_path):
    shutil.copy(course.solution(ASSIGNMENT), tmp_path / "my-notes.ipynb")  # otter cannot guess which one is the assignment
    assert_honest(check_outputs(course, tmp_path, f"{ASSIGNMENT}.ipynb"))


@pytest.mark.slow
def test_grader_check_works_in_a_renamed_notebook(course, tmp_path):
    assert_honest(check_outputs(course, tmp_path, "作业 2.5（张三）.ipynb"))


@pytest.mark.slow
def test_the_export_cell_shows_no_kernel_warning(course, tmp_path):
    """grader.export(run_tests=True) runs the notebook again in a new process and shows what that
    process printed to stderr as a warning: ipykernel's "Kernel is running over TCP without
    encryption" appeared there, in red, under every student's export."""
    release = read(course.release(ASSIGNMENT))
    notebook = with_answers(release, answers_of(read(course.solution(ASSIGNMENT)), ["w1", "w2"]))
    for support in course.release(ASSIGNMENT).parent.iterdir():
        if support.suffix != ".ipynb":
            shutil.copy(support, tmp_path / support.name)
    nbformat.write(notebook, str(tmp_path / f"{ASSIGNMENT}.ipynb"))
    socket_folders = set(Path(tempfile.gettempdir()).glob("otter-kernel-*"))
    # the export cell too (graders skip it by its tag; a student runs it)
    NotebookClient(notebook, timeout=600, kernel_name="python3", skip_cells_with_tag="no-such-tag",
                   allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    (export,) = [cell for cell in notebook.cells if "grader.export(" in source_of(cell)]
    shown = "\n".join(output.get("text", "") + "".join(output.get("data", {}).values()) for output in export.outputs)
    assert "Your submission received the following results" in shown and "w1：公开检查通过" in shown, shown
    assert not [output for output in export.outputs if output.get("name") == "stderr"], shown
    assert "without encryption" not in shown and "IPKernelApp" not in shown, shown
    (exported,) = tmp_path.glob(f"{ASSIGNMENT}_*.zip")
    with zipfile.ZipFile(exported) as archive:
        assert f"{ASSIGNMENT}.ipynb" in archive.namelist()
    assert set(Path(tempfile.gettempdir()).glob("otter-kernel-*")) == socket_folders, "the kernel's socket folder was left behind"
