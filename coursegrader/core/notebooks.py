"""Notebook helpers shared by the build and the grader: reading, deterministic writing, cell tags.

nbformat (and jsonschema through it: 0.1 s) is imported by the functions that read or write a
notebook, not here: the Gradescope route writes its results.json with ``write_bytes_atomic`` and
never needs it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat


# Metadata kept on generated notebooks; everything else (editor state, jupytext, timings) is
# dropped so that building twice gives the same bytes.
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info", "otter")
KEPT_CELL_METADATA = ("tags", "deletable", "editable", "otter")


def read(path: Path) -> nbformat.NotebookNode:
    import nbformat

    return nbformat.read(str(path), as_version=4)


def source_of(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def tags_of(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def add_tag(cell, tag: str) -> None:
    tags = tags_of(cell)
    if tag not in tags:
        cell.setdefault("metadata", {})["tags"] = tags + [tag]


def normalized(nb: nbformat.NotebookNode, id_prefix: str) -> nbformat.NotebookNode:
    """A copy with stable cell ids and only the metadata that matters."""
    import nbformat

    nb = nbformat.from_dict(nb)
    nb.metadata = nbformat.from_dict({k: nb.metadata[k] for k in KEPT_NOTEBOOK_METADATA if k in nb.metadata})
    for index, cell in enumerate(nb.cells):
        cell.id = f"{id_prefix}-{index:03d}"
        cell.metadata = nbformat.from_dict({k: cell.metadata[k] for k in KEPT_CELL_METADATA if k in cell.metadata})
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def notebook_bytes(nb: nbformat.NotebookNode) -> bytes:
    """``nb`` as the build writes it."""
    import nbformat

    return nbformat.writes(nb).encode("utf-8") + b"\n"


def write_atomic(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write ``nb`` so that ``path`` is never left half-written."""
    write_bytes_atomic(notebook_bytes(nb), path)


def write_bytes_atomic(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
