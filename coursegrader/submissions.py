"""Finds the submissions in what an instructor hands the grader and stages each one's notebook."""

import json
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

GRADABLE_SUFFIXES = (".ipynb", ".zip")
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


class SubmissionError(Exception):
    """A submission that cannot be graded; the message says why, for the grades table."""


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path
    duplicate_of: str | None = None  # set on an older file of a student who submitted twice


def _is_gradable(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in GRADABLE_SUFFIXES and not path.name.startswith(".")


def printable(name: str) -> str:
    """A file name as text that can go in a CSV and a folder name (undecodable bytes become �)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("/", "_")


def discover(inputs: list[Path]) -> list[Submission]:
    """Submissions in ``inputs``: notebooks, otter export zips, or folders of them.

    In a folder, each notebook or zip is one submission named after its file; a subfolder is one
    submission named after the subfolder (for layouts like ``submissions/<student>/...``). When a
    folder holds two submissions of one student (``alice.ipynb`` and ``alice.zip``), the newest
    is graded and the other is listed as a duplicate.
    """
    found: list[Submission] = []
    for path in inputs:
        if path.is_dir():
            entries = [c for c in sorted(path.iterdir()) if _is_gradable(c) or (c.is_dir() and not c.name.startswith("."))]
            found.extend(_newest_first_per_student(entries))
        elif _is_gradable(path):
            found.append(Submission(printable(path.stem), path))
        elif not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
        else:
            raise ValueError(f"{path} is not a notebook (.ipynb), an otter export (.zip) or a folder of them")
    return _with_unique_ids(found)


def _newest_first_per_student(entries: list[Path]) -> list[Submission]:
    by_student: dict[str, list[Path]] = {}
    for entry in entries:
        by_student.setdefault(printable(entry.stem if entry.is_file() else entry.name), []).append(entry)
    submissions = []
    for student, paths in by_student.items():
        paths.sort(key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
        submissions.append(Submission(student, paths[0]))
        submissions.extend(Submission(student, older, duplicate_of=printable(paths[0].name)) for older in paths[1:])
    return submissions


def _with_unique_ids(found: list[Submission]) -> list[Submission]:
    seen: dict[str, int] = {}
    unique = []
    for submission in found:
        count = seen.get(submission.id, 0)
        seen[submission.id] = count + 1
        unique.append(submission if count == 0 else
                      Submission(f"{submission.id}-{count + 1}", submission.path, submission.duplicate_of))
    return unique


def stage_notebook(submission: Submission, folder: Path) -> Path:
    """Copy the submission's one notebook into ``folder`` and return its path there."""
    path = submission.path
    if path.is_dir():
        candidates = [p for p in sorted(path.rglob("*")) if _is_gradable(p) and ".ipynb_checkpoints" not in p.parts]
        if len(candidates) != 1:
            raise SubmissionError(f"folder {path.name} holds {len(candidates)} notebooks or zips; expected exactly one")
        return stage_notebook(Submission(submission.id, candidates[0]), folder)
    folder.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".ipynb":
        data, name = path.read_bytes(), path.name
    else:
        data, name = _notebook_in_zip(path)
    target = folder / Path(name).name
    target.write_bytes(data)
    return target


def _notebook_in_zip(path: Path) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(path) as archive:
            notebooks = [info for info in archive.infolist()
                         if info.filename.lower().endswith(".ipynb") and not info.is_dir()
                         and ".ipynb_checkpoints" not in info.filename and not info.filename.startswith("__MACOSX")]
            if not notebooks:
                raise SubmissionError(f"{path.name} contains no notebook (.ipynb); export it again with the notebook's last cell")
            if len(notebooks) > 1:
                names = ", ".join(info.filename for info in notebooks)
                raise SubmissionError(f"{path.name} contains {len(notebooks)} notebooks ({names}); submit exactly one")
            (info,) = notebooks
            if info.file_size > MAX_NOTEBOOK_BYTES:
                raise SubmissionError(f"the notebook in {path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
            return archive.read(info), Path(info.filename).name
    except zipfile.BadZipFile as error:
        raise SubmissionError(f"{path.name} is not a valid zip file ({error})") from error


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook as nbformat 4 (older versions are converted), or a SubmissionError that says
    what is wrong with the file in words a student can act on."""
    raw = path.read_bytes()
    if not raw.strip():
        raise SubmissionError(f"{path.name} is empty (0 bytes); save the notebook in Jupyter and submit it again")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not a text notebook (not UTF-8); submit the .ipynb file Jupyter saved") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = "it ends too early (truncated)" if error.pos >= len(text.rstrip()) else f"at line {error.lineno}, column {error.colno}"
        raise SubmissionError(f"{path.name} is not a notebook: its JSON is broken {where}; "
                              "open it in Jupyter, save, and submit again") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise SubmissionError(f"{path.name} is JSON but not a Jupyter notebook (no cells)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several types for bad structure
        raise SubmissionError(f"{path.name} is not a valid notebook ({type(error).__name__}); "
                              "open it in Jupyter, save, and submit again") from None
    for cell in notebook.cells:
        if not isinstance(cell.get("source", ""), str) or "cell_type" not in cell:
            raise SubmissionError(f"{path.name} has a malformed cell; open it in Jupyter, save, and submit again")
    return notebook
