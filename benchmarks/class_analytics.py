"""What the class analyses add to grading a class, measured beside the grading in one run.

    .venv/bin/python benchmarks/class_analytics.py [--class-size 200]

A synthetic class (tests/synthetic_class.py: every student starts from the solution, wrong
answers from the corpus planted at fixed rates, a few copied pairs) is graded by the package's
batch grader with the course's limits and workers; then, on the same results, each step that
runs after grading is timed: reading the answer cells (ClassWork), the misconceptions section,
the similarity section, the gradebook (a roster of the whole class) and report.html. Prints each
step's seconds and their sum as a share of the grading time.
"""

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from corpus.answers import WRONG  # noqa: E402
from coursegrader.classroom import gradebook
from coursegrader.classroom import misconceptions
from coursegrader.classroom import similarity# noqa: E402
from coursegrader.classroom.analysis import class_work  # noqa: E402
from coursegrader.core.assignment import questions_of
from coursegrader.core.autograder_zip import read_manifest  # noqa: E402
from coursegrader.routes.local import grade_all  # noqa: E402
from coursegrader.core.config import load_course  # noqa: E402
from coursegrader.routes.progress import Progress  # noqa: E402
from coursegrader.classroom.report import write_report  # noqa: E402
from coursegrader.engine.sandbox import Limits  # noqa: E402
from coursegrader.inputs.submissions import discover  # noqa: E402
from synthetic_class import Plant, build_class, write_notebook  # noqa: E402

ASSIGNMENT = "autograd"


def plan(size: int) -> list[Plant]:
    """About a third of the class with one planted mistake each, in six questions."""
    share = max(1, size // 18)
    return [Plant("e2b", WRONG["e2b"][0], share), Plant("e3b", WRONG["e3b"][4], share),
            Plant("e1a", WRONG["e1a"][2], share), Plant("w2", WRONG["w2"][2], share),
            Plant("e5", WRONG["e5"][0], share), Plant("e4a", WRONG["e4a"][0], share)]


def timed(label: str, times: dict, function, *args):
    started = time.monotonic()
    result = function(*args)
    times[label] = time.monotonic() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=200)
    args = parser.parse_args()
    course = load_course(ROOT)
    autograder = course.autograder(ASSIGNMENT)
    questions = questions_of(read_manifest(autograder))
    with tempfile.TemporaryDirectory(prefix="class-analytics-") as scratch:
        folder, out = Path(scratch) / "class", Path(scratch) / "grades"
        students = build_class(folder, plan(args.class_size), args.class_size)
        for copier, original in ((students[-1], students[-2]), (students[-3], students[-4])):
            copier.answers["e4a"] = original.answers.get("e4a", WRONG["e4a"][1])
            write_notebook(copier)
        roster = Path(scratch) / "roster.csv"
        roster.write_text("student id,name,email\n" + "".join(f"{s.id},{s.name},{s.id}@example.edu\n" for s in students),
                          encoding="utf-8")
        submissions = discover([folder])
        times: dict[str, float] = {}
        graded = timed("grading", times, grade_all, submissions, autograder, out, Limits.from_course(course),
                       course.GRADING_WORKERS, Progress(stream=io.StringIO()))
        work = timed("answer cells", times, class_work, questions, graded, submissions, course.release(ASSIGNMENT))
        parts = [timed("misconceptions", times, misconceptions.section, work, out),
                 timed("similarity", times, similarity.section, work, out)]
        book = timed("gradebook", times, lambda: gradebook.build(gradebook.read_roster(roster), graded, questions))
        timed("gradebook files", times, gradebook.write, book, out, ASSIGNMENT)
        timed("report.html", times, write_report, graded, questions, out, [*parts, gradebook.section(book)], work)
    grading = times.pop("grading")
    added = sum(times.values())
    print(f"class of {len(graded)} on {course.GRADING_WORKERS} worker(s): grading {grading:.1f} s "
          f"({grading / len(graded):.2f} s per submission)")
    for label, seconds in times.items():
        print(f"  {label:<16} {seconds:6.2f} s")
    print(f"analyses and report together: {added:.1f} s = {added / grading:.1%} of the grading time")


if __name__ == "__main__":
    main()
