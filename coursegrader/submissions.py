"""Finds the submissions in what an instructor hands the grader and stages each one's notebook."""

import zipfile
from dataclasses import dataclass
from pathlib import Path

GRADABLE_SUFFIXES = (".ipynb", ".zip")
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


class SubmissionError(Exception):
    """A submission that cannot be graded; the message says why, for the grades table."""


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path


def _is_gradable(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in GRADABLE_SUFFIXES and not path.name.startswith(".")


def discover(inputs: list[Path]) -> list[Submission]:
    """Submissions in ``inputs``: notebooks, otter export zips, or folders of them.

    In a folder, each notebook or zip is one submission named after its file; a subfolder is one
    submission named after the subfolder (for layouts like ``submissions/<student>/...``).
    """
    found: list[Submission] = []
    for path in inputs:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if _is_gradable(child):
                    found.append(Submission(child.stem, child))
                elif child.is_dir() and not child.name.startswith("."):
                    found.append(Submission(child.name, child))
        elif _is_gradable(path):
            found.append(Submission(path.stem, path))
        elif not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
        else:
            raise ValueError(f"{path} is not a notebook (.ipynb), an otter export (.zip) or a folder of them")
    return _with_unique_ids(found)


def _with_unique_ids(found: list[Submission]) -> list[Submission]:
    seen: dict[str, int] = {}
    unique = []
    for submission in found:
        count = seen.get(submission.id, 0)
        seen[submission.id] = count + 1
        unique.append(submission if count == 0 else Submission(f"{submission.id}-{count + 1}", submission.path))
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
