"""Reads the structure of an otter-assign master notebook and prepares it for ``otter assign``.

The master holds content only. Course-wide settings (name, seeds, pins, visibility) come from
course_config.py and are merged into the master's ASSIGNMENT CONFIG cell here, so they are
written in one place. Solution cells are tagged with their question's name, which otter keeps
on the student's answer cells.
"""

import ast
import re
from dataclasses import dataclass, field

import nbformat
import yaml

from coursegrader.core.notebooks import add_tag, source_of

_BEGIN_TEST_CONFIG = re.compile(r'^\s*(?:\w+\s*=\s*)?"""?\s*#\s*BEGIN\s+TEST\s+CONFIG', re.I)
_END_TEST_CONFIG = re.compile(r'^\s*"""?\s*#\s*END\s+TEST\s+CONFIG', re.I)


class MasterError(Exception):
    """The master notebook does not follow otter's assign format."""


@dataclass
class Question:
    name: str
    manual: bool
    points: float
    hidden_tests: list[str] = field(default_factory=list)  # source of each hidden test case

    def hidden_test_names(self) -> list[str]:
        """The test functions' names (test_q_hidden, ...), which name the hidden checks."""
        return [node.name for code in self.hidden_tests for node in ast.parse(code).body if isinstance(node, ast.FunctionDef)]


def _marker(cell) -> str | None:
    """'BEGIN QUESTION', 'END SOLUTION', ... for otter's raw marker cells, else None."""
    if cell.cell_type != "raw":
        return None
    first_line = source_of(cell).strip().splitlines()[0:1]
    match = re.match(r"#\s*(BEGIN|END)\s+(QUESTION|SOLUTION|TESTS|PROMPT)\b", first_line[0] if first_line else "", re.I)
    return f"{match.group(1).upper()} {match.group(2).upper()}" if match else None


def _yaml_body(cell) -> dict:
    body = "\n".join(source_of(cell).splitlines()[1:])
    loaded = yaml.safe_load(body) or {}
    if not isinstance(loaded, dict):
        raise MasterError(f"the configuration in cell {source_of(cell)[:60]!r} is not a YAML mapping")
    return loaded


def _test_config(source: str) -> tuple[dict, str]:
    """The TEST CONFIG of a test cell and the test code after it."""
    lines = source.splitlines()
    if not lines or not _BEGIN_TEST_CONFIG.match(lines[0]):
        return {}, source
    for end, line in enumerate(lines):
        if end and _END_TEST_CONFIG.match(line):
            return yaml.safe_load("\n".join(lines[1:end])) or {}, "\n".join(lines[end + 1:])
    raise MasterError(f"a test cell opens a TEST CONFIG but never closes it: {lines[0]!r}")


def _walk(nb: nbformat.NotebookNode):
    """Each cell with its marker (or None), the BEGIN QUESTION configuration it is inside (None
    outside a question) and the blocks (TESTS, SOLUTION, PROMPT) it is inside: otter's format,
    read in one place."""
    question, blocks = None, set()
    for cell in nb.cells:
        marker = _marker(cell)
        if marker == "BEGIN QUESTION":
            question = _yaml_body(cell)
        elif marker == "END QUESTION":
            question = None
        elif marker is not None:
            edge, block = marker.split()
            (blocks.add if edge == "BEGIN" else blocks.discard)(block)
        yield cell, marker, question, frozenset(blocks)


def questions(nb: nbformat.NotebookNode) -> list[Question]:
    """The master's questions in notebook order, with points and hidden test sources."""
    found = []
    for cell, marker, question, blocks in _walk(nb):
        if marker == "BEGIN QUESTION":
            if "name" not in question:
                raise MasterError(f"a BEGIN QUESTION cell has no name: {source_of(cell)!r}")
            found.append(Question(str(question["name"]), bool(question.get("manual", False)),
                                  float(question.get("points", 0))))
        elif "TESTS" in blocks and question is not None and cell.cell_type == "code":
            current = found[-1]
            config, code = _test_config(source_of(cell))
            if not current.manual:
                current.points += float(config.get("points") or 0)
            if config.get("hidden"):
                current.hidden_tests.append(code)
    return found


def prepared_for_otter(master: nbformat.NotebookNode, name: str, settings: dict) -> nbformat.NotebookNode:
    """A copy of the master with course settings merged and solution cells tagged."""
    nb = nbformat.from_dict(master)
    config_cells = [c for c in nb.cells if c.cell_type == "raw" and source_of(c).lstrip().upper().startswith("# ASSIGNMENT CONFIG")]
    if len(config_cells) != 1:
        raise MasterError("the master must have exactly one raw '# ASSIGNMENT CONFIG' cell")
    config = _yaml_body(config_cells[0])
    config.update(settings, name=name)
    config_cells[0].source = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, allow_unicode=True, sort_keys=True)

    for cell, question in solution_cells(nb):
        add_tag(cell, question)
    return nb


def solution_cells(nb: nbformat.NotebookNode) -> list[tuple[nbformat.NotebookNode, str]]:
    """Each cell inside a BEGIN/END SOLUTION block, with its question's name, in notebook order."""
    return [(cell, str(question["name"])) for cell, marker, question, blocks in _walk(nb)
            if "SOLUTION" in blocks and marker is None and question and question.get("name")]
