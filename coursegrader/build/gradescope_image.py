"""The files the autograder zip carries so that Gradescope grades with this package.

Gradescope builds an image from the zip once (its ``setup.sh``, as root, network on) and runs its
``run_autograder`` for every submission. otter's two scripts would build otter's environment and
run the hidden tests in the student's kernel; these replace them. ``setup.sh`` installs Python,
torch and the packages coursegrader imports, each at a pinned version, and the coursegrader
source bundled here; ``run_autograder`` runs ``python -m coursegrader gradescope`` and installs
nothing. otter's own files (tests/, otter_config.json, files/) stay, so ``otter run -a`` works.
"""

import re
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # coursegrader/, bundled whole
TEMPLATES = Path(__file__).resolve().parent / "gradescope_image"
FOLDER = "gradescope"  # in the zip: the pins and the package source setup.sh installs
EXECUTABLE, REGULAR = 0o755, 0o644
BUNDLED_SUFFIXES = (".py", ".j2")  # the package's modules and its page templates


class ImageError(Exception):
    """The pins for the grading image are missing or disagree."""


def image_files(course) -> dict[str, tuple[bytes, int]]:
    """Zip entry name -> (bytes, permission bits)."""
    files = {
        "setup.sh": (_setup_script(course).encode(), EXECUTABLE),
        "run_autograder": ((TEMPLATES / "run_autograder").read_bytes(), EXECUTABLE),
        f"{FOLDER}/requirements.txt": (requirements(course).encode(), REGULAR),
        f"{FOLDER}/constraints.txt": ((course.root / "requirements.txt").read_bytes(), REGULAR),
    }
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in BUNDLED_SUFFIXES and "__pycache__" not in path.parts:
            files[f"{FOLDER}/package/coursegrader/{path.relative_to(PACKAGE).as_posix()}"] = (path.read_bytes(), REGULAR)
    return files


def _setup_script(course) -> str:
    text = (TEMPLATES / "setup.sh").read_text()
    for name in ("PYTHON_VERSION", "PYTHON_MINIMUM_VERSION", "TORCH_VERSION", "TORCH_CPU_INDEX_URL", "UV_VERSION"):
        text = text.replace(f"@{name}@", str(getattr(course, name)))
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise ImageError(f"{TEMPLATES / 'setup.sh'} has values the build does not fill in: {', '.join(left)}")
    return text


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements_txt: str) -> dict[str, str]:
    """Normalized name -> "name==version" for every pinned line of a requirements file."""
    found = {}
    for line in requirements_txt.splitlines():
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.split("#")[0].strip())
        if match:
            found[_normalized(match[1])] = f"{match[1]}=={match[2]}"
    return found


def requirements(course) -> str:
    """What coursegrader needs (pyproject.toml's dependencies) at requirements.txt's versions;
    torch is installed on its own (a CPU wheel, see setup.sh). Fails when course_config.py's pins
    for the image disagree with requirements.txt."""
    pinned = pins((course.root / "requirements.txt").read_text())
    for wanted in [f"otter-grader=={course.OTTER_VERSION}", *course.AUTOGRADER_REQUIREMENTS]:
        name = _normalized(wanted.split("==")[0])
        if _normalized(pinned.get(name, "")) != _normalized(wanted):
            raise ImageError(f"course_config.py pins {wanted} but requirements.txt has {pinned.get(name, 'no pin')}; "
                             "make them the same")
    with open(course.root / "pyproject.toml", "rb") as handle:
        needed = tomllib.load(handle)["project"]["dependencies"]
    lines = []
    for dependency in needed:
        name = _normalized(re.split(r"[\[<>=!~; ]", dependency, maxsplit=1)[0])
        if name == "torch":
            continue
        if name not in pinned:
            raise ImageError(f"pyproject.toml needs {dependency}, which requirements.txt does not pin; pin it there")
        lines.append(pinned[name])
    return "# coursegrader's dependencies (pyproject.toml) at requirements.txt's versions; torch: setup.sh\n" + \
        "\n".join(sorted(lines, key=str.lower)) + "\n"
