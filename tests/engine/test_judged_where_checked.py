"""A question is judged on the state right after its `grader.check("q")` call, whatever the file is
called; where no check is called, on the final state (the contract's "When a question is judged").
And the optional `inspect` part of a hidden test (a static rule on the submitted cells)."""

import textwrap

import nbformat
import pytest

from helpers import ASSIGNMENT, package_grade
from coursegrader.engine.checks import CheckFormatError, hidden_checks
from coursegrader.core.notebooks import read, tags_of

E3A_SHORT = "torch.randn(3, requires_grad=True)"
NAMES = ["autograd.ipynb", "my work (final).ipynb", "e3a.ipynb"]


def _reassigned(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """e3a answered with a 3-element a_vec (wrong: the question fixes 10), then the e3b cell makes
    a new 10-element a_vec before answering e3b correctly."""
    nb = nbformat.from_dict(solution)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "e3a" in tags_of(cell):
            assert "torch.randn(10, requires_grad=True)" in cell.source
            cell.source = cell.source.replace("torch.randn(10, requires_grad=True)", E3A_SHORT)
        if "e3b" in tags_of(cell):
            cell.source = "a_vec = torch.randn(10, requires_grad=True)\nd_vec = f(a_vec)\n" + cell.source
    return nb


def _without_check_cell(nb: nbformat.NotebookNode, question: str) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if c.source.strip() != f'grader.check("{question}")']
    return nb


@pytest.mark.slow
def test_a_later_reassignment_does_not_change_a_checked_question(course, points, tmp_path):
    solution = read(course.solution(ASSIGNMENT))
    folder = tmp_path / "in"
    for index, name in enumerate(NAMES):
        student = folder / f"s{index}"  # a folder per student keeps each file's own name
        student.mkdir(parents=True)
        nbformat.write(_reassigned(solution), str(student / name))
    unchecked = folder / "no-check"
    unchecked.mkdir()
    nbformat.write(_without_check_cell(_reassigned(solution), "e3a"), str(unchecked / "autograd.ipynb"))
    grades = package_grade([folder], tmp_path / "out")
    for index in range(len(NAMES)):
        row = grades[f"s{index}"]
        # judged after its check: 3 elements, wrong; every other question keeps its points
        assert {q: float(row[q]) for q in points} == {**points, "e3a": 0.0}, (NAMES[index], row)
    # no check cell for e3a: judged at the end, where a_vec has the 10 elements of the e3b cell
    assert {q: float(grades["no-check"][q]) for q in points} == points


TEMPLATE = '''
from otter.test_files import test_case

@test_case(points=1, hidden=True)
def test_q_hidden(env):
    def probes():
        return {}
    def observe(env, probes):
        return {"cells": []}
    def inspect(cells):
        return [c["source"] for c in cells if "q" in c["tags"]]
    def judge(probes, seen):
        return None if seen["inspected"] == ["x = 1"] else ("not-x-1", "no")
    import json
    given = probes()
    seen = json.loads(json.dumps(observe(env, json.loads(json.dumps(given)))))
    seen['inspected'] = inspect(seen.pop('cells', []))
    problem = judge(given, seen)
    assert problem is None, problem[1]
'''


def test_a_hidden_test_may_have_an_inspect_part():
    (check,) = hidden_checks(textwrap.dedent(TEMPLATE), "tests/q.py")
    assert check.inspect_source.startswith("def inspect(cells):")
    namespace = {}
    exec(check.inspect_source, namespace)
    assert namespace["inspect"]([{"source": "x = 1", "tags": ["q"]}, {"source": "y", "tags": []}]) == ["x = 1"]


def test_an_inspect_part_out_of_place_or_without_its_tail_is_refused():
    source = textwrap.dedent(TEMPLATE)
    inspect_part = '    def inspect(cells):\n        return [c["source"] for c in cells if "q" in c["tags"]]\n'
    assert inspect_part in source
    moved = source.replace(inspect_part, "").replace("    import json\n", inspect_part + "    import json\n", 1)
    with pytest.raises(CheckFormatError, match="must be exactly"):  # an inspect after judge is not the shape
        hidden_checks(moved, "tests/q.py")
    with pytest.raises(CheckFormatError, match="in that order"):
        hidden_checks(source.replace("def judge(probes, seen):", "def decide(probes, seen):"), "tests/q.py")
    with pytest.raises(CheckFormatError, match="must be exactly"):
        hidden_checks(source.replace("    seen['inspected'] = inspect(seen.pop('cells', []))\n", ""), "tests/q.py")
    with pytest.raises(CheckFormatError, match="inspect must be"):
        hidden_checks(source.replace("def inspect(cells):", "def inspect(cells, extra):"), "tests/q.py")
