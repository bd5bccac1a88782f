"""Wall time of this package beside plain otter on the same inputs, in one run.

    .venv/bin/python benchmarks/build_and_grade.py

Build: `python -m coursegrader build` against `otter assign` on the same prepared master.
Grading: `python -m coursegrader grade` on the sample folder against `otter run` on each
sample in turn. Prints both times and their ratio; the scores must agree.
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from coursegrader import master
from coursegrader.build import autograder_requirements, otter_settings
from coursegrader.config import load_course
from coursegrader.notebooks import read

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
        prepared = master.prepared_for_otter(read(course.master(name)), name, otter_settings(course))
        nbformat.write(prepared, str(work / f"{name}.ipynb"))
        plain = timed([sys.executable, "-m", "otter", "assign", f"{name}.ipynb", str(scratch / "dist")], cwd=work)
        print(f"build:   coursegrader build {ours:6.1f} s | otter assign {plain:6.1f} s | ratio {ours / plain:.2f}x "
              "(coursegrader also executes the solution notebook)")

        samples = sorted(course.samples(name).glob("*.ipynb"))
        autograder = course.autograder(name)
        out = scratch / "grades"
        ours = timed([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(course.samples(name)), "--out", str(out)])
        plain, agree = 0.0, True
        for sample in samples:
            results = scratch / "otter-run" / sample.stem
            results.mkdir(parents=True)
            plain += timed([sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(results), "--no-logo", str(sample)])
            ours_json = json.loads((out / "results" / sample.stem / "results.json").read_text())
            theirs_json = json.loads((results / "results.json").read_text())
            agree &= ours_json["tests"] == theirs_json["tests"]
        print(f"grading {len(samples)} samples: coursegrader grade {ours:6.1f} s | sequential otter run {plain:6.1f} s | "
              f"speed-up {plain / ours:.2f}x | identical results: {agree}")


if __name__ == "__main__":
    main()
