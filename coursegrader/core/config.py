"""Loads ``course_config.py``, checks every setting against its declaration, and derives the
course layout from it.

``SETTINGS`` declares each setting once: name, type, default (or required) and what it means.
A missing, mistyped or misspelt setting stops every command at load with a message naming the
file, the setting, what is wrong and what to write; nothing fails later halfway through a build
or a batch. The grading limits (``sandbox.Limits``) are made from the settings marked with
their ``limit`` field, so the course file is the only place their values are written.

Only the standard library is used: ``setup.sh`` runs ``python -m coursegrader.core.config NAME ...``
to read the pins before anything else is installed.
"""

import difflib
import importlib.util
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType

CONFIG_FILENAME = "course_config.py"
REQUIRED = object()  # a setting without a default: course_config.py must set it


class ConfigError(Exception):
    """The course configuration is missing or invalid."""


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # "text", "integer", "seconds", "flag", "texts", "id" (see _KINDS)
    description: str
    default: object = REQUIRED
    positive: bool = False  # a count or a size: more than 0
    limit: str | None = None  # the sandbox.Limits field it sets
    choices: tuple = ()  # the values a "text" setting may take, when it is one of a few

    def example(self) -> str:
        if self.choices:
            return f'"{self.choices[0]}"'
        return {"text": '"..."', "integer": "1", "seconds": "60", "flag": "True", "texts": '["..."]',
                "id": "None", "code": '""'}[self.kind]


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_KINDS = {  # kind -> (what a value must be, in words; the check)
    "text": ("a string", lambda v: isinstance(v, str) and v != ""),
    "code": ("a string (may be empty)", lambda v: isinstance(v, str)),
    "integer": ("an integer", _is_integer),
    "seconds": ("a number of seconds", lambda v: _is_integer(v) or isinstance(v, float)),
    "flag": ("True or False", lambda v: isinstance(v, bool)),
    "texts": ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(s, str) and s for s in v)),
    "id": ("None or a Gradescope id (an integer or a string)", lambda v: v is None or _is_integer(v) or isinstance(v, str)),
}

