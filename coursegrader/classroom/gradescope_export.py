"""Reads back a class graded on Gradescope, so the report and gradebook come out as for a local batch.

Two layouts are read:

- Gradescope's "Export Submissions" download, unzipped: ``submission_metadata.yml`` (at the top
  or in the one ``assignment_<id>_export/`` folder) and a folder per submission
  (``submission_<id>/``) holding what the student uploaded, nothing else. The metadata maps each
  folder name to its submitters (``:submitters:``, each with ``:name:``, ``:sid:``, ``:email:``),
  ``:created_at:``, ``:score:``, ``:history:`` and ``:results:``: the results.json the autograder
  wrote, which is the only place an export keeps the autograder's output. Only ``:results:``
  counts. A ``results.json`` inside a submission folder is a file the student uploaded and is
  never read (it could say 24 of 24); a submission without ``:results:`` is a gap on the
  grader's side: status ``error``, a blank grade, a message naming the folder and the key.
- A folder with one subfolder per submission holding ``results.json`` (and the notebook), as
  ``results/`` of a local batch is laid out: results this grader wrote, never an upload folder.
  A folder shaped like a Gradescope export (``submission_<digits>/`` folders) without its
  metadata is refused, so student uploads are never read as results.

Real exports are written by Ruby (keys are symbols, written ``:name:``; numbers may carry Ruby
tags) and are not always one YAML document: a bare ``...`` line may split the file. Keys are
read with or without the leading colon, every document is read, and a file that is not YAML
stops the command with the line where reading failed.
"""

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from coursegrader.core.assignment import Question
from coursegrader.core import messages
from coursegrader.core.results import Graded
from coursegrader.core.statuses import Status
from coursegrader.inputs.submissions import Submission, discover, safe_id

METADATA_NAME = "submission_metadata.yml"
RESULTS_NAME = "results.json"
RESULTS_KEY = ":results:"  # as the metadata writes it, for messages
MAX_RESULTS_BYTES = 20 * 2**20
MAX_METADATA_BYTES = 1 << 30  # a class's results and history; read once
GRADESCOPE_FOLDER = re.compile(r"submission_\d+")
EXPORT_FOLDER = re.compile(r"assignment_\d+_export")


class ExportError(Exception):
    """The export as a whole cannot be read (one line: which file, what is wrong, what to do)."""


@dataclass
class Export:
    graded: list[Graded]
    submissions: list[Submission]  # each submission's folder, for its answer cells
    identities: dict[str, list[str]] = field(default_factory=dict)  # submission -> its submitters' ids and emails
    results: dict[str, dict] = field(default_factory=dict)  # submission -> the results.json Gradescope kept
    people: dict[str, tuple[str, str]] = field(default_factory=dict)  # submission -> (names, student ids), "; "-joined


def read_export(folder: Path, questions: list[Question]) -> Export:
    """Every submission of a Gradescope export (or of a folder of results folders).
    Raises ExportError when the export cannot be read at all."""
    folder = _export_root(folder)
    names = [q.name for q in questions]
    metadata = _metadata(folder / METADATA_NAME)
    if metadata is not None:
        return _from_metadata(folder, metadata, names)
    shaped = sorted(p.name for p in _subfolders(folder) if GRADESCOPE_FOLDER.fullmatch(p.name))
    if shaped:
        raise ExportError(f"{folder} holds Gradescope submission folders ({shaped[0]}, ...) but no {METADATA_NAME}, "
                          "where Gradescope keeps the autograder's results; unzip the whole Export Submissions "
                          "download and give its assignment_<id>_export folder")
    return _from_results_folders(folder, names)


# --- Gradescope's export ----------------------------------------------------------------

def _from_metadata(folder: Path, metadata: dict[str, dict], questions: list[str]) -> Export:
    folders = {p.name for p in _subfolders(folder)}
    ids: dict[str, str] = {}
    for name in sorted(folders | set(metadata)):
        ids[name] = _free_id(name, ids.values())
    export = Export([], [Submission(ids[name], folder / name) for name in sorted(ids, key=ids.get)])
    for name in sorted(ids, key=ids.get):
        submission = ids[name]
        entry = metadata.get(name)
        if entry is None:
            export.graded.append(Graded.failed(submission, Status.ERROR, messages.GRADESCOPE_NOT_LISTED.format(
                folder=name, file=METADATA_NAME)))
            continue
        _submitters(entry, submission, export)
        results = entry.get("results")
        if isinstance(results, str):  # JSON kept as text
            try:
                results = json.loads(results)
            except ValueError:
                pass
        if results is None:
            export.graded.append(Graded.failed(submission, Status.ERROR, messages.GRADESCOPE_NO_RESULTS.format(
                folder=name, file=METADATA_NAME, key=RESULTS_KEY)))
            continue
        try:
            export.graded.append(Graded.from_gradescope(submission, results, questions))
            export.results[submission] = results
        except ValueError as error:
            export.graded.append(Graded.failed(submission, Status.ERROR, messages.GRADESCOPE_BAD_RESULTS.format(
                folder=name, file=METADATA_NAME, key=RESULTS_KEY, problem=error)))
    return export


