"""Broken and hostile submission files, one maker per class, shared by the input tests, the batch
test and the fuzzer. Each maker writes one path into a folder and returns its name.

Every text a submission chooses carries MARK (a cell's code, a zip member's name, metadata) or
NAME_MARK (a file name), so a test can check nothing of it is echoed.
"""

import io
import json
import os
import socket
import stat
import tempfile
import zipfile
from pathlib import Path

MARK = "planted-7f3a9c"  # in what the submission wrote: must appear nowhere in results, CSV or report
NAME_MARK = "named-5b21e0"  # in file names: may appear only in the submission id


def export_zip(notebook: bytes, name: str = "autograd.ipynb", extra: dict | None = None) -> bytes:
    """A zip shaped like otter's export: the notebook (deflated) and a log."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, notebook)
        archive.writestr(".OTTER_LOG", b"log")
        for member, data in (extra or {}).items():
            archive.writestr(member, data)
    return buffer.getvalue()


def central_entry(data: bytes | bytearray, member: bytes) -> int:
    """Offset of the central directory entry of ``member``."""
    offset = data.find(b"PK\x01\x02")
    while offset >= 0:
        name_length = int.from_bytes(data[offset + 28:offset + 30], "little")
        if data[offset + 46:offset + 46 + name_length] == member:
            return offset
        offset = data.find(b"PK\x01\x02", offset + 4)
    raise ValueError("no such member")


def corrupt_deflate(notebook: bytes) -> bytes:
    """The notebook member's compressed bytes overwritten: zlib.error or a bad CRC on reading."""
    data = bytearray(export_zip(notebook))
    start = 30 + len("autograd.ipynb")
    data[start + 10:start + 60] = b"\xff\x00" * 25
    return bytes(data)


def encrypted(notebook: bytes) -> bytes:
    """The encryption flag set on the notebook member (local and central headers)."""
    data = bytearray(export_zip(notebook))
    data[6] |= 0x01
    data[central_entry(data, b"autograd.ipynb") + 8] |= 0x01
    return bytes(data)


def unknown_method(notebook: bytes) -> bytes:
    """The notebook member stored with a compression method zipfile does not know (deflate64)."""
    data = bytearray(export_zip(notebook))
    data[8] = 9
    data[central_entry(data, b"autograd.ipynb") + 10] = 9
    return bytes(data)


def name_not_utf8(notebook: bytes) -> bytes:
    """A member name flagged UTF-8 whose bytes are not UTF-8 (and carry MARK)."""
    member = f"{MARK}-xx.ipynb".encode()
    data = bytearray(export_zip(notebook, name=member.decode()))
    for offset in (0, central_entry(data, member)):
        flag_at = offset + (6 if offset == 0 else 8)
        data[flag_at + 1] |= 0x08  # bit 11: the name is UTF-8
        name_at = data.find(member, offset)
        data[name_at + len(MARK) + 1:name_at + len(MARK) + 3] = b"\xff\xfe"
    return bytes(data)


def deeply_nested(depth: int = 100_000) -> bytes:
    return ('{"cells": [{"cell_type": "code", "source": "", "metadata": {"x": ' + "[" * depth + "]" * depth + "}}]}").encode()


def with_cells(notebook: bytes, change) -> bytes:
    """The notebook with ``change(cells)`` applied to its cell list."""
    data = json.loads(notebook)
    change(data["cells"])
    return json.dumps(data).encode()


def tags_not_a_list(notebook: bytes) -> bytes:
    def change(cells):
        first_code = next(c for c in cells if c["cell_type"] == "code" and not c["metadata"].get("tags"))
        first_code["metadata"]["tags"] = f"{MARK} not a list"
    return with_cells(notebook, change)


def fields_of_odd_types(notebook: bytes) -> bytes:
    """Metadata, outputs and counts of the wrong types everywhere but in code sources."""
    data = json.loads(notebook)
    data["metadata"] = [MARK]
    data["nbformat_minor"] = MARK
    for index, cell in enumerate(data["cells"]):
        cell["metadata"] = [MARK, {"tags": 5}, MARK * 2, None][index % 4]
        if cell["cell_type"] == "code":
            cell["outputs"] = MARK
            cell["execution_count"] = {"n": MARK}
        else:
            cell["attachments"] = 7
    return json.dumps(data).encode()


def source_not_text(notebook: bytes) -> bytes:
    def change(cells):
        next(c for c in cells if c["cell_type"] == "code")["source"] = {"code": MARK}
    return with_cells(notebook, change)


def lone_surrogate_cell(notebook: bytes) -> bytes:
    """A code cell whose text holds a lone surrogate (JSON can spell one: \\ud800)."""
    def change(cells):
        cells.insert(1, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                         "source": f"surrogate = 'a\ud800b'  # {MARK}\n"})
    return json.dumps(json.loads(with_cells(notebook, change))).encode()  # ensure_ascii spells \\ud800


def cell_that_raises(notebook: bytes) -> bytes:
    """An honest-looking cell that fails with MARK in its message and prints it."""
    def change(cells):
        cells.insert(1, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                         "source": f"print('{MARK}')\nraise ValueError('{MARK}')  # {MARK}\n"})
    return with_cells(notebook, change)


def empty_cells_after(notebook: bytes, count: int = 3000) -> bytes:
    """An honest notebook followed by ``count`` code cells holding nothing or white space (more
    than the code-cell cap): Jupyter's fresh cells, a student's spacing."""
    def change(cells):
        cells.extend({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                      "source": ["", "\n", "   \n\t"][index % 3]} for index in range(count))
    return with_cells(notebook, change)


def huge_code(megabytes: int = 40) -> bytes:
    source = f"# {MARK}\n" + "x = 1\n" * (megabytes * 2**20 // 6)
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": source}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def mostly_outputs(notebook: bytes, megabytes: int = 150) -> bytes:
    """The notebook with a plot output of ``megabytes`` MB (honest: a student who plotted a lot)."""
    def change(cells):
        cell = next(c for c in cells if c["cell_type"] == "code")
        cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                            "data": {"image/png": "iVBORw0KGgo" + "A" * (megabytes * 2**20), "text/plain": MARK}}]
    return with_cells(notebook, change)


def write_sparse(path: Path, size: int) -> None:
    with open(path, "wb") as handle:
        handle.truncate(size)


def make_socket(path: Path) -> None:
    # a Unix socket path is limited to about 100 bytes: bind from inside the folder
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        server = socket.socket(socket.AF_UNIX)
        server.bind(path.name)
        server.close()
    finally:
        os.chdir(here)


def make_device(path: Path) -> bool:
    """A character device (the null device's numbers); False where this user may not make one."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        return True
    except (PermissionError, OSError):
        return False


def short_folder() -> Path:
    """A folder anyone may enter (for a reader that runs as another user) with a short path."""
    folder = Path(tempfile.mkdtemp(prefix="cg-"))
    folder.chmod(0o755)
    return folder
