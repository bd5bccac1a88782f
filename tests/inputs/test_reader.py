"""The submission reader on small notebooks made here (coursegrader/inputs/nbreader.py, submissions.py):
which cells come out and how they are numbered, old and odd notebook shapes, the caps at their
edges, the notebook a submission's process is given, and otter exports as Macs and Jupyter zip
them. (Broken, hostile and special files, end to end: tests/inputs/test_inputs.py.) Fast: no kernel and
no fork server; the one child process is the reader's own for large notebooks."""

import io
import json
import zipfile

import nbformat
import pytest

from coursegrader.inputs.nbreader import IN_PROCESS_BYTES, CodeCell, code_cells
from coursegrader.inputs.problems import MAX_CODE_BYTES, MAX_CODE_CELLS, MESSAGES, SubmissionError
from coursegrader.inputs.submissions import Notebook, Submission, discover, read_submission


def notebook(*cells, **fields) -> dict:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **fields}


def code(source, tags=None, **fields) -> dict:
    metadata = {"tags": tags} if tags is not None else {}
    return {"cell_type": "code", "source": source, "metadata": metadata, "outputs": [], "execution_count": None, **fields}


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "source": source, "metadata": {}}


def raw(data: dict) -> bytes:
    return json.dumps(data).encode()


def reason(data: bytes) -> str:
    with pytest.raises(SubmissionError) as error:
        code_cells(data)
    return error.value.reason


# --- which cells, numbered how -----------------------------------------------------------------

def test_code_cells_keep_their_place_among_all_cells_their_source_and_tags():
    data = notebook(markdown("# 2.5"), code(["x = 1\n", "y = 2"], ["w1"]), markdown("text"),
                    code("z = x + y", None, outputs=[{"output_type": "stream", "name": "stdout", "text": "3"}]))
    assert code_cells(raw(data)) == [CodeCell(2, "x = 1\ny = 2", ("w1",)), CodeCell(4, "z = x + y", ())]


def test_tags_that_are_not_text_are_dropped_and_the_rest_kept():
    assert code_cells(raw(notebook(code("a", ["e5", 5, None, "otter_ignore"]))))[0].tags == ("e5", "otter_ignore")


def test_an_nbformat_3_notebook_is_read_from_its_worksheets():
    data = {"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "markdown", "source": "m"},
                                                      {"cell_type": "code", "input": ["a = 1\n", "b = 2"], "outputs": []}]},
                                          {"cells": [{"cell_type": "code", "input": "c = 3", "metadata": {"tags": ["e1a"]}}]}]}
    assert code_cells(raw(data)) == [CodeCell(2, "a = 1\nb = 2", ()), CodeCell(3, "c = 3", ("e1a",))]


def test_a_byte_order_mark_is_not_an_error():
    assert code_cells(b"\xef\xbb\xbf" + raw(notebook(code("x = 1"))))[0].source == "x = 1"


@pytest.mark.parametrize("data, expected", [
    (b'{"cells": [{"cell_type": "code", "source": "x = ', "truncated"),  # stopped inside a string
    (b'{"cells": [{"cell_type": "code", "source": "x"}', "truncated"),  # stopped between values
    (b'{"cells": [}', "not-json"),  # broken in the middle, with text after it
    (b'{"cells": [] "metadata": {}}', "not-json"),
])
def test_a_file_cut_short_is_told_apart_from_one_that_is_not_json(data, expected):
    assert reason(data) == expected


def test_the_code_cell_cap_counts_code_cells_only():
    at_cap = notebook(*[code("pass")] * MAX_CODE_CELLS, *[markdown("note")] * 50)
    assert len(code_cells(raw(at_cap))) == MAX_CODE_CELLS
    assert reason(raw(notebook(*[code("pass")] * (MAX_CODE_CELLS + 1)))) == "too-many-cells"


def test_empty_code_cells_cost_nothing_and_count_nowhere():
    """Cells holding only white space (Jupyter's new cells, a student's spacing) run as nothing:
    any number of them after the cap's worth of code is no reason to refuse a notebook, and the
    cells with code keep their numbers (their places in the notebook)."""
    empties = [code(""), code("   \n\t\n"), code(["\n", "  "], ["e4a"])] * (2 * MAX_CODE_CELLS)
    crowded = notebook(code("x = 1", ["w1"]), *[code("pass")] * (MAX_CODE_CELLS - 2), *empties, code("y = x", ["w2"]))
    cells = code_cells(raw(crowded))
    assert len(cells) == MAX_CODE_CELLS
    assert cells[0] == CodeCell(1, "x = 1", ("w1",))
    assert cells[-1] == CodeCell(MAX_CODE_CELLS + len(empties), "y = x", ("w2",))


