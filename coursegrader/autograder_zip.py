"""Repacks otter's autograder zip reproducibly and reads it back for grading.

otter stamps each entry with the build time; here entries are sorted and dated 1980-01-01, so
the same master gives the same bytes. A manifest (questions, points, limits) is added for the
grader; ``files`` (name -> bytes and permission bits) add entries or replace otter's (the
Gradescope scripts, see gradescope_image.py).
"""

import io
import json
import stat
import zipfile
from pathlib import Path

MANIFEST_NAME = "coursegrader.json"
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


def read_manifest(autograder_zip: Path) -> dict:
    """The questions and points of an autograder zip built by this package."""
    try:
        with zipfile.ZipFile(autograder_zip) as archive:
            return json.loads(archive.read(MANIFEST_NAME))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as error:
        raise ValueError(
            f"{autograder_zip} is not an autograder zip built by `python -m coursegrader build` "
            f"({type(error).__name__}: {error})"
        ) from error

