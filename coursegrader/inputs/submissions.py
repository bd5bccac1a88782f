"""Finds the submissions in what an instructor hands the grader and reads each one's notebook.

Nothing here follows a symbolic link or opens anything but a regular file: a link in the
submissions folder could point at the solution, a classmate's notebook or the course's hidden
tests (the grader may run as root), and a pipe or device could block or answer anything. Files
are opened with O_NOFOLLOW, relative to folders opened the same way, so a file swapped for a link
after discovery is refused too. Every way a submission can be unreadable is a SubmissionError with
a fixed message (problems.py); nothing from the submission's bytes or names is echoed.
"""

import errno
import hashlib
import io
import json
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from coursegrader.inputs.nbreader import CodeCell, WrittenCell, notebook_cells
from coursegrader.inputs.problems import MAX_FILE_BYTES, SubmissionError

__all__ = ["GRADABLE_SUFFIXES", "Notebook", "Submission", "SubmissionError", "Reading", "discover", "read_submission", "safe_id",
           "submitted_file"]

GRADABLE_SUFFIXES = (".ipynb", ".zip")
MAX_ID_CHARS = 64
MAX_ID_BYTES = 200  # folder names are at most 255 bytes; room for a "-N" suffix
MAX_FOLDER_ENTRIES = 2000  # in one student's folder, all levels together
MAX_FOLDER_DEPTH = 8
MAX_ZIP_DIRECTORY_BYTES = 2**20  # an otter export lists a handful of files; this is thousands
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
_UNSAFE_IN_NAMES = set('/\\:*?"<>|')


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path
    duplicate: bool = False  # an older file of a student who submitted twice: listed, not graded
    _reading: dict = field(default_factory=dict, compare=False, repr=False)  # the one Reading, once made

    def read(self) -> "Reading":
        """The submitted file, read once: every later call (the fingerprint, grading, the class
        analyses) gets the same reading."""
        if "reading" not in self._reading:
            self._reading["reading"] = _reading_of(self)
        return self._reading["reading"]


@dataclass(frozen=True)
class Notebook:
    """What grading needs of a submission: its code cells, and the notebook file its process sees;
    and its written answers, which only the class analyses read (they never reach the process)."""
    code_cells: list[CodeCell]
    written: list[WrittenCell] = field(default_factory=list)

    def saved(self) -> bytes:
        """The notebook as the submission's process finds it on disk (its own cells may read it,
        as e5's check does): code cells with their tags, nothing else, so its size is bounded by
        the code cap whatever the submitted file held."""
        cells = [{"cell_type": "code", "execution_count": None, "metadata": {"tags": list(c.tags)} if c.tags else {},
                  "outputs": [], "source": c.source} for c in self.code_cells]
        notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
        return json.dumps(notebook, indent=1).encode("ascii")  # ASCII escapes keep lone surrogates as they were


def safe_id(name: str) -> str:
    """A submission id from a file name: printable text that is safe as a folder name and as a
    CSV cell (undecodable bytes become �, separators and control characters _, no leading dot
    and no leading = + - @, which spreadsheets would read as a formula)."""
    text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch if ch.isprintable() and ch not in _UNSAFE_IN_NAMES else "_"
                   for ch in name)
    text = text.strip(" .")[:MAX_ID_CHARS]
    while len(text.encode("utf-8")) > MAX_ID_BYTES:
        text = text[:-1]
    if text[:1] in ("=", "+", "-", "@"):
        text = "_" + text
    return text.rstrip(" .") or "submission"


def discover(inputs: list[Path]) -> list[Submission]:
    """Submissions in ``inputs``: notebooks, otter export zips, or folders of them.

    Every path given and every visible entry of a folder given is one submission, whatever it
    is (a link or a pipe gets a row saying so); a folder's other regular files (notes.txt) and
    hidden entries are not submissions. A subfolder is one submission named after it (for
    layouts like ``submissions/<student>/...``). When a folder holds two submissions of one
    student (``alice.ipynb`` and ``alice.zip``), the newest is graded and the other is listed as
    a duplicate. Ids are unique in the batch.
    """
    found: list[tuple[str, Path, bool]] = []  # (name the id comes from, path, duplicate)
    for path in inputs:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            raise FileNotFoundError(f"{path} does not exist") from None
        except OSError:
            info = None  # unreadable: a row that says so
        if info is not None and stat.S_ISDIR(info.st_mode):
            try:
                found.extend(_submissions_in(path))
                continue
            except OSError:  # a folder that cannot be listed is one submission, unreadable
                pass
        found.append((path.name if info is not None and stat.S_ISDIR(info.st_mode) else path.stem, path, False))
    return _with_unique_ids(found)


