"""One random state per check (coursegrader/engine/randomness.py): a check's student calls draw
the same numbers whatever the notebook drew before, and the notebook draws afterwards what it
would have drawn without the check; in a real grading run too, within the cell that calls
grader.check."""

import random

import nbformat
import numpy as np
import pytest
import torch

from helpers import ASSIGNMENT, package_grade, with_answers
from coursegrader.core.notebooks import read
from coursegrader.engine import randomness


def _draw() -> tuple:
    return torch.rand(3).tolist(), random.random(), np.random.rand()


def test_a_check_draws_the_same_whatever_was_drawn_before_and_the_notebook_goes_on_undisturbed():
    inside = set()
    for before in (0, 1, 2):
        torch.manual_seed(before)
        random.seed(before)
        np.random.seed(before)
        for _ in range(before):
            _draw()
        with randomness.fixed(randomness.check_seed(42, "e4a - 1")):
            inside.add(repr(_draw()))
        after_check = _draw()
        torch.manual_seed(before)
        random.seed(before)
        np.random.seed(before)
        for _ in range(before):
            _draw()
        assert after_check == _draw()  # as if the check had not run
    assert len(inside) == 1


def test_each_check_has_its_own_seed_from_the_course_seed_and_its_name():
    seeds = {randomness.check_seed(course, name) for course in (42, None) for name in ("e4a - 1", "e1a - 1")}
    assert len(seeds) == 4 and all(0 <= seed < 2**32 for seed in seeds)
    assert randomness.check_seed(42, "e4a - 1") == randomness.check_seed(42, "e4a - 1")


def test_a_notebook_that_replaces_the_seeding_functions_is_still_seeded(monkeypatch):
    randomness.hold()
    monkeypatch.setattr(random, "seed", lambda *args, **kwargs: None)
    monkeypatch.setattr(np.random, "seed", lambda *args, **kwargs: None)
    monkeypatch.setattr(torch, "manual_seed", lambda *args, **kwargs: None)
    drawn = set()
    for _ in range(2):
        with randomness.fixed(7):
            drawn.add(repr(_draw()))
    assert len(drawn) == 1


# Inside w2's answer cell: draws, a check of e4a whose answer draws from torch at every call (its
# observe runs here; e4a's own cell later checks it again), and draws again; w2 is right only if
# the second draw is the one the cell would have made without the check.
SAME_CELL = """
def my_control_flow(x):
    noise = torch.rand(())
    return x ** 2 + 0 * noise if x > 0 else torch.sin(x)

torch.manual_seed(5)
first = torch.rand(3)
expected = torch.rand(3)
torch.manual_seed(5)
first = torch.rand(3)
grader.check("e4a")
second = torch.rand(3)
x.grad.zero_()
x.sum().backward()
grad_w2 = x.grad.clone() * (1.0 if torch.equal(second, expected) else 3.0)
"""


@pytest.mark.slow
def test_a_check_inside_a_cell_leaves_the_cells_later_draws_alone(course, points, tmp_path):
    solution = read(course.solution(ASSIGNMENT))
    notebook = with_answers(solution, {"w2": SAME_CELL})
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    folder = tmp_path / "in"
    folder.mkdir()
    nbformat.write(notebook, folder / "same-cell.ipynb")
    row = package_grade([folder], tmp_path / "out")["same-cell"]
    assert row["status"] == "ok", row["error"]
    assert float(row["w2"]) == points["w2"] and float(row["e4a"]) == points["e4a"]
