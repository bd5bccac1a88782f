"""Loads ``course_config.py`` and derives the course layout from it."""

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

CONFIG_FILENAME = "course_config.py"


class ConfigError(Exception):
    """The course configuration is missing or invalid."""


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


@dataclass(frozen=True)
class Course:
    root: Path
    settings: ModuleType

    def __getattr__(self, name: str):
        try:
            return getattr(self.settings, name)
        except AttributeError:
            raise ConfigError(f"{self.root / CONFIG_FILENAME} has no setting {name}") from None

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
    course = Course(root=root, settings=module)
    for assignment in course.ASSIGNMENTS:
        if not course.master(assignment).is_file():
            raise ConfigError(
                f"{path} lists assignment {assignment!r}, but its master notebook "
                f"{course.master(assignment)} does not exist"
            )
    return course