def _submissions_in(folder: Path) -> list[tuple[str, Path, bool]]:
    by_student: dict[str, list[tuple[float, str, str, Path]]] = {}  # name -> (mtime, file name, name, path)
    odd = []  # links, special files, entries that vanished: rows of their own, never grouped
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        path = Path(folder, entry.name)
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            name = entry.name
        elif info is not None and stat.S_ISREG(info.st_mode):
            if path.suffix.lower() not in GRADABLE_SUFFIXES:
                continue
            name = path.stem
        else:
            odd.append((path.stem, path, False))
            continue
        by_student.setdefault(name, []).append((info.st_mtime, entry.name, name, path))  # one student: one name
    found = []
    for entries in by_student.values():
        entries.sort(reverse=True)  # newest first
        found.extend((name, path, index > 0) for index, (_, _, name, path) in enumerate(entries))
    return found + odd


def _with_unique_ids(found: list[tuple[str, Path, bool]]) -> list[Submission]:
    """Graded submissions claim their names first; duplicates and clashes get -2, -3, ..."""
    taken: set[str] = set()
    ids: dict[int, str] = {}

    def claim(index: int, base: str, suffixed: bool) -> None:
        number = 2 if suffixed else 1
        candidate = base if number == 1 else f"{base}-{number}"
        while candidate.casefold() in taken:
            number += 1
            candidate = f"{base}-{number}"
        taken.add(candidate.casefold())
        ids[index] = candidate

    for index, (name, _, duplicate) in enumerate(found):
        if not duplicate:
            claim(index, safe_id(name), suffixed=False)
    for index, (name, _, duplicate) in enumerate(found):
        if duplicate:
            claim(index, safe_id(name), suffixed=True)
    return [Submission(ids[index], path, duplicate) for index, (_, path, duplicate) in enumerate(found)]


@dataclass(frozen=True)
class Reading:
    """What one reading of a submission's file found: a digest of it and its notebook, or why
    there is none (the exception, raised again to whoever asks for the notebook)."""
    digest: str  # sha256 of the file's name and bytes; "" when the file itself could not be read
    notebook: Notebook | None
    problem: Exception | None = None


def _reading_of(submission: Submission) -> Reading:
    try:
        name, data = submitted_file(submission)
    except Exception as error:  # noqa: BLE001 - a SubmissionError, or bytes no check foresaw
        return Reading("", None, error)
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape") + b"\0" + data).hexdigest()
    try:
        if name.lower().endswith(".zip"):
            data = _notebook_in_zip(data)
        return Reading(digest, Notebook(*notebook_cells(data)))
    except Exception as error:  # noqa: BLE001 - kept and raised to the caller that asks for the notebook
        return Reading(digest, None, error)


def read_submission(submission: Submission) -> Notebook:
    """The submission's notebook, or a SubmissionError saying why it cannot be graded (read once,
    whoever asks)."""
    reading = submission.read()
    if reading.problem is not None:
        raise reading.problem
    return reading.notebook


def submitted_file(submission: Submission) -> tuple[str, bytes]:
    """The name and bytes of the file the submission stands for (its one notebook or zip), read
    without following a link; what the fingerprint of a graded submission is taken of."""
    path = submission.path
    try:
        info = os.lstat(path)
    except OSError:
        raise SubmissionError("unreadable") from None
    if stat.S_ISLNK(info.st_mode):
        raise SubmissionError("link")
    if stat.S_ISDIR(info.st_mode):
        folder = _open(path, directory=True)
        try:
            return _only_file_in(folder)
        finally:
            os.close(folder)
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError("special")
    if path.suffix.lower() not in GRADABLE_SUFFIXES:
        raise SubmissionError("not-gradable")
    return path.name, _read(path)


