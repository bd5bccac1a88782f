"""`otter run` on the autograder zip judges each question right after its grader.check cell,
whatever the submitted file is called (students upload files named as they like).

otter's own init cell opened "autograd.ipynb" by name: in a file called otherwise it failed, no
check cell counted, and every question was judged on the state at the end. The submission below
answers e3a with 3 elements (the question fixes 10) and a later e3b cell makes a new 10-element
a_vec: e3a must score 0 under any name."""

import nbformat
import pytest

from helpers import ASSIGNMENT, otter_runs, with_answers
from coursegrader.core.notebooks import read

REASSIGNED = {
    "e3a": "a_vec = torch.randn(3, requires_grad=True)\nd_vec = f(a_vec)\nvector_backward_error = None\n"
           "try:\n    d_vec.backward()\nexcept RuntimeError as err:\n    vector_backward_error = str(err)",
    "e3b": "a_vec = torch.randn(10, requires_grad=True)\nd_vec = f(a_vec)\nd_vec.sum().backward()\ngrad_vec = a_vec.grad.clone()\n"
           "A_mat = torch.randn(3, 4, requires_grad=True)\nf(A_mat).sum().backward()\ngrad_mat = A_mat.grad.clone()",
}


@pytest.mark.slow
def test_otter_run_judges_at_the_check_cell_under_any_file_name(course, points, tmp_path):
    notebook = with_answers(read(course.solution(ASSIGNMENT)), REASSIGNED)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    paths = []
    for folder, name in (("named", f"{ASSIGNMENT}.ipynb"), ("renamed", "hw2.5 张三 (1).ipynb")):
        (tmp_path / folder).mkdir()
        nbformat.write(notebook, str(tmp_path / folder / name))
        paths.append(tmp_path / folder / name)

    scores = otter_runs({path.parent.name: path for path in paths}, course.autograder(ASSIGNMENT), tmp_path / "results")
    named, renamed = scores["named"], scores["renamed"]
    expected = dict(points, e3a=0.0)
    assert {q: float(named[q]) for q in points} == expected
    assert {q: float(renamed[q]) for q in points} == expected
