"""Runs nbgrader's own `generate_assignment` on the instructor notebook to make the release.

The release students get is nbgrader's output, so an instructor who runs
`nbgrader generate_assignment` rewrites the committed release with the same bytes, and the same
files: the release's other files lie beside the instructor notebook, and nbgrader copies them. It must
also be otter's student notebook cell for cell (nbgrader only adds its metadata and locks
answer cells against deletion); anything else is a BuildError.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from coursegrader.core.config import CONFIG_FILENAME, Course
from coursegrader.core.notebooks import source_of

# Metadata nbgrader adds to a cell; everything else must stay as otter wrote it.
NBGRADER_CELL_METADATA = ("nbgrader", "deletable")
CONFIG_OPTION = f"--NbGrader.config_file_name={Path(CONFIG_FILENAME).stem}"


class NbgraderReleaseError(Exception):
    """nbgrader failed, or its release differs from otter's student notebook."""


def generate_release(course: Course, assignment: str, instructor: nbformat.NotebookNode,
                     support_files: dict[str, bytes] | None = None) -> bytes:
    """nbgrader's release of ``instructor`` with this course's configuration, as written bytes.

    ``support_files`` (name -> bytes) lie beside the instructor notebook, as the build commits
    them; nbgrader must copy each into the release unchanged, and nothing else."""
    with tempfile.TemporaryDirectory(prefix="coursegrader-nbgrader-") as scratch:
        here = course.at(scratch)  # nbgrader's layout is the course's (course_config.py tells nbgrader)
        shutil.copy(course.root / CONFIG_FILENAME, here.root / CONFIG_FILENAME)
        source = here.nbgrader_source(assignment)
        source.parent.mkdir(parents=True)
        nbformat.write(instructor, str(source))
        for name, data in (support_files or {}).items():
            (source.parent / name).write_bytes(data)
        completed = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--no-db", CONFIG_OPTION],
            cwd=here.root, capture_output=True, text=True, timeout=300)
        released = here.release(assignment)
        if completed.returncode != 0 or not released.is_file():
            raise NbgraderReleaseError(f"nbgrader generate_assignment failed:\n{completed.stderr[-3000:]}")
        copied = {path.name: path.read_bytes() for path in released.parent.iterdir() if path != released}
        if copied != (support_files or {}):
            raise NbgraderReleaseError(f"nbgrader's release holds {sorted(copied)} beside the notebook, "
                                       f"not the release's files {sorted(support_files or {})}")
        return released.read_bytes()


def check_same_cells(nbgrader_release: nbformat.NotebookNode, otter_release: nbformat.NotebookNode) -> None:
    """Raise unless nbgrader's release is otter's notebook plus nbgrader's cell metadata."""
    if nbgrader_release.metadata != otter_release.metadata or len(nbgrader_release.cells) != len(otter_release.cells):
        raise NbgraderReleaseError("nbgrader's release has other notebook metadata or another number of cells than otter's")
    for ours, theirs in zip(otter_release.cells, nbgrader_release.cells):
        kept = {k: v for k, v in theirs.metadata.items() if k not in NBGRADER_CELL_METADATA}
        ours_kept = {k: v for k, v in ours.metadata.items() if k != "deletable"}
        if (theirs.cell_type, theirs.id, source_of(theirs), kept) != (ours.cell_type, ours.id, source_of(ours), ours_kept):
            raise NbgraderReleaseError(
                f"nbgrader's release differs from otter's in cell {ours.id}: {source_of(ours)[:80]!r} became "
                f"{source_of(theirs)[:80]!r}; check the ClearSolutions stubs in {CONFIG_FILENAME}")
