"""One reader for the autograder: the zip file, its bytes (the build) and the folder Gradescope
unpacks it into give the same hidden tests, points and limits."""

import zipfile
from pathlib import Path

import pytest

from coursegrader.core import autograder_zip
from coursegrader.core.config import load_course
from coursegrader.engine.assignment import Assignment
from coursegrader.engine.sandbox import Limits

ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(ROOT)
ZIP = COURSE.autograder(COURSE.ASSIGNMENTS[0])


def test_zip_bytes_and_unpacked_folder_read_the_same(tmp_path):
    with zipfile.ZipFile(ZIP) as archive:
        archive.extractall(tmp_path)
        tests_in_zip = {n for n in archive.namelist() if n.startswith("tests/") and n.endswith(".py")}
    readings = [autograder_zip.read(ZIP), autograder_zip.read(ZIP.read_bytes()), autograder_zip.read(tmp_path)]
    assert all(reading == readings[0] for reading in readings)
    assert set(readings[0].tests) == tests_in_zip and readings[0].otter_config["assignment_name"] == COURSE.ASSIGNMENTS[0]
    assert readings[0].manifest["limits"] == Limits.from_course(COURSE).as_dict()
    from_zip, from_folder = Assignment.from_autograder(ZIP), Assignment.from_autograder(tmp_path)
    assert [j.name for j in from_zip.checks] == [j.name for j in from_folder.checks] and from_zip.checks
    assert (from_zip.public, from_zip.seed, from_zip.notebook_name, from_zip.limits) == \
           (from_folder.public, from_folder.seed, from_folder.notebook_name, from_folder.limits)


@pytest.mark.parametrize("damage", ["no manifest", "broken manifest", "not a zip"])
def test_a_damaged_autograder_is_one_clear_error(tmp_path, damage):
    with zipfile.ZipFile(ZIP) as archive:
        archive.extractall(tmp_path / "unpacked")
    manifest = tmp_path / "unpacked" / autograder_zip.MANIFEST_NAME
    source = tmp_path / "unpacked"
    if damage == "no manifest":
        manifest.unlink()
    elif damage == "broken manifest":
        manifest.write_text("{ not json")
    else:
        source = tmp_path / "autograder.zip"
        source.write_bytes(b"PK not really")
    with pytest.raises(ValueError, match="is not an autograder zip built by `python -m coursegrader build`"):
        autograder_zip.read(source)
