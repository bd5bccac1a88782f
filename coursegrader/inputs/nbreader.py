"""A notebook's code cells and written answers from untrusted bytes, and nothing else from it.

Only the code cells matter for grading (their source and tags); outputs, attachments and
metadata are dropped here, so a notebook that is mostly outputs costs the submission's process
nothing. Anything that is not a notebook raises SubmissionError with a fixed reason.

The written answers (markdown cells tagged ``otter_answer_cell``) are kept beside the code for
the class analyses only; they never reach the submission's process. They cannot make a
notebook ungradable: a malformed one is skipped, and past the written caps the text is cut.

Parsing JSON costs up to about 25 bytes of memory per byte of input (``[],[],...``) and a few
seconds per 10 MB: notebooks up to ``IN_PROCESS_BYTES`` (honest ones are well under it) are parsed here; larger ones (up to the
file cap) in a child process with its own memory and time limits, which runs this module with
the standard library only.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from coursegrader.inputs.problems import MAX_CODE_BYTES, MAX_CODE_CELLS, MAX_WRITTEN_CELLS, MAX_WRITTEN_CHARS, SubmissionError
from coursegrader.core.tags import ANSWER_TAG

IN_PROCESS_BYTES = 4 * 2**20
CHILD_MEMORY_BYTES = 2 * 2**30  # a 200 MB notebook of short output lines needs about 1.2 GB
CHILD_SECONDS = 120


@dataclass(frozen=True)
class CodeCell:
    number: int  # 1-based position among all the notebook's cells, as Jupyter shows them
    source: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class WrittenCell:
    """A markdown answer cell (tagged ANSWER_TAG): a written answer, read by the class analyses only."""
    number: int
    text: str
    tags: tuple[str, ...]




def code_cells(raw: bytes) -> list[CodeCell]:
    """The notebook's code cells, in order; SubmissionError if ``raw`` is not a notebook."""
    return notebook_cells(raw)[0]


def notebook_cells(raw: bytes) -> tuple[list[CodeCell], list[WrittenCell]]:
    """The notebook's code cells and written answer cells, in order; SubmissionError if ``raw``
    is not a notebook."""
    if len(raw) <= IN_PROCESS_BYTES:
        data = _parse(raw)
        return _code_cells(data), _written_cells(data)
    return _in_child(raw)


def _parse(raw: bytes):
    if not raw.strip():
        raise SubmissionError("empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError("not-utf8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # the text ran out: at its end, or inside a string (a string can hold no raw newline,
        # so an unterminated one always reaches the end)
        ended = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        raise SubmissionError("truncated" if ended else "not-json") from None
    except RecursionError:
        raise SubmissionError("too-deep") from None
    except MemoryError:
        raise SubmissionError("too-complex") from None
    except ValueError:  # e.g. an integer with more digits than Python converts
        raise SubmissionError("not-json") from None


def _all_cells(data) -> tuple[list, str]:
    """The notebook's cells and the key of a code cell's source."""
    if not isinstance(data, dict):
        raise SubmissionError("not-notebook")
    if "cells" in data:
        cells, source_key = data["cells"], "source"
    elif "worksheets" in data:  # nbformat 3 and older: code is in "input"
        worksheets = data["worksheets"]
        if not isinstance(worksheets, list) or not all(isinstance(w, dict) and isinstance(w.get("cells", []), list)
                                                       for w in worksheets):
            raise SubmissionError("malformed-cell")
        cells, source_key = [cell for w in worksheets for cell in w.get("cells", [])], "input"
    else:
        raise SubmissionError("not-notebook")
    if not isinstance(cells, list):
        raise SubmissionError("malformed-cell")
    return cells, source_key


def _code_cells(data) -> list[CodeCell]:
    cells, source_key = _all_cells(data)
    found, code_bytes = [], 0
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise SubmissionError("malformed-cell")
        if cell["cell_type"] != "code":
            continue
        source = _text(cell.get(source_key, ""))
        if not source.strip():
            continue  # an empty cell runs as nothing and holds nothing to inspect: it costs nothing, counts nowhere
        code_bytes += len(source.encode("utf-8", "surrogatepass"))
        if code_bytes > MAX_CODE_BYTES:
            raise SubmissionError("too-much-code")
        if len(found) >= MAX_CODE_CELLS:
            raise SubmissionError("too-many-cells")
        found.append(CodeCell(number, source, _tags(cell.get("metadata"))))
    return found


def _written_cells(data) -> list[WrittenCell]:
    """The markdown answer cells, after ``_code_cells`` accepted the notebook. Never a reason to
    refuse it: a malformed written cell is skipped, and text past the caps is cut off."""
    cells, _ = _all_cells(data)
    found, budget = [], MAX_WRITTEN_CHARS
    for number, cell in enumerate(cells, start=1):
        if len(found) >= MAX_WRITTEN_CELLS or budget <= 0:
            break
        if cell.get("cell_type") != "markdown":
            continue
        tags = _tags(cell.get("metadata"))
        if ANSWER_TAG not in tags:
            continue
        try:
            text = _text(cell.get("source", ""))[:budget]
        except SubmissionError:
            continue
        budget -= len(text)
        found.append(WrittenCell(number, text, tags))
    return found


def _text(source) -> str:
    """A cell's source: a string, or a list of strings as Jupyter saves it."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise SubmissionError("malformed-cell")


def _tags(metadata) -> tuple[str, ...]:
    """A cell's tags. Tags only steer grading (the export cell, e5's cells): metadata of the
    wrong shape counts as no tags instead of failing a notebook whose code is fine."""
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else ()


def _in_child(raw: bytes) -> tuple[list[CodeCell], list[WrittenCell]]:
    """``notebook_cells`` in a child process whose memory and time are capped."""
    package_parent = str(Path(__file__).resolve().parents[2])
    program = f"import sys; sys.path.insert(0, {package_parent!r}); from coursegrader.inputs.nbreader import child; child()"
    try:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", program], input=raw, capture_output=True,
                              timeout=CHILD_SECONDS, env={"PATH": os.environ.get("PATH", "")})
    except subprocess.TimeoutExpired:
        raise SubmissionError("too-complex") from None
    try:
        answer = json.loads(done.stdout)
        if "problem" in answer:
            raise SubmissionError(answer["problem"])
        return ([CodeCell(number, source, tuple(tags)) for number, source, tags in answer["cells"]],
                [WrittenCell(number, text, tuple(tags)) for number, text, tags in answer["written"]])
    except (ValueError, KeyError, TypeError):  # the child died (out of memory, say) without an answer
        raise SubmissionError("too-complex") from None


def child() -> None:
    """The child's side: notebook bytes on stdin, its code and written cells (or the problem) on stdout."""
    import gc
    import resource

    gc.disable()  # nothing here makes cycles; collecting while millions of containers are built only costs time
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_SECONDS, CHILD_SECONDS))
    try:
        data = _parse(sys.stdin.buffer.read())
        cells, written = _code_cells(data), _written_cells(data)
        answer = {"cells": [[c.number, c.source, list(c.tags)] for c in cells],
                  "written": [[c.number, c.text, list(c.tags)] for c in written]}
    except SubmissionError as problem:
        answer = {"problem": problem.reason}
    except MemoryError:
        answer = {"problem": "too-complex"}
    except Exception:  # noqa: BLE001 - any other failure on these bytes is still only this notebook's
        answer = {"problem": "unexpected"}
    sys.stdout.write(json.dumps(answer))  # ensure_ascii: a lone surrogate in code survives the trip
