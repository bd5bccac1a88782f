"""The corpus: whole notebooks built from the solution with answer cells replaced, and the score
each must get on every auto-graded question.

- ``correct-k``: the k-th correct variant of every question; every question earns full points.
- ``wrong-A-k`` / ``wrong-B-k``: the k-th misconception of each question in group A (or B) and
  a correct variant everywhere else; the misconceptions earn 0, every other question full points.
  Two groups, so that every wrong answer sits next to right ones that must not lose points.
- ``rerun-twice``: the solution's code cells run twice, top to bottom, in one kernel.
"""

from dataclasses import dataclass, field

from corpus.answers import CORRECT, WRONG

QUESTIONS = ["w1", "w2", "w3", "e1a", "e1b", "e2a", "e2b", "e3a", "e3b", "e3c", "e4a", "e5"]
GROUPS = {"A": ["w1", "w3", "e1b", "e2b", "e3a", "e4a"], "B": ["w2", "e1a", "e2a", "e3b", "e3c", "e5"]}
FULL = "full"


@dataclass
class Case:
    name: str
    answers: dict[str, str]  # question tag -> the answer cell's code
    expected: dict[str, object]  # question -> FULL or 0
    rerun: bool = False  # run every code cell twice, top to bottom
    wrong: list[str] = field(default_factory=list)

    def scores(self, points: dict[str, float]) -> dict[str, float]:
        """The points the contract gives this case, question by question."""
        return {q: (points[q] if self.expected[q] == FULL else 0.0) for q in QUESTIONS}


def _correct(question: str, k: int) -> str:
    variants = CORRECT[question]
    return variants[k % len(variants)]


def _cases() -> list[Case]:
    cases = []
    for k in range(max(map(len, CORRECT.values()))):
        cases.append(Case(f"correct-{k}", {q: _correct(q, k) for q in QUESTIONS}, {q: FULL for q in QUESTIONS}))
    for group, members in GROUPS.items():
        for k in range(max(len(WRONG[q]) for q in members)):
            wrong = [q for q in members if k < len(WRONG[q])]
            answers = {q: WRONG[q][k] if q in wrong else _correct(q, k) for q in QUESTIONS}
            cases.append(Case(f"wrong-{group}-{k}", answers, {q: 0 if q in wrong else FULL for q in QUESTIONS}, wrong=wrong))
    cases.append(Case("rerun-twice", {}, {q: FULL for q in QUESTIONS}, rerun=True))
    return cases


CASES = _cases()


def corpus_size() -> dict[str, tuple[int, int]]:
    """(correct, wrong) variants per question."""
    return {q: (len(CORRECT[q]), len(WRONG[q])) for q in QUESTIONS}
