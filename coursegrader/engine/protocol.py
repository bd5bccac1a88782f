"""Length-prefixed JSON messages over a socket, with a size cap.

The submission process is untrusted: whatever it sends is parsed as data (never unpickled), and
a message over the cap, not UTF-8, not JSON, nested too deeply or holding text that is not
Unicode (a lone surrogate) ends the conversation with a ProtocolError, never another exception.
ProtocolError messages are fixed: they never repeat a size or a position the other side chose.
"""

import json
import re
import socket
import struct

MAX_MESSAGE_BYTES = 32 * 2**20
# A question's check may be called many times (in a loop, say): at most this many calls per
# question are judged (the last judged one counts). The grader counts (judging.py); the
# submission's process stops asking past it, to spare the round trips.
MAX_CHECKPOINTS_PER_QUESTION = 5
_HEADER = struct.Struct("!I")
# Text that could hold a lone surrogate: JSON's escape for one (UTF-8 itself cannot carry one).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class ProtocolError(Exception):
    """The other side sent something that is not a message."""


def send(sock: socket.socket, message) -> None:
    # errors="replace": text may hold a lone surrogate (a file name Python decoded with
    # surrogateescape, say, in an honest exception message); it goes as U+FFFD instead of failing
    data = json.dumps(message, ensure_ascii=False, allow_nan=True).encode("utf-8", "replace")
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message over the size cap")
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive(sock: socket.socket, max_bytes: int = MAX_MESSAGE_BYTES, max_structures: int | None = None):
    """The next message, or None when the other side has closed the connection; a message over
    ``max_bytes``, or with more than ``max_structures`` brackets and quotes (what parsing it
    would cost in memory), is a ProtocolError."""
    header = _read_exactly(sock, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > min(max_bytes, MAX_MESSAGE_BYTES):
        raise ProtocolError("message over the size cap")
    data = _read_exactly(sock, size)
    if data is None:
        return None
    if max_structures is not None and sum(data.count(mark) for mark in (b"[", b"{", b'"')) > max_structures:
        raise ProtocolError("message over the size cap")
    return decode(data)


def decode(data: bytes):
    """One message's payload as data, or ProtocolError."""
    try:
        message = json.loads(data.decode("utf-8"))
        # JSON may spell a lone surrogate as an escape (\\ud800): such text cannot be written to a
        # results file or a CSV later, so it is refused here, where it comes in (looked for only
        # where such an escape appears: encoding every message again cost more than decoding it)
        if _SURROGATE_ESCAPE.search(data):
            json.dumps(message, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError, MemoryError):
        raise ProtocolError("not a JSON message") from None
    return message


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