def test_the_cap_says_which_cap_a_notebook_is_over():
    """Too many cells and too many bytes are different causes with different fixes."""
    assert reason(raw(notebook(*[code("pass")] * (MAX_CODE_CELLS + 1)))) == "too-many-cells"
    assert reason(raw(notebook(code("x = 1\n" * (MAX_CODE_BYTES // 6 + 1))))) == "too-much-code"
    cells_message, bytes_message = MESSAGES["too-many-cells"], MESSAGES["too-much-code"]
    assert "pasted" not in cells_message and "pasted" in bytes_message
    assert "empty cells do not count" in cells_message


def test_a_large_notebook_read_in_a_child_process_gives_the_same_cells():
    """Over IN_PROCESS_BYTES (outputs, mostly) the reader parses in a child with its own limits:
    the cells, tags and text (a lone surrogate included) are those the grader would read itself."""
    cells = [markdown("# 说明"), code("name = '\udcff'\nx = 1", ["w1"]),
             code("plot()", None, outputs=[{"output_type": "stream", "name": "stdout", "text": "." * IN_PROCESS_BYTES}])]
    small, large = notebook(*cells[:2]), notebook(*cells)
    large_bytes = json.dumps(large).encode()
    assert len(large_bytes) > IN_PROCESS_BYTES
    assert code_cells(large_bytes) == code_cells(raw(small)) + [CodeCell(3, "plot()", ())]
    broken = json.dumps({"cells": {"not": "a list"}, "padding": "." * IN_PROCESS_BYTES}).encode()
    assert reason(broken) == "malformed-cell"  # the child's reason, not a generic one


# --- the notebook a submission's process sees ----------------------------------------------------

def test_the_saved_notebook_holds_the_code_cells_with_their_tags_and_is_a_valid_notebook():
    cells = code_cells(raw(notebook(markdown("m"), code("x = '\udcff'", ["w1"]), code("y = 2"),
                                    code("out()", outputs=[{"output_type": "stream", "name": "stdout", "text": "secret"}]))))
    saved = Notebook(cells).saved()
    parsed = nbformat.reads(saved.decode("ascii"), as_version=4)
    nbformat.validate(parsed)
    assert b"secret" not in saved
    again = code_cells(saved)  # what e5's check reads back from the file in the submission's folder
    assert [(c.source, c.tags) for c in again] == [(c.source, c.tags) for c in cells]


# --- otter exports -------------------------------------------------------------------------------

def export(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("extra", [
    {"__MACOSX/hw/._autograd.ipynb": b"\x00\x05\x16\x07 resource fork"},  # Finder's "Compress"
    {"__MACOSX/hw/autograd.ipynb": b"\x00\x05\x16\x07"},  # the same, unpacked and zipped again by another tool
    {"hw/.ipynb_checkpoints/autograd-checkpoint.ipynb": b"{}"},  # Jupyter's checkpoint, zipped with the folder
    {"hw/.autograd.ipynb": b"{}", "hw/": b"", "hw/autograd.pdf": b"%PDF"},
])
def test_an_export_with_a_mac_or_jupyter_extra_still_has_one_notebook(tmp_path, extra):
    path = tmp_path / "alice.zip"
    path.write_bytes(export({"hw/autograd.ipynb": raw(notebook(code("x = 1", ["w1"]))), **extra}))
    assert read_submission(Submission("alice", path)).code_cells == [CodeCell(1, "x = 1", ("w1",))]


def test_upper_case_suffixes_are_submissions_too(tmp_path):
    (tmp_path / "ann.IPYNB").write_bytes(raw(notebook(code("a"))))
    (tmp_path / "bob.Zip").write_bytes(export({"AUTOGRAD.IPYNB": raw(notebook(code("b")))}))
    found = discover([tmp_path])
    assert [s.id for s in found] == ["ann", "bob"]
    assert [read_submission(s).code_cells[0].source for s in found] == ["a", "b"]


def test_a_student_folder_from_a_mac_is_read_past_its_extras(tmp_path):
    student = tmp_path / "carol"
    (student / "__MACOSX").mkdir(parents=True)
    (student / "__MACOSX" / "._autograd.ipynb").write_bytes(b"\x00\x05")
    (student / "__MACOSX" / "autograd.ipynb").write_bytes(b"\x00\x05")
    (student / ".DS_Store").write_bytes(b"\x00")
    (student / "autograd.ipynb").write_bytes(raw(notebook(code("c"))))
    (student / "notes.txt").write_text("not a submission")
    assert read_submission(Submission("carol", student)).code_cells == [CodeCell(1, "c", ())]