SETTINGS = (
    # the course and its assignments
    Setting("COURSE_ID", "text", "the course's short name (nbgrader's course_id)"),
    Setting("COURSE_TITLE", "text", "the course's title, as people read it"),
    Setting("ASSIGNMENTS", "texts", "the assignments; each has source/<name>/<name>.ipynb as its master notebook"),
    Setting("GRADESCOPE_COURSE_ID", "id", "Gradescope course id, for otter's Gradescope upload", default=None),
    Setting("GRADESCOPE_ASSIGNMENT_ID", "id", "Gradescope assignment id, for otter's Gradescope upload", default=None),
    # points policy and seeds
    Setting("SHOW_HIDDEN_RESULTS_AFTER_PUBLISH", "flag",
            "students see the hidden tests' results (never their code) once grades are published", default=False),
    Setting("HIDDEN_FEEDBACK", "text",
            "when students see the hidden tests' results (the misconception each found, never its inputs or code), "
            "if they see them at all: \"after_published\" (once grades are published) or \"immediate\" (as soon as a "
            "submission is graded, so they can resubmit)", default="after_published",
            choices=("after_published", "immediate")),
    Setting("GRADING_SEED", "integer", "otter's intercell seed (random and NumPy in graded notebooks)"),
    Setting("SOLUTION_TORCH_SEED", "integer", "torch seed of the build's run of the solution notebook"),
    # grading limits, per submission
    Setting("CELL_TIMEOUT_SECONDS", "seconds", "a longer cell is interrupted and grading goes on", positive=True,
            limit="cell_seconds"),
    Setting("CHECK_TIMEOUT_SECONDS", "seconds", "time for one hidden test to exercise an answer", positive=True,
            limit="check_seconds"),
    Setting("SUBMISSION_TIMEOUT_SECONDS", "seconds", "a submission still running after this is stopped", positive=True,
            limit="submission_seconds"),
    Setting("MEMORY_LIMIT_MB", "integer", "memory a submission may allocate beyond the preloaded libraries",
            positive=True, limit="memory_mb"),
    Setting("PROCESS_LIMIT", "integer", "processes and threads a submission may run at once", positive=True,
            limit="processes"),
    Setting("OUTPUT_LIMIT_MB", "integer", "largest file (printed output included) a submission may write",
            positive=True, limit="output_mb"),
    Setting("DISK_LIMIT_MB", "integer", "all files a submission may write in its folder together", positive=True,
            limit="disk_mb"),
    Setting("FORK_SERVER_WARM_UP", "code", "Python run once in the warm process submissions are forked from",
            default=""),
    Setting("FIRST_USE_WARM_UP", "code", "one-time set-up of what an answer may use (e.g. torch.func's first call), run "
            "before a submission's process is forked only if its code names one of FIRST_USE_WORDS", default=""),
    Setting("FIRST_USE_WORDS", "texts", "words (whole identifiers) whose presence in a submission's code means it may "
            "use what FIRST_USE_WARM_UP sets up", default=[]),
    Setting("GRADING_WORKERS", "integer", "submissions graded at once on this machine", default=1, positive=True),
    # the grading image and the pins
    Setting("PYTHON_VERSION", "text", "Python of the grading image, major.minor"),
    Setting("PYTHON_MINIMUM_VERSION", "text", "the oldest release of PYTHON_VERSION the pins install on"),
    Setting("UV_VERSION", "text", "uv's version: the grading image installs Python with it when the deadsnakes archive fails"),
    Setting("TORCH_VERSION", "text", "torch's version, everywhere (setup.sh, the grading image)"),
    Setting("TORCH_CPU_INDEX_URL", "text", "PyTorch's CPU-only package index (setup.sh falls back to the default index)"),
    Setting("TORCH_IMAGE_BUILD", "code", "torch's local build label in otter's requirements (cpu), or \"\"",
            default=""),
    Setting("OTTER_VERSION", "text", "otter-grader's version (requirements.txt must pin the same)"),
    Setting("AUTOGRADER_REQUIREMENTS", "texts", "name==version pins otter's requirements add besides torch", default=[]),
    # nbgrader
    Setting("NBGRADER_SOURCE_DIRECTORY", "text", "nbgrader's instructor notebooks (they hold the hidden tests)"),
)
DECLARED = {setting.name: setting for setting in SETTINGS}
LIMIT_SETTINGS = {setting.limit: setting.name for setting in SETTINGS if setting.limit}  # Limits field -> setting