def _submitters(entry: dict, submission: str, export: Export) -> None:
    """The submitters' ids and emails (for the roster) and their names and student ids (for grades.csv)."""
    people = [p for p in entry.get("submitters") or [] if isinstance(p, dict)] \
        if isinstance(entry.get("submitters"), list) else []
    text = lambda value: "" if value is None else str(value).strip()
    keys = [text(p.get(key)) for p in people for key in ("sid", "email") if text(p.get(key))]
    if keys:
        export.identities[submission] = keys
    if people:
        export.people[submission] = ("; ".join(_inert(text(p.get("name"))) for p in people),
                                     "; ".join(text(p.get("sid")) for p in people))


def _inert(name: str) -> str:
    """A name a student typed, never read by a spreadsheet as a formula (OWASP: a leading quote)."""
    return "'" + name if name[:1] in ("=", "+", "-", "@", "\t", "\r") else name


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML that reads any tag (Ruby's, in an export written by Rails) as plain data."""


def _plain(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("!", _plain)
_Loader.add_multi_constructor("tag:", _plain)
_DOCUMENT_END = re.compile(rb"^\.\.\.[ \t]*\r?$", re.M)  # column 0: never inside an indented block scalar


def _metadata(path: Path) -> dict[str, dict] | None:
    """The export's metadata by submission folder name, keys without their Ruby colon; None when
    there is no metadata file. ExportError when there is one that cannot be read."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ExportError(f"{path} cannot be read ({error.strerror}); check its permissions") from None
    data = _regular_file(path, MAX_METADATA_BYTES)
    if data is None:
        kind = "larger than 1 GiB" if stat.S_ISREG(info.st_mode) else "not a regular file"
        raise ExportError(f"{path} is {kind}; download the export again and unzip it as it is")
    try:
        # Gradescope joins several YAML dumps with a bare `...` (document end) and no `---`
        documents = list(yaml.load_all(_DOCUMENT_END.sub(b"---", data), Loader=_Loader))  # noqa: S506 - safe
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise ExportError(f"{path} is not readable YAML{where} ({problem}); download the export again") from None
    metadata: dict[str, dict] = {}
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            raise ExportError(f"{path} is not Gradescope's submission metadata (a {type(document).__name__} where "
                              "a mapping of submission folders was expected); give the export's own file")
        for name, entry in document.items():
            if not isinstance(entry, dict):
                continue  # a top-level setting, not a submission
            if str(name) in metadata:
                raise ExportError(f"{path} lists {name} twice; download the export again")
            metadata[str(name)] = _unsymbolled(entry)
    return metadata


def _unsymbolled(value):
    """Mapping keys without a leading colon (Ruby symbols), at every level."""
    if isinstance(value, dict):
        return {(key[1:] if isinstance(key, str) and key.startswith(":") else key): _unsymbolled(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_unsymbolled(item) for item in value]
    return value


# --- a folder of results folders (this grader's own output) --------------------------------

def _from_results_folders(folder: Path, questions: list[str]) -> Export:
    submissions = [s for s in discover([folder]) if _is_folder(s.path)]
    export = Export([], submissions)
    for submission in sorted(submissions, key=lambda s: s.id):
        data = _regular_file(submission.path / RESULTS_NAME, MAX_RESULTS_BYTES)
        if data is None:
            export.graded.append(Graded.failed(submission.id, Status.ERROR, messages.RESULTS_FOLDER_NO_RESULTS.format(
                folder=submission.path.name, file=RESULTS_NAME)))
            continue
        try:
            results = json.loads(data)
            export.graded.append(Graded.from_gradescope(submission.id, results, questions))
            export.results[submission.id] = results
        except ValueError as error:
            export.graded.append(Graded.failed(submission.id, Status.ERROR, messages.RESULTS_FOLDER_BAD_RESULTS.format(
                folder=submission.path.name, file=RESULTS_NAME, problem=error)))
    return export


# --- files and folders, never through a link ----------------------------------------------

def _export_root(folder: Path) -> Path:
    """The folder holding the metadata: the one given, or the single folder inside it (the zip's
    ``assignment_<id>_export/``)."""
    if os.path.lexists(folder / METADATA_NAME):
        return folder
    inner = _subfolders(folder)
    if len(inner) == 1 and (os.path.lexists(inner[0] / METADATA_NAME) or EXPORT_FOLDER.fullmatch(inner[0].name)):
        return inner[0]
    return folder


def _subfolders(folder: Path) -> list[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [Path(folder, e.name) for e in entries
            if not e.name.startswith(".") and e.name != "__MACOSX" and _is_folder(Path(folder, e.name))]


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)  # never a link to somewhere else
    except OSError:
        return False


def _free_id(name: str, taken) -> str:
    ids = {taken_id.casefold() for taken_id in taken}
    base = candidate = safe_id(name)
    number = 1
    while candidate.casefold() in ids:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _regular_file(path: Path, cap: int) -> bytes | None:
    """A regular file's bytes, never through a link; None when absent or over ``cap``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(cap + 1)
        return data if len(data) <= cap else None
    finally:
        os.close(fd)
