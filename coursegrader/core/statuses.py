"""What became of a submission: one status type with everything each status means.

A status says how bad it is (``severity``: a cell's trouble never hides a worse one), whose
fault it is (the submission's, the grader's, or nobody's), whether the submission's answers were
judged (only then does it count in a class's shares and averages), and the line a student reads.
"""

from enum import StrEnum

from coursegrader.core import messages


class Status(StrEnum):
    OK = "ok"
    CELL_TIMEOUT = "cell-timeout"
    OUTPUT_LIMIT = "output-limit"
    MEMORY_LIMIT = "memory-limit"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    INVALID = "invalid"
    ERROR = "error"
    DUPLICATE = "duplicate"

    @property
    def severity(self) -> int:
        return list(Status).index(self)

    @property
    def fault(self) -> str:
        """"submission", "grader" or "" (nobody's)."""
        return _FAULTS[self]

    @property
    def judged(self) -> bool:
        """Whether the answers were judged (in part, up to a stop): the class's denominator."""
        return self not in (Status.INVALID, Status.ERROR, Status.DUPLICATE)

    @property
    def line(self) -> str:
        return messages.STATUS_LINES[self.value]

    def worse(self, other: "Status") -> "Status":
        return max(self, Status(other), key=lambda status: status.severity)


_FAULTS = {Status.OK: "", Status.CELL_TIMEOUT: "submission", Status.OUTPUT_LIMIT: "submission",
           Status.MEMORY_LIMIT: "submission", Status.TIMEOUT: "submission", Status.CRASHED: "submission",
           Status.INVALID: "submission", Status.ERROR: "grader", Status.DUPLICATE: ""}
assert set(_FAULTS) == set(Status) and set(messages.STATUS_LINES) == {s.value for s in Status}
