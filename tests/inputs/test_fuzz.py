"""Fuzzing the submission reader (discover, then read: what grading does before any process
starts) with Hypothesis: notebook-shaped JSON with wrong types everywhere, random bytes, and
real files mutated (the release notebook, an otter export zip of it: flipped, inserted and
deleted bytes, truncation, corrupt deflate streams, bad member names, encryption and UTF-8 flag
bits, lying sizes). Every input must give exactly one submission, and reading it must give a
notebook or a SubmissionError whose message is one of the fixed texts: no other exception, and
no text of the input in the message.

A fixed budget, derandomized so that CI is reproducible; ``benchmarks/fuzz_reader.py`` runs the
same properties with a larger, random budget.
"""

import json
import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broken_inputs import MARK, central_entry, export_zip
from helpers import ASSIGNMENT, ROOT
from coursegrader.engine import protocol
from coursegrader.inputs.problems import MESSAGES
from coursegrader.inputs.submissions import SubmissionError, discover, read_submission, safe_id

RELEASE = (ROOT / "release" / ASSIGNMENT / "autograd.ipynb").read_bytes()
RELEASE_ASCII = json.dumps(json.loads(RELEASE), indent=1).encode()  # all ASCII: most flips keep it UTF-8
EXPORT = export_zip(RELEASE)
FIXED_MESSAGES = set(MESSAGES.values())
BUDGET = {"shaped": 900, "bytes": 300, "notebook": 500, "zip": 800, "names": 200, "frames": 300}  # about 3,300 reads


