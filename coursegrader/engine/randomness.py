"""One random state per check, so that one notebook always gets one score and one set of messages.

Student code may draw random numbers (``torch.rand``, ``random``, NumPy's global generator), and a
verdict must not follow them: every hidden check's ``observe`` (and every public test) runs in the
submission's process under a state seeded from the course's seed and the check's name, the same
on every route and in every worker, whatever the notebook's cells drew before. The state the
notebook had is put back afterwards, so its later cells draw what they would have drawn.

The notebook's cells themselves run under otter's intercell seed (``random`` and NumPy seeded
before each cell, as otter does); the package's grader seeds torch's global generator there too,
which otter does not, so that values a cell draws from torch are the same on every run.

The generators are held here when the submission's process starts, before any student code:
a cell that replaces ``random.seed`` or ``numpy.random.seed`` does not change what is seeded.
"""

import contextlib
import hashlib
import random
import sys

import numpy

_python = random._inst  # the generator behind random.random(), random.seed(), ...
_python_state, _python_restore, _python_seed = _python.getstate, _python.setstate, _python.seed
_numpy = numpy.random.mtrand._rand  # the generator behind numpy.random.seed(), numpy.random.rand(), ...
_numpy_state, _numpy_restore, _numpy_seed = _numpy.get_state, _numpy.set_state, _numpy.seed
_torch_generator = []  # torch's default CPU generator, once torch is imported (a C object: not patchable)


def check_seed(course_seed, name: str) -> int:
    """The seed of one check: a function of the course's seed and the check's name only."""
    digest = hashlib.sha256(f"{course_seed}/{name}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:4], "big")  # NumPy takes seeds below 2**32


def hold() -> None:
    """Take hold of torch's generator, if torch is loaded (the fork server loads it before any
    student code runs; a course without torch has none to seed)."""
    if not _torch_generator and "torch" in sys.modules:
        _torch_generator.append(sys.modules["torch"].default_generator)


def seed_cell(seed: int) -> None:
    """otter's intercell seeding, with torch's generator too."""
    _numpy_seed(seed)
    _python_seed(seed)
    hold()
    for generator in _torch_generator:
        generator.manual_seed(seed)


@contextlib.contextmanager
def fixed(seed: int):
    """Run the block under ``seed`` (torch, random and NumPy), then put back the states it found."""
    hold()
    saved = (_python_state(), _numpy_state(), [generator.get_state() for generator in _torch_generator])
    try:
        _python_seed(seed)
        _numpy_seed(seed)
        for generator in _torch_generator:
            generator.manual_seed(seed)
        yield
    finally:
        python_state, numpy_state, torch_states = saved
        _python_restore(python_state)
        _numpy_restore(numpy_state)
        for generator, state in zip(_torch_generator, torch_states):
            generator.set_state(state)
