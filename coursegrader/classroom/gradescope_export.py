"""Reads back a class graded on Gradescope, so the report and gradebook come out as for a local batch.

Two layouts are read:

- Gradescope's "Export Submissions" download, unzipped: ``submission_metadata.yml`` (at the top
  or in the one ``assignment_<id>_export/`` folder) and a folder per submission
  (``submission_<id>/``) holding what the student uploaded. The metadata gives each submission's
  autograder results (``:results:``, the results.json the autograder wrote) and its submitters
  (``:sid:``, ``:email:``), which name the roster students outright.
- A folder with one subfolder per submission holding ``results.json`` (and the submitted
  notebook, when there is one), as ``grades/results/`` of a local batch is laid out.

A folder's own ``results.json`` is used when the metadata has no results for it. Every
submission becomes one ``Graded`` through ``Graded.from_gradescope``; one without readable
results is a row with status ``error`` that says so (never left out).
"""

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from coursegrader.core.assignment import Question
from coursegrader.core import messages
from coursegrader.core.results import Graded
from coursegrader.inputs.submissions import Submission, discover, safe_id

METADATA_NAME = "submission_metadata.yml"
RESULTS_NAME = "results.json"
MAX_RESULTS_BYTES = 20 * 2**20
MAX_METADATA_BYTES = 1 << 30  # a class's results and history; read once


@dataclass
class Export:
    graded: list[Graded]
    submissions: list[Submission]  # each submission's folder, for its answer cells
    identities: dict[str, list[str]] = field(default_factory=dict)  # submission -> its submitters' ids and emails
    results: dict[str, dict] = field(default_factory=dict)  # submission -> the results.json Gradescope kept


def read_export(folder: Path, questions: list[Question]) -> Export:
    """Every submission of a Gradescope export (or a folder of results.json folders)."""
    folder = _export_root(folder)
    metadata = _metadata(folder / METADATA_NAME)
    names = [q.name for q in questions]
    submissions = [s for s in discover([folder]) if _is_folder(s.path)]
    by_name = {s.path.name: Submission(s.id, s.path) for s in submissions}
    for name in metadata:  # a submission the metadata lists without a folder still gets its row
        if name not in by_name:
            by_name[name] = Submission(_free_id(name, by_name), folder / name)
    export = Export([], list(by_name.values()))
    for name, submission in sorted(by_name.items(), key=lambda item: item[1].id):
        entry = metadata.get(name, {})
        results = entry.get(":results") if isinstance(entry.get(":results"), dict) else _results_file(submission.path)
        if results is None:
            export.graded.append(Graded.failed(submission.id, "error", messages.GRADESCOPE_NO_RESULTS))
        else:
            try:
                export.graded.append(Graded.from_gradescope(submission.id, results, names))
                export.results[submission.id] = results
            except ValueError:
                export.graded.append(Graded.failed(submission.id, "error", messages.GRADESCOPE_BAD_RESULTS))
        submitters = entry.get(":submitters") if isinstance(entry.get(":submitters"), list) else []
        keys = [str(person.get(key)) for person in submitters if isinstance(person, dict)
                for key in (":sid", ":email") if person.get(key) not in (None, "")]
        if keys:
            export.identities[submission.id] = keys
    return export


def _export_root(folder: Path) -> Path:
    """The folder holding the metadata: the one given, or the single folder inside it (the zip's
    ``assignment_<id>_export/``)."""
    if (folder / METADATA_NAME).is_file():
        return folder
    inner = [p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX" and _is_folder(p)]
    if len(inner) == 1 and (inner[0] / METADATA_NAME).is_file():
        return inner[0]
    return folder


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)  # never a link to somewhere else
    except OSError:
        return False


def _free_id(name: str, taken: dict[str, Submission]) -> str:
    ids = {s.id.casefold() for s in taken.values()}
    base = candidate = safe_id(name)
    number = 1
    while candidate.casefold() in ids:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


class _Loader(yaml.SafeLoader):
    """Safe YAML that reads any tag (Ruby's, in an export written by Rails) as plain data."""


def _plain(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("!", _plain)
_Loader.add_multi_constructor("tag:", _plain)


def _metadata(path: Path) -> dict:
    """The export's metadata by submission folder name ({} when there is none)."""
    data = _regular_file(path, MAX_METADATA_BYTES)
    if data is None:
        return {}
    try:
        metadata = yaml.load(data, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError:
        return {}
    return {str(k): v for k, v in metadata.items() if isinstance(v, dict)} if isinstance(metadata, dict) else {}


def _results_file(folder: Path) -> dict | None:
    data = _regular_file(folder / RESULTS_NAME, MAX_RESULTS_BYTES)
    try:
        return json.loads(data) if data is not None else None
    except ValueError:
        return {}  # present but broken: from_gradescope says it is not results


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