def budget(name: str, scale: float = 1.0):
    return settings(max_examples=int(BUDGET[name] * scale), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


# --- what every input must satisfy ---------------------------------------------------------------

class Reader:
    """One folder, holding one input at a time."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cg-fuzz-"))
        self.outcomes: dict[str, int] = {}

    def check(self, name: str, data: bytes) -> str:
        for entry in self.folder.iterdir():
            entry.unlink()
        (self.folder / name).write_bytes(data)
        found = discover([self.folder])
        assert len(found) == 1, "exactly one row per input"
        try:
            notebook = read_submission(found[0])
        except SubmissionError as error:
            assert str(error) in FIXED_MESSAGES and MARK not in str(error)
            outcome = error.reason
        else:
            saved = json.loads(notebook.saved())  # what the submission's process will read
            assert all(cell["cell_type"] == "code" for cell in saved["cells"])
            cells = [{"source": c.source, "number": c.number} for c in notebook.code_cells]
            protocol.decode(json.dumps({"cells": cells}, ensure_ascii=False).encode("utf-8", "replace"))  # sendable
            outcome = "graded"
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        return outcome

    def close(self):
        shutil.rmtree(self.folder)


@pytest.fixture(scope="module")
def reader():
    made = Reader()
    yield made
    made.close()
    print(f"\nfuzzed inputs by outcome: {dict(sorted(made.outcomes.items()))}")


# --- strategies ----------------------------------------------------------------------------------

# text with what hostile files hold: lone surrogates, controls, the marker, tag names
texts = st.one_of(st.text(max_size=30), st.text(st.characters(categories=["Cs", "Cc", "Co"]), max_size=5),
                  st.sampled_from([MARK, "otter_ignore", "e5", "code", "\u202e" + MARK, ""]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), texts)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                           max_leaves=6)


def sometimes(right):
    """A field of the right shape, or (one time in three) any JSON value instead."""
    return st.one_of(right, right, json_values)


cells = sometimes(st.fixed_dictionaries({}, optional={
    "cell_type": sometimes(st.sampled_from(["code", "markdown", "raw"])),
    "source": sometimes(st.one_of(texts, st.lists(texts, max_size=4))),
    "input": sometimes(texts),
    "metadata": sometimes(st.fixed_dictionaries({}, optional={"tags": sometimes(st.lists(texts, max_size=3))})),
    "outputs": json_values,
    "execution_count": json_values,
}))
notebooks = st.fixed_dictionaries({}, optional={
    "cells": sometimes(st.lists(cells, max_size=6)),
    "worksheets": sometimes(st.lists(sometimes(st.fixed_dictionaries({}, optional={"cells": sometimes(st.lists(cells, max_size=4))})),
                                     max_size=2)),
    "metadata": json_values,
    "nbformat": sometimes(st.integers(0, 5)),
    "nbformat_minor": json_values,
})


@st.composite
def serialized(draw, values):
    """JSON text of a value, written the ways files are: indented or not, ASCII or UTF-8 (a lone
    surrogate then becomes bytes that are not UTF-8), sometimes cut short."""
    value = draw(values)
    text = json.dumps(value, indent=draw(st.sampled_from([None, 1])), ensure_ascii=draw(st.booleans()))
    data = text.encode("utf-8", "surrogatepass")
    chance = random.Random(draw(st.integers(0, 2**64 - 1)))
    return data[:chance.randrange(len(data) + 1)] if chance.random() < 0.1 else data


@st.composite
def mutated(draw, original: bytes, regions=()):
    """``original`` with a few bytes flipped, set, inserted or deleted (anywhere, or inside one of
    ``regions``, byte ranges that matter), and sometimes truncated. Where and how come from a
    seeded generator: Hypothesis draws small integers far more often than others, which would put
    every mutation at a file's first bytes."""
    chance = random.Random(draw(st.integers(0, 2**64 - 1)))
    data = bytearray(original)
    for _ in range(chance.randint(1, 4)):
        if not data:
            break
        if regions and chance.random() < 0.5:
            start, end = chance.choice(regions)
            where = min(chance.randrange(start, max(start + 1, end)), len(data) - 1)
        else:
            where = chance.randrange(len(data))
        action = chance.choice(["flip", "set", "insert", "delete"])
        if action == "flip":  # mostly the low bits: an ASCII byte stays ASCII and the text stays UTF-8
            data[where] ^= 1 << chance.choice([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 5])
        elif action == "set":  # any byte, or one that means something in JSON
            data[where] = chance.choice([chance.randrange(256), *b'{}[]",:\\ 0en'])
        elif action == "insert":
            data[where:where] = chance.randbytes(chance.randint(1, 8))
        else:
            del data[where:where + chance.randint(1, 16)]
    if chance.random() < 0.1:
        data = data[:chance.randrange(len(data) + 1)]
    return bytes(data)


def _zip_regions(data: bytes) -> list[tuple[int, int]]:
    """Header fields and streams of the export zip: flags (encryption bit 0, UTF-8 bit 11),
    method, CRC, sizes, name lengths, names, the deflate stream, the directory and its end."""
    member = b"autograd.ipynb"
    central = central_entry(data, member)
    end = data.rfind(b"PK\x05\x06")
    return [(6, 8), (8, 10), (14, 26), (26, 30), (30, 30 + len(member)), (30 + len(member), central),
            (central + 8, central + 12), (central + 16, central + 30), (central + 42, central + 46),
            (central + 46, central + 46 + len(member)), (end + 8, end + 22)]


ZIP_REGIONS = _zip_regions(EXPORT)
NOTEBOOK_REGIONS = [(RELEASE.find(b'"cells"'), RELEASE.find(b'"cells"') + 400), (RELEASE.find(b'"metadata"', len(RELEASE) // 2), len(RELEASE))]


# --- the properties --------------------------------------------------------------------------------

def check_shaped(reader, data: bytes) -> None:
    reader.check("shaped.ipynb", data)


def check_bytes(reader, data: bytes) -> None:
    reader.check("random.ipynb", data)
    reader.check("random.zip", data)


def check_notebook(reader, data: bytes) -> None:
    reader.check("mutated.ipynb", data)


def check_zip(reader, data: bytes) -> None:
    reader.check("mutated.zip", data)


def check_names(names: list[str]) -> None:
    from coursegrader.inputs.submissions import _with_unique_ids

    submissions = _with_unique_ids([(name, Path("x"), index % 3 == 2) for index, name in enumerate(names)])
    ids = [s.id for s in submissions]
    assert len(ids) == len(names) and len({i.casefold() for i in ids}) == len(ids)
    for submission_id in ids:
        assert submission_id.isprintable() and "/" not in submission_id and submission_id[0] not in ".=+-@ "
        assert submission_id == safe_id(submission_id) or submission_id.rsplit("-", 1)[-1].isdigit()
        assert len(submission_id.encode()) <= 255


def check_frame(data: bytes) -> None:
    try:
        protocol.decode(data)
    except protocol.ProtocolError as error:
        assert str(error) == "not a JSON message"


@pytest.mark.slow
@budget("shaped")
@given(data=serialized(notebooks))
def test_notebook_shaped_json_with_wrong_types(reader, data):
    check_shaped(reader, data)


@budget("bytes")
@given(data=st.binary(max_size=3000))
def test_random_bytes(reader, data):
    check_bytes(reader, data)


@budget("notebook")
@given(data=st.one_of(mutated(RELEASE, NOTEBOOK_REGIONS), mutated(RELEASE_ASCII)))
def test_mutated_release_notebook(reader, data):
    check_notebook(reader, data)


@budget("zip")
@given(data=st.one_of(mutated(EXPORT, ZIP_REGIONS), mutated(RELEASE, NOTEBOOK_REGIONS).map(export_zip)))
def test_mutated_export_zip(reader, data):
    check_zip(reader, data)


@budget("names")
@given(names=st.lists(st.one_of(texts, st.sampled_from(["x", "x-2", "X", "..", "=1", "-"])), max_size=12))
def test_ids_from_any_names_are_unique_and_safe(names):
    check_names(names)


@budget("frames")
@given(data=st.one_of(st.binary(max_size=200), serialized(json_values), mutated(json.dumps({"seen": [1.5, "x"]}).encode())))
def test_protocol_frames_are_data_or_a_protocol_error(data):
    check_frame(data)


def test_the_fuzzers_reach_both_outcomes(reader):
    """Not a vacuous budget: the inputs above were graded and refused for many reasons. (Runs
    last in this module.)"""
    if sum(reader.outcomes.values()) < 2000:
        pytest.skip("counts the inputs of the whole module")
    assert reader.outcomes.get("graded", 0) > 50
    assert len([r for r in reader.outcomes if r != "graded"]) >= 8, reader.outcomes
