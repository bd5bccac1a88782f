"""Whether an autograder zip was built from the course's files as they are now.

The build records in the zip's manifest (``built_from``) a SHA-256 of each input it read: the
master notebook, each support file beside it, and the course settings. ``grade`` compares them
with the files on disk before grading, so a master edited after the last build (points, a
hidden probe) is never graded with the old zip without the instructor being told.

Only the standard library and core are used: ``grade`` checks this before anything heavy loads.
"""

import hashlib
import json
from pathlib import Path

from coursegrader.core.config import CONFIG_FILENAME, Course

MANIFEST_KEY = "built_from"
RUN_TIME_SETTINGS = {"GRADING_WORKERS"}  # read by `grade` itself, never by the build


def support_files(folder: Path) -> list[Path]:
    """The files beside a notebook that otter assign may ship with it (not notebooks, not folders)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".ipynb" and not p.name.startswith("."))


def built_from(course: Course, assignment: str) -> dict[str, str]:
    """Each build input's name (as the instructor knows it) -> SHA-256 of its content."""
    master = course.master(assignment)
    inputs = {_name(course, path): _sha256(path.read_bytes()) for path in [master, *support_files(master.parent)]}
    settings = {name: value for name, value in course.values.items() if name not in RUN_TIME_SETTINGS}
    inputs[f"{CONFIG_FILENAME} (its settings)"] = _sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    return inputs


def changed_since_build(course: Course, assignment: str, manifest: dict) -> list[str] | None:
    """The inputs that differ from what the zip was built from (added and removed support files
    included); [] when none does, None when the zip does not say (built before it recorded this)."""
    recorded = manifest.get(MANIFEST_KEY)
    if not isinstance(recorded, dict):
        return None
    now = built_from(course, assignment)
    return sorted(name for name in set(now) | set(recorded) if now.get(name) != recorded.get(name))


def _name(course: Course, path: Path) -> str:
    try:
        return path.relative_to(course.root).as_posix()
    except ValueError:
        return str(path)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
