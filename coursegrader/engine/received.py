"""Values from the submission's process, checked where the grader receives them.

Everything the submission's process sends is data its code may have forged: any JSON value in
any field (a number beyond a float's range, NaN, a list where a number belongs, a string of
megabytes, deep nesting). Each field the grader uses goes through one of these on arrival and
comes out as the type and range the grader expects, or as the caller's default. Nothing here
raises, so a submission's bytes never become the grader's exception (``error``), and nothing
here keeps more of a text than its cap.
"""

import math

# Messages from the submission's process are bounded twice before they are parsed. The size:
# the largest an honest one sends is a hidden check's observation, at most about 7 MB (e5's:
# 10,000 judged points in each of 20 arrays: x_plot, its grad, y_plot, dydx and 8
# curves; and the answer's code). The structures (lists,
# objects, strings): parsed JSON costs about 25 bytes of memory per byte of empty lists or
# objects, but about 11 per byte of numbers; counting brackets and quotes first keeps a forged
# message of 8 MiB under about 150 MB of the grader's memory.
MAX_MESSAGE_BYTES = 8 * 2**20
MAX_STRUCTURES = 1_000_000


def text(value, limit: int, default: str = "") -> str:
    """A string, cut to ``limit`` characters; ``default`` for anything else."""
    return value[:limit] if isinstance(value, str) else default


def texts(value, items: int, limit: int) -> list[str]:
    """At most ``items`` strings of at most ``limit`` characters from a list; other entries dropped."""
    return [item[:limit] for item in value[:items] if isinstance(item, str)] if isinstance(value, list) else []


def index(value, size: int) -> int | None:
    """An index into a list of ``size`` entries, or None."""
    return value if type(value) is int and 0 <= value < size else None


def integer(value, low: int, high: int) -> int | None:
    """An integer in [low, high] (not a bool, not a float), or None."""
    return value if type(value) is int and low <= value <= high else None


def number(value, low: float, high: float) -> float | None:
    """A finite number in [low, high] as a float (not a bool), or None."""
    if type(value) not in (int, float):
        return None
    if type(value) is int and not low <= value <= high:  # a huge int: float() would overflow
        return None
    value = float(value)
    return value if math.isfinite(value) and low <= value <= high else None


def entries(value, items: int) -> list[dict]:
    """The objects among the first ``items`` entries of a list."""
    return [item for item in value[:items] if isinstance(item, dict)] if isinstance(value, list) else []
