"""An assignment's questions as every stage reads them: name, points, manual or not, its checks.

The build writes them into the autograder zip's manifest (``coursegrader.json``) from the master
notebook; everything after it (the engine, the results, the report, the gradebook, a Gradescope
export read back) reads them through ``questions_of``. A question's points are said once, here;
the engine proves on loading that its hidden checks' points add up to them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    name: str
    points: float
    manual: bool  # graded by a person (a written answer); no hidden checks
    checks: tuple[str, ...] = ()  # the hidden checks that decide it, in their test file's order

    def to_manifest(self) -> dict:
        return {"name": self.name, "points": self.points, "manual": self.manual, "checks": list(self.checks)}


def questions_of(manifest: dict) -> list[Question]:
    """The questions of an autograder manifest; ValueError naming what is wrong."""
    found = []
    for entry in manifest.get("questions", []):
        try:
            found.append(Question(str(entry["name"]), float(entry["points"]), bool(entry["manual"]),
                                  tuple(str(check) for check in entry.get("checks") or [])))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"the manifest's question {entry!r} is not name/points/manual/checks: {error}") from None
    names = [q.name for q in found]
    if len(set(names)) != len(names):
        raise ValueError(f"the manifest names a question twice: {names}")
    return found


def autograded(questions: list[Question]) -> list[str]:
    """The questions with hidden checks, in notebook order."""
    return [q.name for q in questions if not q.manual]


def possible_points(questions: list[Question]) -> float:
    """The points the autograder can give."""
    return sum(q.points for q in questions if not q.manual)
