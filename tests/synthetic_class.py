"""A synthetic class: submission notebooks built from the solution, with answers planted at
known rates, for tests of what a batch tells an instructor (misconceptions, similarity, rosters).

    students = build_class(folder, [Plant("e2b", WRONG["e2b"][0], 6), Plant("e3b", WRONG["e3b"][4], 4)], size=30)

Every student starts from the solution notebook (outputs cleared), so an answer nobody planted is
right. Plants are handed out in order to consecutive students (student 0 first), so a plan whose
counts add up to at most ``size`` gives each student one plant at most, and the counts are exact.
Each student has a planted name; every planted answer cell carries it, with the student's id, in
a comment and in a string literal, as students sign their work (analyses must not show it). A
student is ``<folder>/<id>.ipynb``; ``write_notebook`` writes one again with other answers (a
copied pair, say).
"""

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers import ASSIGNMENT, ROOT, with_answers
from coursegrader.core.config import load_course
from coursegrader.core.notebooks import read

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超"]


@dataclass(frozen=True)
class Plant:
    question: str
    answer: str  # the whole answer cell
    count: int  # how many students get it
    misconception: str = ""  # the id the answer is known to earn (for the test's own assertions)


@dataclass
class Student:
    id: str  # the submission id (the file's stem)
    name: str  # the planted name
    path: Path
    answers: dict[str, str] = field(default_factory=dict)  # question -> planted answer cell (signed)
    plants: list[Plant] = field(default_factory=list)


def student_name(index: int) -> str:
    return SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)] + GIVEN[index % len(GIVEN)]


def signed(answer: str, student: "Student") -> str:
    """The answer with the student's name and id in a comment and in a string, as students sign."""
    return (f"# {student.name} {student.id} 的作业 / homework of {student.id}\n{answer}\n"
            f"_signature = \"{student.name}（{student.id}）\"")


def build_class(folder: Path, plan: list[Plant], size: int) -> list[Student]:
    """``size`` students in ``folder`` (s00.ipynb, s01.ipynb, ...), with the plan's answers."""
    folder.mkdir(parents=True, exist_ok=True)
    students = [Student(f"s{index:02d}", student_name(index), folder / f"s{index:02d}.ipynb") for index in range(size)]
    cursor = 0
    for plant in plan:
        for _ in range(plant.count):
            student = students[cursor % size]
            student.answers[plant.question] = signed(plant.answer, student)
            student.plants.append(plant)
            cursor += 1
    for student in students:
        write_notebook(student)
    return students


def write_notebook(student: Student) -> None:
    """(Re)write the student's notebook from the solution with ``student.answers`` in place."""
    notebook = with_answers(_solution(), student.answers)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, str(student.path))


_SOLUTION: list = []


def _solution() -> nbformat.NotebookNode:
    if not _SOLUTION:
        _SOLUTION.append(read(load_course(ROOT).solution(ASSIGNMENT)))
    return _SOLUTION[0]