def find_course_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` that holds course_config.py."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / CONFIG_FILENAME).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_FILENAME} found in {here} or any folder above it; "
        "run this command inside the course repository or pass --course-root"
    )


def checked_values(module: ModuleType, path: Path) -> dict:
    """Every declared setting's value (its default where the file leaves it out); ConfigError
    naming the file, the setting and the fix for the first that is wrong."""
    given = {name: value for name, value in vars(module).items() if name.isupper() and not name.startswith("_")}
    for name in sorted(set(given) - set(DECLARED)):
        near = difflib.get_close_matches(name, DECLARED, n=1)
        hint = f"did you mean {near[0]}?" if near else f"the settings are: {', '.join(DECLARED)}"
        raise ConfigError(f"{path}: unknown setting {name}: {hint} (coursegrader/core/config.py declares every setting)")
    values = {}
    for setting in SETTINGS:
        if setting.name not in given:
            if setting.default is REQUIRED:
                raise ConfigError(f"{path}: setting {setting.name} is missing ({setting.description}); "
                                  f"add a line such as `{setting.name} = {setting.example()}`")
            values[setting.name] = setting.default
            continue
        value = given[setting.name]
        wanted, fits = _KINDS[setting.kind]
        if not fits(value):
            raise ConfigError(f"{path}: setting {setting.name} must be {wanted} ({setting.description}), "
                              f"but it is {type(value).__name__} {value!r}; change that line")
        if setting.choices and value not in setting.choices:
            raise ConfigError(f"{path}: setting {setting.name} must be one of {', '.join(map(repr, setting.choices))} "
                              f"({setting.description}), but it is {value!r}; change that line")
        if setting.positive and value <= 0:
            raise ConfigError(f"{path}: setting {setting.name} must be more than 0 ({setting.description}), "
                              f"but it is {value!r}; change that line")
        values[setting.name] = value
    if not values["ASSIGNMENTS"]:
        raise ConfigError(f"{path}: setting ASSIGNMENTS is empty; list at least one assignment")
    if values["HIDDEN_FEEDBACK"] == "immediate" and not values["SHOW_HIDDEN_RESULTS_AFTER_PUBLISH"]:
        raise ConfigError(f"{path}: HIDDEN_FEEDBACK = 'immediate' shows the hidden tests' results at once, but "
                          "SHOW_HIDDEN_RESULTS_AFTER_PUBLISH = False never shows them; set SHOW_HIDDEN_RESULTS_AFTER_PUBLISH "
                          "= True, or HIDDEN_FEEDBACK = 'after_published'")
    return values


@dataclass(frozen=True)
class Course:
    root: Path
    settings: ModuleType  # course_config.py as loaded
    values: dict = field(default_factory=dict)  # every declared setting, checked (see checked_values)

    def __getattr__(self, name: str):
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        if name.isupper():
            raise ConfigError(f"{name} is not a setting of {CONFIG_FILENAME}; declare it in coursegrader/core/config.py")
        raise AttributeError(name)

    def at(self, root: Path) -> "Course":
        """The same course, its files laid out under another folder (the build's --out)."""
        return replace(self, root=Path(root))

    def check_assignment(self, assignment: str) -> str:
        if assignment not in self.ASSIGNMENTS:
            raise ConfigError(f"unknown assignment {assignment!r}: {self.root / CONFIG_FILENAME} lists "
                              f"{', '.join(self.ASSIGNMENTS)} in ASSIGNMENTS; use one of them or add it there")
        return assignment

    def master(self, assignment: str) -> Path:
        return self.root / "source" / assignment / f"{assignment}.ipynb"

    def release(self, assignment: str) -> Path:
        return self.root / "release" / assignment / f"{assignment}.ipynb"

    def solution(self, assignment: str) -> Path:
        return self.root / "solutions" / assignment / f"{assignment}.ipynb"

    def autograder(self, assignment: str) -> Path:
        return self.root / "autograder" / f"{assignment}-autograder.zip"

    def nbgrader_source(self, assignment: str) -> Path:
        """nbgrader's instructor notebook (it holds the hidden tests: never under release/)."""
        return self.root / self.NBGRADER_SOURCE_DIRECTORY / assignment / f"{assignment}.ipynb"

    def samples(self, assignment: str) -> Path:
        return self.root / "samples" / assignment


def load_course(root: Path | None = None) -> Course:
    root = find_course_root(root)
    path = root / CONFIG_FILENAME
    spec = importlib.util.spec_from_file_location("course_config", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise ConfigError(f"{path} could not be loaded: {type(error).__name__}: {error}") from error
    course = Course(root=root, settings=module, values=checked_values(module, path))
    for assignment in course.ASSIGNMENTS:
        if not course.master(assignment).is_file():
            raise ConfigError(
                f"{path} lists assignment {assignment!r} in ASSIGNMENTS, but its master notebook "
                f"{course.master(assignment)} does not exist; create it or remove the name"
            )
    return course


USAGE = "usage: python -m coursegrader.core.config [--help] NAME ..."


def usage() -> str:
    """The help text: what the command does and every setting it can print (plain text)."""
    width = max(len(setting.name) for setting in SETTINGS)
    lines = [USAGE, "",
             f"Prints the value of each named setting of {CONFIG_FILENAME}, one a line, after checking the",
             "whole file (setup.sh reads its pins this way). Exit status 2 when the file or a name is wrong.",
             "", "settings:"]
    lines += [f"  {setting.name.ljust(width)}  {setting.description}" for setting in SETTINGS]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """``python -m coursegrader.core.config NAME ...``: each setting's value on a line of its own
    (what setup.sh reads its pins with), after checking the whole file."""
    if any(word in ("-h", "--help") for word in argv):
        print(usage())
        return 0
    try:
        flags = [word for word in argv if word.startswith("-")]
        if flags:
            raise ConfigError(f"no option {flags[0]}: this command takes setting names only; "
                              "see `python -m coursegrader.core.config --help`")
        unknown = [name for name in argv if name not in DECLARED]
        if unknown:
            near = difflib.get_close_matches(unknown[0], DECLARED, n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise ConfigError(f"no such setting: {', '.join(unknown)}{hint}; "
                              "`python -m coursegrader.core.config --help` lists them")
        course = load_course()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for name in argv:
        print(getattr(course, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
