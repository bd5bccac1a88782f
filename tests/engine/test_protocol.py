"""The framing of messages between the grader and a submission's process (coursegrader/engine/protocol.py)
over a real socket pair: what is sent arrives whole, one message at a time, at any size up to the
cap; a peer that hangs up mid-frame ends the conversation; over the cap nothing is sent. (Frames
that are not messages: tests/inputs/test_inputs.py.) Fast: no process."""

import json
import math
import socket
import threading

import pytest

from coursegrader.engine import protocol


def connected() -> tuple[socket.socket, socket.socket]:
    """Two ends of a real connection; a read that waits too long fails the test instead of hanging it."""
    ours, theirs = socket.socketpair()
    ours.settimeout(30)
    theirs.settimeout(30)
    return ours, theirs


def sent_and_received(message):
    ours, theirs = connected()
    with ours, theirs:
        sender = threading.Thread(target=protocol.send, args=(theirs, message))
        sender.start()  # a message larger than the socket's buffer needs the reader running
        received = protocol.receive(ours)
        sender.join()
    return received


@pytest.mark.parametrize("message", [
    {"cell": 3, "status": "ok", "seen": {"grad": [[0.5, -1.0], [2.0, 1e-300]], "names": ["α", "梯度"]}},
    [], "", 0, None, True, "\u0000 and \u2028 and 😀",
])
def test_a_message_arrives_as_it_was_sent(message):
    assert sent_and_received(message) == message


def test_non_finite_numbers_travel():
    """observe reports a student's NaN or infinite gradient as data; judge decides what it means."""
    received = sent_and_received({"values": [float("nan"), float("inf"), -float("inf")]})
    assert math.isnan(received["values"][0]) and received["values"][1:] == [math.inf, -math.inf]


def test_a_message_larger_than_one_read_arrives_whole():
    message = {"values": list(range(100_000)), "text": "张" * 700_000}  # ~3 MB: several reads of 1 MiB
    assert sent_and_received(message) == message


def test_messages_on_one_connection_are_read_one_at_a_time():
    ours, theirs = connected()
    with ours, theirs:
        for number in range(5):
            protocol.send(theirs, {"number": number})
        theirs.shutdown(socket.SHUT_WR)
        assert [protocol.receive(ours) for _ in range(6)] == [{"number": n} for n in range(5)] + [None]


@pytest.mark.parametrize("cut", [0, 2, 4, 9], ids=["nothing", "half-a-header", "header-only", "half-a-body"])
def test_a_peer_that_hangs_up_mid_frame_ends_the_conversation(cut):
    payload = json.dumps({"status": "ok", "cell": 12}).encode()
    frame = len(payload).to_bytes(4, "big") + payload
    ours, theirs = connected()
    with ours:
        theirs.sendall(frame[:cut])
        theirs.close()
        assert protocol.receive(ours) is None


def test_a_message_exactly_at_the_cap_is_received_and_one_byte_more_is_not():
    payload = b'"' + b"a" * (protocol.MAX_MESSAGE_BYTES - 2) + b'"'
    assert len(payload) == protocol.MAX_MESSAGE_BYTES
    ours, theirs = connected()
    with ours, theirs:
        sender = threading.Thread(target=theirs.sendall, args=(len(payload).to_bytes(4, "big") + payload,))
        sender.start()
        assert len(protocol.receive(ours)) == protocol.MAX_MESSAGE_BYTES - 2
        sender.join()
        theirs.sendall((protocol.MAX_MESSAGE_BYTES + 1).to_bytes(4, "big"))
        with pytest.raises(protocol.ProtocolError, match="^message over the size cap$"):
            protocol.receive(ours)


def test_a_message_over_the_cap_is_not_sent_at_all():
    ours, theirs = connected()
    with ours, theirs:
        with pytest.raises(protocol.ProtocolError, match="^message over the size cap$"):
            protocol.send(theirs, "a" * protocol.MAX_MESSAGE_BYTES)  # with its quotes, two bytes over
        protocol.send(theirs, {"after": True})  # the connection is still in step
        assert protocol.receive(ours) == {"after": True}


def test_what_cannot_be_json_is_refused_before_anything_is_sent():
    ours, theirs = connected()
    with ours, theirs:
        with pytest.raises(TypeError):
            protocol.send(theirs, {"tensor": object()})
        protocol.send(theirs, "next")
        assert protocol.receive(ours) == "next"


def test_a_message_of_too_many_structures_is_refused_before_it_is_parsed():
    """Empty lists cost the parser about 25 bytes each per byte: counted first, not parsed."""
    cheap = b"[" + b"[]," * 2000 + b"0]"
    ours, theirs = connected()
    with ours, theirs:
        theirs.sendall(len(cheap).to_bytes(4, "big") + cheap)
        with pytest.raises(protocol.ProtocolError, match="^message over the size cap$"):
            protocol.receive(ours, max_structures=2000)
        theirs.sendall(len(cheap).to_bytes(4, "big") + cheap)
        assert len(protocol.receive(ours, max_structures=2001)) == 2001


@pytest.mark.parametrize("payload", [b'"\\ud800"', b'"a\\uDBFFb"', b'{"\\udc00": 1}', b'["ok", {"x": "\\uDFFF"}]',
                                     b'"\\\\\\ud800"'])
def test_a_lone_surrogate_spelt_as_an_escape_is_refused_wherever_it_is(payload):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(payload)


@pytest.mark.parametrize("payload, expected", [(b'"\\ud83d\\ude00"', "\U0001F600"), (b'"\\\\ud800"', "\\ud800"),
                                               (b'{"\\u00e9": "\\u4e2d"}', {"é": "中"})])
def test_a_surrogate_pair_and_a_backslash_before_u_are_text(payload, expected):
    assert protocol.decode(payload) == expected
