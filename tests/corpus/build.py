"""Turns corpus cases into submission notebooks."""

import nbformat

from helpers import with_answers
from corpus.cases import Case


def case_notebook(solution: nbformat.NotebookNode, case: Case) -> nbformat.NotebookNode:
    notebook = with_answers(solution, case.answers)
    if case.rerun:
        again = [nbformat.from_dict(cell) for cell in notebook.cells if cell.cell_type == "code"]
        for cell in again:
            cell.id = f"{cell.id}-again"
        notebook.cells = notebook.cells + again
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook
