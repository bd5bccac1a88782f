"""The assignment as the engine holds it: the questions, each hidden check compiled with its
probe inputs made, the public tests, and the settings the autograder zip was built with.

Loaded once per grading process from the autograder zip (its bytes, its path, or the folder
Gradescope unpacked it into); every route grades with the same object.
"""

import base64
import json
import marshal
import re
from dataclasses import dataclass, field
from pathlib import Path

from coursegrader.core import autograder_zip
from coursegrader.core.assignment import Question, autograded, possible_points, questions_of
from coursegrader.engine.checks import HiddenCheck, hidden_checks, public_tests_source, standalone
from coursegrader.inputs.submissions import Notebook


@dataclass(frozen=True)
class LoadedCheck:
    """One hidden check ready to run: its test's parts, its judge (and static rule) compiled here,
    its observe step compiled for the submission's process, and its probe inputs, made once."""
    test: HiddenCheck
    question: str
    judge: object
    probes: object
    inspect: object = None  # the static rule, run by the grader on the submitted cells (see checks.py)
    # observe's code object as marshal data, base64: what the submission's process runs. It is the
    # same Python (forked from the grader's fork server), and loading it there takes a tenth of
    # what compiling the source would, at every check of every submission.
    observe_code: str = field(init=False)

    def __post_init__(self):
        code = compile(self.test.observe_source, "<observe>", "exec")
        object.__setattr__(self, "observe_code", base64.b64encode(marshal.dumps(code)).decode("ascii"))

    @property
    def name(self) -> str:
        return self.test.name

    @property
    def points(self) -> float:
        return self.test.points


@dataclass(frozen=True)
class FirstUse:
    """One-time set-up of what an answer may use (torch.func's first call: seconds), which must
    never count against the student who uses it first: the course's FIRST_USE_WARM_UP, and the
    words (FIRST_USE_WORDS) a submission's code names if it may use it."""
    warm_up: str = ""
    words: tuple[str, ...] = ()

    @classmethod
    def from_manifest(cls, manifest: dict) -> "FirstUse":
        given = manifest.get("first_use")
        if not isinstance(given, dict):
            return cls()  # a zip built before the setting
        return cls(str(given.get("warm_up", "")), tuple(str(word) for word in given.get("words", [])))

    def named_by(self, notebook: Notebook) -> bool:
        """Whether one of the words stands as a whole word in the notebook's code (a linear scan)."""
        if not self.words:
            return False
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in self.words) + r")\b")
        return any(pattern.search(cell.source) for cell in notebook.code_cells)


def warm_up_of(warm_up: str, first_use: FirstUse, alone: Notebook | None) -> str:
    """What a fork server runs before its first fork: the course's warm-up, then, for a server
    that forks for one submission alone (``alone``: its notebook, on Gradescope) that names one
    of the first-use words, the first-use set-up. A server that forks for many (``alone`` None)
    leaves that set-up to a server of its own forked from it (``Engine``), for the submissions
    that name a word: every submission starts from the state it would find graded alone. (One
    that reaches the library without naming it pays the set-up within its own time, as under
    `otter run`.)"""
    if first_use.warm_up and alone is not None and first_use.named_by(alone):
        return f"{warm_up}\n{first_use.warm_up}"
    return warm_up


@dataclass
class Assignment:
    """What grading needs from an autograder zip."""
    questions: list[Question]
    checks: list[LoadedCheck]
    public: dict[str, tuple[str, str]]  # question -> (test file path, source without hidden tests)
    seed: int | None
    show_hidden: bool
    notebook_name: str  # what the release notebook is called; its init cell opens this file
    limits: dict  # the course's limits when the zip was built (Gradescope's image has no course_config.py)
    warm_up: str = ""  # code the fork server runs once before any submission (the course's, from its config)
    first_use: FirstUse = field(default_factory=FirstUse)  # the course's, from its config
    files: dict = field(default_factory=dict)  # name -> bytes: the master's `files:`, beside each submission's notebook
    lesson: tuple[str, ...] = ()  # the release's code cells before its first answer cell (build.pipeline.lesson_cells)
    hidden_feedback: str = "after_published"  # HIDDEN_FEEDBACK when the zip was built: "immediate" or "after_published"

    @classmethod
    def from_autograder(cls, source: "Path | bytes | autograder_zip.Autograder") -> "Assignment":
        """Read from an autograder zip, its bytes, the folder it was unpacked into, or what
        ``autograder_zip.read`` already read of it."""
        autograder = source if isinstance(source, autograder_zip.Autograder) else autograder_zip.read(source)
        questions = questions_of(autograder.manifest)
        checks, public = [], {}
        for question in questions:
            test_path = autograder_zip.test_path(question.name)
            if question.manual or test_path not in autograder.tests:
                continue
            source_code = autograder.tests[test_path]
            loaded = [LoadedCheck(check, question.name, standalone(check.judge_source),
                                  json.loads(json.dumps(standalone(check.probes_source)())),
                                  standalone(check.inspect_source) if check.inspect_source else None)
                      for check in hidden_checks(source_code, test_path)]
            _agree(question, loaded, test_path)
            checks.extend(loaded)
            visible = public_tests_source(source_code, test_path)
            if visible:
                public[question.name] = (test_path, visible)
        config = autograder.otter_config
        return cls(questions, checks, public, config.get("seed"), bool(config.get("show_hidden", False)),
                   f"{config.get('assignment_name', 'submission')}.ipynb", autograder.manifest["limits"],
                   str(autograder.manifest.get("warm_up", "")), FirstUse.from_manifest(autograder.manifest),
                   dict(autograder.files),
                   tuple(str(cell) for cell in autograder.manifest.get("lesson", [])),
                   # a zip built before the setting, or holding anything else: the cautious default
                   "immediate" if autograder.manifest.get("hidden_feedback") == "immediate" else "after_published")

    def warm_up_for(self, alone: Notebook | None) -> str:
        """What the fork server runs before its first fork (``warm_up_of``)."""
        return warm_up_of(self.warm_up, self.first_use, alone)

    @property
    def autograded(self) -> list[str]:
        """The questions with tests, in notebook order."""
        return autograded(self.questions)

    @property
    def possible(self) -> float:
        return possible_points(self.questions)

    def checks_of(self, question: str) -> list[LoadedCheck]:
        return [check for check in self.checks if check.question == question]


def _agree(question: Question, loaded: list[LoadedCheck], test_path: str) -> None:
    """The manifest and the test file must tell one story: the same checks, the same points."""
    names, points = tuple(check.name for check in loaded), sum(check.points for check in loaded)
    if names != question.checks or abs(points - question.points) > 1e-9:
        raise ValueError(f"the autograder's manifest gives {question.name} the checks {list(question.checks)} worth "
                         f"{question.points:g}, but {test_path} has {list(names)} worth {points:g}; rebuild it with "
                         "`python -m coursegrader build`")
