"""Time of the similarity pass on a class of 200, beside the time grading takes per submission.

    .venv/bin/python benchmarks/similarity_time.py [--class-size 200] [--grade 3]

The class is built from the corpus (tests/similarity_class.py): student k's answer to a question
is two corpus answers of it one after the other (the k-th and another), so answers are as long as
real ones or longer and no two students hand in the same; the planted copies are added. Prints the
seconds of the whole pass (fingerprints, pairs, similarity.csv and the report section), its cost
per scored pair, and, when --grade is above 0, the seconds `python -m coursegrader grade` takes
per submission for that many copies of the solution on this machine, measured in the same run.

The corpus has about twenty answers per question, so in a class of 200 students share whole
answers and many pairs are reported: more work for the CSV than a real class makes.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from coursegrader.classroom import similarity# noqa: E402
from coursegrader.classroom.analysis import ClassWork, answers_of  # noqa: E402
from coursegrader.core.assignment import questions_of
from coursegrader.core.autograder_zip import read_manifest  # noqa: E402
from coursegrader.core.config import load_course  # noqa: E402
from coursegrader.inputs.submissions import Submission, read_submission  # noqa: E402
from similarity_class import COPIES, variants  # noqa: E402

ASSIGNMENT = "autograd"


def benchmark_class(questions: list[dict], template: dict[str, str], size: int) -> ClassWork:
    answers = {}
    for k in range(size):
        mine = {}
        for q in questions:
            options = variants(q.name)
            first, second = k % len(options), (k // len(options) + k + 1) % len(options)
            mine[q.name] = options[first] + "\n\n" + options[second] if first != second else options[first]
        answers[f"student-{k:03d}"] = mine
    for number, (question, original, copy) in enumerate(COPIES):
        answers[f"copier-{number}"] = {**template, question: copy}
    return ClassWork(questions, [], answers, template)


def grading_seconds(course, count: int, out: Path) -> float:
    """Seconds per submission of `python -m coursegrader grade` on ``count`` copies of the solution."""
    folder = out / "submissions"
    folder.mkdir(parents=True)
    solution = course.solution(ASSIGNMENT).read_bytes()
    for k in range(count):
        (folder / f"s{k}.ipynb").write_bytes(solution)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder),
                    "--out", str(out / "grades"), "--regrade"], check=True, capture_output=True)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=200)
    parser.add_argument("--grade", type=int, default=3, help="submissions to grade for the per-submission time (0: skip)")
    args = parser.parse_args()
    course = load_course(ROOT)
    questions = questions_of(read_manifest(course.autograder(ASSIGNMENT)))
    template = answers_of(read_submission(Submission("release", course.release(ASSIGNMENT))), questions)
    work = benchmark_class(questions, template, args.class_size)
    with tempfile.TemporaryDirectory(prefix="similarity-time-") as folder:
        pairs, scored = similarity.class_pairs(work)
        started, cpu = time.perf_counter(), time.process_time()
        similarity.section(work, Path(folder))  # the whole pass: fingerprints, pairs, CSV, report section
        whole, whole_cpu = time.perf_counter() - started, time.process_time() - cpu
        total_pairs = sum(scored.values())
        print(f"class: {len(work.answers)} submissions, {len(questions)} questions, {total_pairs} pairs scored, "
              f"{len(pairs)} reported")
        print(f"similarity pass: {whole:.2f} s ({whole_cpu:.2f} s of CPU), "
              f"{whole / max(1, total_pairs) * 1e6:.1f} µs per scored pair")
        if args.grade > 0:
            per_submission = grading_seconds(course, args.grade, Path(folder))
            print(f"grading on this machine: {per_submission:.1f} s of wall time per submission ({args.grade} graded "
                  f"by `python -m coursegrader grade`, start-up included); the similarity pass of the whole class "
                  f"costs about as much as grading {whole / per_submission:.1f} submission(s)")


if __name__ == "__main__":
    main()