def _open(name, dir_fd: int | None = None, directory: bool = False) -> int:
    try:
        return os.open(name, _OPEN_FLAGS | (os.O_DIRECTORY if directory else 0), dir_fd=dir_fd)
    except OSError as error:
        # it became a link since it was listed: ELOOP, or ENOTDIR when a folder was expected
        if error.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(name, dir_fd):
            raise SubmissionError("link") from None
        raise SubmissionError("unreadable") from None


def _is_link(name, dir_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _read(name, dir_fd: int | None = None) -> bytes:
    """A regular file's bytes, at most the file cap (never a link, a pipe or a device)."""
    fd = _open(name, dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError("special")
        if info.st_size > MAX_FILE_BYTES:
            raise SubmissionError("too-large")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:  # the file may grow while it is read
            chunk = os.read(fd, min(1 << 24, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise SubmissionError("too-large")
        return b"".join(chunks)
    except OSError:
        raise SubmissionError("unreadable") from None
    finally:
        os.close(fd)


def _only_file_in(folder: int) -> tuple[str, bytes]:
    """The name and bytes of the one notebook or zip in a student's folder (any level)."""
    opened, pending, candidates, entries = [], [(folder, 0)], [], 0
    try:
        while pending:
            fd, depth = pending.pop()
            try:
                listing = sorted(os.scandir(fd), key=lambda e: e.name)
            except OSError:
                raise SubmissionError("unreadable") from None
            for entry in listing:
                entries += 1
                if entries > MAX_FOLDER_ENTRIES:
                    raise SubmissionError("folder-too-big")
                if entry.name.startswith(".") or entry.name == "__MACOSX":
                    continue  # hidden (checkpoints, editor files): never read, never followed
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    raise SubmissionError("unreadable") from None
                if stat.S_ISLNK(info.st_mode):
                    raise SubmissionError("link-inside")
                if stat.S_ISDIR(info.st_mode):
                    if depth >= MAX_FOLDER_DEPTH:
                        raise SubmissionError("folder-too-big")
                    opened.append(_open(entry.name, fd, directory=True))
                    pending.append((opened[-1], depth + 1))
                elif not stat.S_ISREG(info.st_mode):
                    raise SubmissionError("special-inside")
                elif Path(entry.name).suffix.lower() in GRADABLE_SUFFIXES:
                    candidates.append((fd, entry.name))
        if not candidates:
            raise SubmissionError("folder-empty")
        if len(candidates) > 1:
            raise SubmissionError("folder-several")
        fd, name = candidates[0]
        return name, _read(name, fd)
    finally:
        for fd in opened:
            os.close(fd)


def _notebook_in_zip(data: bytes) -> bytes:
    """The one notebook in an otter export zip. Member names are never used as paths."""
    try:
        ending = zipfile._EndRecData(io.BytesIO(data))  # noqa: SLF001 - the directory's size, before it is parsed
        if ending and ending[zipfile._ECD_SIZE] > MAX_ZIP_DIRECTORY_BYTES:  # noqa: SLF001
            raise SubmissionError("zip-too-many")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            notebooks = [info for info in archive.infolist() if _is_notebook_member(info.filename) and not info.is_dir()]
            if not notebooks:
                raise SubmissionError("zip-no-notebook")
            if len(notebooks) > 1:
                raise SubmissionError("zip-several")
            (info,) = notebooks
            if info.flag_bits & 0x1:
                raise SubmissionError("encrypted-zip")
            if info.file_size > MAX_FILE_BYTES:
                raise SubmissionError("too-large")
            with archive.open(info) as member:
                notebook = member.read(MAX_FILE_BYTES + 1)  # the stated size may lie
            if len(notebook) > MAX_FILE_BYTES:
                raise SubmissionError("too-large")
    except SubmissionError:
        raise
    except Exception as error:  # noqa: BLE001 - BadZipFile, zlib.error, a name not in UTF-8, EOFError, ...: a damaged zip
        # zipfile says "encrypted" with a plain RuntimeError (its subclass NotImplementedError: an unknown method)
        raise SubmissionError("encrypted-zip" if type(error) is RuntimeError else "bad-zip") from None
    return notebook


def _is_notebook_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (parts[-1].lower().endswith(".ipynb") and not parts[-1].startswith(".")
            and ".ipynb_checkpoints" not in parts and parts[0] != "__MACOSX")
