"""What students receive: no solutions, no hidden tests, every answer cell tagged."""

import re

import pytest

from helpers import ASSIGNMENT, leaked_lines
from coursegrader.build import master
from coursegrader.core.notebooks import read, source_of, tags_of
from coursegrader.core.tags import ANSWER_TAG


def split_solution_cell(cell) -> tuple[list[str], list[str]]:
    """(lines students keep, lines otter must remove) of a master solution cell: `# SOLUTION`
    lines, BEGIN/END SOLUTION blocks inside code, and all of a written reference answer."""
    kept, removed, inside = [], [], False
    for line in source_of(cell).splitlines():
        marker = line.strip().upper()
        if marker.startswith("# BEGIN SOLUTION") or marker.startswith("# END SOLUTION"):
            inside = marker.startswith("# BEGIN")
        elif cell.cell_type == "markdown" or inside:
            removed.append(line.strip())
        elif line.rstrip().endswith("# SOLUTION"):
            removed.append(line.rstrip()[: -len("# SOLUTION")].strip())
        else:
            kept.append(line.strip())
    return kept, [line for line in removed if len(line) >= 8]


@pytest.fixture(scope="module")
def master_nb(course):
    return read(course.master(ASSIGNMENT))


@pytest.fixture(scope="module")
def release(course):
    return read(course.release(ASSIGNMENT))


def test_release_has_no_solution_code(release, master_nb):
    release_lines: dict[str, list[str]] = {}
    for cell in release.cells:
        for tag in tags_of(cell):
            release_lines.setdefault(tag, []).extend(line.strip() for line in source_of(cell).splitlines())
    prepared = master.prepared_for_otter(master_nb, ASSIGNMENT, {})
    checked = 0
    for cell, question in master.solution_cells(prepared):
        kept, removed = split_solution_cell(cell)
        for line in removed:  # a removed line may appear only as often as the skeleton keeps it
            checked += 1
            assert release_lines[question].count(line) <= kept.count(line), f"solution of {question} left in the release: {line!r}"
    assert checked > 30


def test_release_and_solutions_carry_no_hidden_test_text(course, hidden_test_lines):
    for path in (course.release(ASSIGNMENT), course.solution(ASSIGNMENT)):
        dumped = str(read(path))  # every cell, output and metadata field, as stored
        leaked = leaked_lines(dumped, hidden_test_lines)
        assert not leaked, f"{path.name} shows hidden test text: {sorted(leaked)[:3]}"


def test_every_answer_cell_carries_its_question_tag(release, questions):
    names = {q.name for q in questions}
    answer_cells = [c for c in release.cells if ANSWER_TAG in tags_of(c)]
    for cell in answer_cells:
        question_tags = [t for t in tags_of(cell) if t in names]
        assert len(question_tags) == 1, f"answer cell {source_of(cell)[:60]!r} has tags {tags_of(cell)}"
    tagged = {t for c in answer_cells for t in tags_of(c) if t in names}
    assert tagged == names


def test_release_checks_every_autograded_question_with_public_tests(release, questions):
    public_tests = release.metadata["otter"]["tests"]
    checks = set(re.findall(r'grader\.check\("(\w+)"\)', "\n".join(source_of(c) for c in release.cells if c.cell_type == "code")))
    autograded = {q.name for q in questions if not q.manual}
    assert set(public_tests) == autograded == checks
    assert all("hidden=True" not in code for code in public_tests.values())
    # the init cell names the file only when it exists, so a renamed notebook is still checked and graded
    assert 'grader = otter.Notebook("autograd.ipynb" if os.path.isfile("autograd.ipynb") else None)' in source_of(release.cells[0])


def test_release_has_no_outputs(release):
    assert all(not c.get("outputs") for c in release.cells if c.cell_type == "code")


def test_course_settings_reach_the_autograder(course):
    import json
    import zipfile

    with zipfile.ZipFile(course.autograder(ASSIGNMENT)) as archive:
        otter_config = json.loads(archive.read("otter_config.json"))
        environment = archive.read("environment.yml").decode()
    assert otter_config["seed"] == course.GRADING_SEED
    assert otter_config["show_hidden"] == course.SHOW_HIDDEN_RESULTS_AFTER_PUBLISH
    assert f"python={course.PYTHON_VERSION}" in environment
    assert f"torch=={course.TORCH_VERSION}+cpu" in environment and course.TORCH_CPU_INDEX_URL in environment
