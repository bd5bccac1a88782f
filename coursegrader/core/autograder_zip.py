"""Repacks otter's autograder zip reproducibly, and is the one reader of it for grading.

otter stamps each entry with the build time; here entries are sorted and dated 1980-01-01, so
the same master gives the same bytes. A manifest (questions, points, limits) is added for the
grader; ``files`` (name -> bytes and permission bits) add entries or replace otter's (the
Gradescope scripts, see gradescope_image.py). ``read`` takes what the grader needs from the
zip, from its bytes (the build) or from the folder Gradescope unpacked it into.
"""

import io
import json
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = "coursegrader.json"
OTTER_CONFIG_NAME = "otter_config.json"
TESTS_FOLDER = "tests"
FILES_FOLDER = "files"  # what the master lists under `files:` (otter puts them beside the notebook)
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def repack(otter_zip: Path, manifest: dict, files: dict[str, tuple[bytes, int]] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(otter_zip) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        entries = {info.filename: (source.read(info), info.external_attr)
                   for info in source.infolist() if not info.is_dir()}
        added = {MANIFEST_NAME: ((json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode(), 0o644), **(files or {})}
        entries.update({name: (data, (stat.S_IFREG | mode) << 16) for name, (data, mode) in added.items()})
        for name in sorted(entries):
            data, attributes = entries[name]
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = attributes
            info.create_system = 3  # unix, so permission bits mean the same everywhere
            target.writestr(info, data)
    return buffer.getvalue()


@dataclass
class Autograder:
    """What grading reads from an autograder zip."""
    manifest: dict  # questions, points, limits (see build.manifest)
    otter_config: dict  # otter's settings: seed, show_hidden, assignment_name
    tests: dict[str, str]  # "tests/<question>.py" -> otter's test file source
    files: dict[str, bytes] = field(default_factory=dict)  # file name -> bytes, for the submission's folder


def _members(source) -> dict[str, bytes]:
    """The manifest, otter's configuration and the test files, by their names in the zip."""
    wanted = lambda name: name in (MANIFEST_NAME, OTTER_CONFIG_NAME) or \
        (name.startswith(f"{TESTS_FOLDER}/") and name.endswith(".py") and name.count("/") == 1) or \
        (name.startswith(f"{FILES_FOLDER}/") and name.count("/") == 1 and not name.endswith("/"))
    if isinstance(source, Path) and source.is_dir():
        found = [source / MANIFEST_NAME, source / OTTER_CONFIG_NAME, *sorted((source / TESTS_FOLDER).glob("*.py")),
                 *sorted((source / FILES_FOLDER).glob("*"))]
        return {path.relative_to(source).as_posix(): path.read_bytes() for path in found if path.is_file()}
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
        return {name: archive.read(name) for name in archive.namelist() if wanted(name)}


def read(source: Path | bytes, name: "str | Path | None" = None) -> Autograder:
    """The autograder built by this package: a zip file, its bytes, or the folder it was unpacked
    into; ``name`` says in an error where bytes came from."""
    try:
        members = _members(source)
        manifest = json.loads(members[MANIFEST_NAME])
        config = json.loads(members[OTTER_CONFIG_NAME]) if OTTER_CONFIG_NAME in members else {}
        tests = {name: data.decode("utf-8") for name, data in members.items() if name.startswith(f"{TESTS_FOLDER}/")}
        files = {name.split("/", 1)[1]: data for name, data in members.items() if name.startswith(f"{FILES_FOLDER}/")}
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as error:
        where = name or ("these bytes" if isinstance(source, bytes) else source)
        raise ValueError(
            f"{where} is not an autograder zip built by `python -m coursegrader build` "
            f"({type(error).__name__}: {error})"
        ) from error
    return Autograder(manifest, config, tests, files)


def test_path(question: str) -> str:
    return f"{TESTS_FOLDER}/{question}.py"


def read_manifest(autograder_zip: "Path | bytes", name: "str | Path | None" = None) -> dict:
    """The questions, points and limits of an autograder zip built by this package."""
    return read(autograder_zip, name).manifest
