"""Build time of this package beside plain `otter assign` on the same master, in one run.

    .venv/bin/python benchmarks/build.py

(Grading is measured by benchmarks/grade_class.py.)
"""

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from coursegrader.build import master
from coursegrader.build.pipeline import autograder_requirements, otter_settings
from coursegrader.core.config import load_course
from coursegrader.core.notebooks import read

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], **kwargs) -> float:
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    return time.monotonic() - started


def main() -> None:
    course = load_course(ROOT)
    name = course.ASSIGNMENTS[0]
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "course_config.py").write_text((ROOT / "course_config.py").read_text())
        ours = timed([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "build", "--out", str(scratch)])

        work = scratch / "otter-master"
        work.mkdir()
        (work / "requirements.txt").write_text(autograder_requirements(course))
        for support in course.master(name).parent.iterdir():  # files the master's config ships
            if support.is_file() and support.suffix != ".ipynb":
                shutil.copy(support, work / support.name)
        prepared = master.prepared_for_otter(read(course.master(name)), name, otter_settings(course))
        nbformat.write(prepared, str(work / f"{name}.ipynb"))
        plain = timed([sys.executable, "-m", "otter", "assign", f"{name}.ipynb", str(scratch / "dist")], cwd=work)
        print(f"build:   coursegrader build {ours:6.1f} s | otter assign {plain:6.1f} s | ratio {ours / plain:.2f}x "
              "(coursegrader also executes the solution notebook and runs nbgrader's generate_assignment)")


if __name__ == "__main__":
    main()
