"""Batch grading throughput: this package against sequential `otter run`, measured in one run.

    .venv/bin/python benchmarks/grade_class.py [--class-size 200] [--otter-sample 10] [--no-compare]

Ten different submissions (solution, blank release, the bundled samples, partial answers) are
graded by `otter run` one after another and by `python -m coursegrader grade`; their scores must
agree question by question. Then a class of 200 (the ten, repeated) is graded by the package,
with the lesson paid once (the default) and, unless --no-compare, again with every cell run per
submission (--no-snapshot): the two must give the same scores and statuses. Prints throughput,
the ratios, median latency once warm, memory per submission process (peak resident, shared pages
included; and its own pages at the end), and where a submission's time goes.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from coursegrader.core.config import load_course
from coursegrader.core.notebooks import read, tags_of

ROOT = Path(__file__).resolve().parents[1]


def distinct_submissions(course, name: str, folder: Path, count: int) -> list[Path]:
    """``count`` different notebooks: real samples first, then the solution with answers removed."""
    folder.mkdir(parents=True)
    paths = []
    for source in [course.solution(name), course.release(name), *sorted(course.samples(name).glob("*.ipynb"))]:
        paths.append(folder / f"{len(paths):02d}-{source.stem}.ipynb")
        shutil.copy(source, paths[-1])
    solution = read(course.solution(name))
    questions = sorted({t for c in solution.cells for t in tags_of(c) if t[0] in "we" and len(t) <= 3})
    while len(paths) < count:
        dropped = set(questions[len(paths) % len(questions)::3])
        notebook = nbformat.from_dict(json.loads(json.dumps(solution)))
        notebook.cells = [c for c in notebook.cells if not set(tags_of(c)) & dropped]
        paths.append(folder / f"{len(paths):02d}-partial.ipynb")
        nbformat.write(notebook, paths[-1])
    return paths[:count]


def otter_scores(notebook: Path, autograder: Path, out: Path) -> dict:
    out.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(notebook)],
                   check=True, capture_output=True)
    return {t["name"]: t["score"] for t in json.loads((out / "results.json").read_text())["tests"] if "score" in t}


def package_grade(folder: Path, out: Path, *options: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder), "--out", str(out),
                    "--regrade", *options], check=True, capture_output=True)
    return time.monotonic() - started


def records(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(out.glob("results/*/graded.json"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=200)
    parser.add_argument("--otter-sample", type=int, default=10)
    parser.add_argument("--no-compare", action="store_true", help="skip the class graded again without the snapshot")
    args = parser.parse_args()
    course = load_course(ROOT)
    name = course.ASSIGNMENTS[0]
    autograder = course.autograder(name)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        sample = distinct_submissions(course, name, scratch / "sample", args.otter_sample)

        started = time.monotonic()
        theirs = {p.stem: otter_scores(p, autograder, scratch / "otter" / p.stem) for p in sample}
        otter_seconds = time.monotonic() - started

        ours_seconds = package_grade(scratch / "sample", scratch / "ours-sample")
        ours = {r["submission"]: r["scores"] for r in records(scratch / "ours-sample")}
        agree = all({q: float(s) for q, s in theirs[k].items() if q in ours[k]} == ours[k] for k in theirs)

        big = scratch / "class"
        big.mkdir()
        for index in range(args.class_size):
            shutil.copy(sample[index % len(sample)], big / f"student{index:04d}.ipynb")
        class_seconds = package_grade(big, scratch / "ours-class")
        graded = records(scratch / "ours-class")
        if not args.no_compare:
            full_seconds = package_grade(big, scratch / "ours-full", "--no-snapshot")
            full = records(scratch / "ours-full")
            same = [(r["status"], r["scores"]) for r in graded] == [(r["status"], r["scores"]) for r in full]

    otter_rate = len(sample) / otter_seconds
    class_rate = len(graded) / class_seconds
    warm = sorted(graded, key=lambda r: r["submission"])[course.GRADING_WORKERS * 2:]
    latency = statistics.median(r["seconds"] for r in warm)
    phases: dict[str, float] = {}
    for record in warm:
        for phase, seconds in record["phases"].items():
            phases[phase] = phases.get(phase, 0.0) + seconds / len(warm)
    print(f"otter run, sequential, {len(sample)} submissions: {otter_seconds:7.1f} s  ({otter_rate:.3f}/s)")
    print(f"coursegrader grade, same {len(sample)}:            {ours_seconds:7.1f} s  (scores identical per question: {agree})")
    print(f"coursegrader grade, class of {len(graded)}:          {class_seconds:7.1f} s  ({class_rate:.2f}/s)")
    print(f"throughput ratio (class of {len(graded)} vs sequential otter run): {class_rate / otter_rate:.1f}x")
    if not args.no_compare:
        print(f"the same class, every cell run per submission (--no-snapshot): {full_seconds:7.1f} s "
              f"({len(full) / full_seconds:.2f}/s, {len(full) / full_seconds / otter_rate:.1f}x otter run); "
              f"the lesson paid once is {full_seconds / class_seconds:.2f}x faster; scores and statuses identical: {same}")
    print(f"median latency per submission once warm: {latency:.2f} s")
    counted = [r["unique_mb"] for r in graded if r.get("unique_mb") is not None]  # one submission in eight counts them
    print(f"memory per submission process: peak resident {statistics.median(r['peak_mb'] for r in graded):.0f} MB median "
          f"(max {max(r['peak_mb'] for r in graded):.0f}; shared pages included); its own pages at the end "
          f"{statistics.median(counted):.0f} MB median (max {max(counted):.0f}; {len(counted)} counted)")
    print("mean seconds per submission by phase:")
    for phase, seconds in sorted(phases.items(), key=lambda item: -item[1])[:12]:
        print(f"  {phase:28s} {seconds:6.3f}")


if __name__ == "__main__":
    main()
