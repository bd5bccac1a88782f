"""Length-prefixed JSON messages over a socket, with a size cap.

The submission process is untrusted: whatever it sends is parsed as data (never unpickled) and a
message over the cap or not JSON ends the conversation.
"""

import json
import socket
import struct

MAX_MESSAGE_BYTES = 32 * 2**20
_HEADER = struct.Struct("!I")


class ProtocolError(Exception):
    """The other side sent something that is not a message."""


def send(sock: socket.socket, message) -> None:
    data = json.dumps(message, ensure_ascii=False, allow_nan=True).encode("utf-8")
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {len(data)} bytes is over the {MAX_MESSAGE_BYTES} byte cap")
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive(sock: socket.socket):
    """The next message, or None when the other side has closed the connection."""
    header = _read_exactly(sock, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {size} bytes is over the {MAX_MESSAGE_BYTES} byte cap")
    data = _read_exactly(sock, size)
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(f"not a JSON message: {error}") from error


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
