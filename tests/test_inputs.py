"""Fast checks of what the grader accepts, and of the pins the course promises."""

import zipfile
from importlib.metadata import version

import pytest

from conftest import ROOT
from coursegrader.submissions import Submission, SubmissionError, discover, stage_notebook


def test_discover_names_submissions_after_files_and_student_folders(tmp_path):
    (tmp_path / "ann.ipynb").write_text("{}")
    (tmp_path / "bob.zip").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / ".hidden.ipynb").write_text("{}")
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "autograd.ipynb").write_text("{}")
    found = discover([tmp_path])
    assert [(s.id, s.path.name) for s in found] == [("ann", "ann.ipynb"), ("bob", "bob.zip"), ("carol", "carol")]


def test_discover_keeps_two_files_with_one_name_apart(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "autograd.ipynb").write_text("{}")
    found = discover([tmp_path / "a" / "autograd.ipynb", tmp_path / "b" / "autograd.ipynb"])
    assert [s.id for s in found] == ["autograd", "autograd-2"]


def test_discover_rejects_what_it_cannot_grade(tmp_path):
    (tmp_path / "essay.docx").write_text("")
    with pytest.raises(ValueError, match="essay.docx is not a notebook"):
        discover([tmp_path / "essay.docx"])
    with pytest.raises(FileNotFoundError, match="missing"):
        discover([tmp_path / "missing"])


def test_stage_takes_the_one_notebook_of_an_export_zip(tmp_path):
    export = tmp_path / "ann.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("autograd.ipynb", '{"cells": []}')
        archive.writestr(".OTTER_LOG", "log")
        archive.writestr(".ipynb_checkpoints/autograd-checkpoint.ipynb", "{}")
    staged = stage_notebook(Submission("ann", export), tmp_path / "stage")
    assert staged == tmp_path / "stage" / "autograd.ipynb"
    assert staged.read_text() == '{"cells": []}'
    assert sorted(p.name for p in staged.parent.iterdir()) == ["autograd.ipynb"]


@pytest.mark.parametrize("members, message", [
    ({"a.ipynb": "{}", "b.ipynb": "{}"}, "contains 2 notebooks"),
    ({"readme.txt": ""}, "contains no notebook"),
])
def test_stage_explains_a_bad_export_zip(tmp_path, members, message):
    export = tmp_path / "x.zip"
    with zipfile.ZipFile(export, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(SubmissionError, match=message):
        stage_notebook(Submission("x", export), tmp_path / "stage")


def test_stage_explains_a_file_that_is_not_a_zip(tmp_path):
    fake = tmp_path / "x.zip"
    fake.write_text("not a zip")
    with pytest.raises(SubmissionError, match="not a valid zip"):
        stage_notebook(Submission("x", fake), tmp_path / "stage")


def test_local_environment_matches_the_autograder_image_pins(course):
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().split() if "==" in line)
    for requirement in course.AUTOGRADER_REQUIREMENTS:
        name, pinned = requirement.split("==")
        assert pins[name] == pinned == version(name)
    assert version("torch").split("+")[0] == course.TORCH_VERSION
    assert version("otter-grader") == course.OTTER_VERSION
