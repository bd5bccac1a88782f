"""Command line: ``python -m coursegrader build | grade | demo | gradescope``."""

import os
import sys
from pathlib import Path

from coursegrader import __version__
from coursegrader.cli_parser import (Parser, non_empty, parse, positive_count, positive_seconds,
                                     scheduler_address)
from coursegrader.core.config import ConfigError, load_course
from coursegrader.engine.server_environment import start_again_clean

DESCRIPTION = ("Build the assignment from its master notebook, grade submissions in a sandbox, "
               "and write grades, feedback and the class report.")


def _build(args) -> int:
    from coursegrader.build.pipeline import BuildError, build_assignment

    course = load_course(args.course_root)
    names = [course.check_assignment(name) for name in args.assignments] or course.ASSIGNMENTS
    try:
        for name in names:
            build_assignment(course, name, out_root=args.out)
    except BuildError as error:
        print(f"build failed, nothing was written: {error}", file=sys.stderr)
        return 1
    return 0


def _grade(args) -> int:
    from coursegrader.routes.local import grade_all
    from coursegrader.routes.dask_cluster import SchedulerUnreachable
    from coursegrader.engine.checks import CheckFormatError
    from coursegrader.routes.progress import Progress
    from coursegrader.engine.sandbox import Limits
    from coursegrader.engine.workspace import reachable_by_others
    from coursegrader.inputs.submissions import discover

    course = load_course(args.course_root)
    assignment = course.check_assignment(args.assignment) if args.assignment else course.ASSIGNMENTS[0]
    autograder = args.autograder or course.autograder(assignment)
    if not autograder.is_file():
        print(f"error: autograder zip {autograder} not found; run `python -m coursegrader build` first", file=sys.stderr)
        return 2
    problem = _path_problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    roster, usable = _roster(args)  # checked before a long run
    if not usable:
        return 2
    if args.from_gradescope:
        return _from_gradescope(args, course, assignment, autograder, roster)
    autograder_bytes = autograder.read_bytes()  # the zip, read once for the whole run
    if _stale(args, course, assignment, autograder, autograder_bytes):
        return 2
    inputs = args.submissions or [course.samples(assignment)]
    try:
        submissions = discover(inputs)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not submissions:
        print(f"error: no notebooks or zips found in {', '.join(map(str, args.submissions))}", file=sys.stderr)
        return 2
    if args.scheduler:
        from coursegrader.routes.dask_cluster import SchedulerUnreachable, check_scheduler

        try:
            check_scheduler(args.scheduler)
        except SchedulerUnreachable as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    out = args.out or course.root / "grades" / assignment
    limits = Limits.from_course(course, submission_seconds=args.timeout, cell_seconds=args.cell_timeout,
                                check_seconds=args.check_timeout)
    workers = args.workers or course.GRADING_WORKERS
    where = f"the Dask cluster at {args.scheduler}" if args.scheduler else f"{workers} worker(s)"
    print(f"Grading {len(submissions)} submission(s) of {assignment} on {where} ...", file=sys.stderr)
    pages_written: set[str] = set()
    try:
        graded = grade_all(submissions, autograder_bytes, out, limits, workers, Progress(files=submissions),
                           regrade=args.regrade, scheduler=args.scheduler, snapshot=not args.no_snapshot,
                           saved=_writing_feedback_pages(pages_written))
    except (CheckFormatError, SchedulerUnreachable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    missing = sorted({wall for g in graded for wall in g.missing_walls})
    if missing:
        print(f"warning: this machine could not give submissions these sandbox walls: {'; '.join(missing)} "
              "(docs/threat-model.md)", file=sys.stderr)
    if os.geteuid() == 0 and any(wall.startswith("landlock") for wall in missing):
        # the submissions run as users of their own: permission bits are the wall left
        held = [autograder, course.master(assignment), *inputs]
        readable = [str(path) for path in held if reachable_by_others(str(path))]
        if readable:
            print(f"warning: every user may read {', '.join(readable)}, and without Landlock so may a submission; "
                  "make their folders private (chmod -R go-rwx)", file=sys.stderr)
    faults = sum(1 for g in graded if g.status == "error")
    if faults:
        print(f"warning: the grader itself failed on {faults} submission(s) (status error; the traceback is in "
              f"{out / 'results'}/<submission>/grader-error.txt); each is graded again on the next run, "
              "and kept after a second failure until --regrade", file=sys.stderr)
    return _write_outputs(args, course, assignment, autograder_bytes, out, graded, submissions, roster,
                          pages_written=frozenset(pages_written))


def _writing_feedback_pages(written: set[str]):
    """What grade_all calls with each new result: its feedback page, written now (the report
    then writes only the others)."""
    from coursegrader.classroom.report import write_feedback_page

    def saved(graded, folder: Path) -> None:
        write_feedback_page(graded, folder)
        written.add(graded.submission)

    return saved


def _write_outputs(args, course, assignment, autograder, out, graded, submissions, roster, identities=None,
                   people=None, pages_written: frozenset[str] = frozenset()) -> int:
    """grades.csv, report.html with the class analyses and, given a roster, the gradebook files
    (and the feedback pages not in ``pages_written``)."""
    from coursegrader.classroom import gradebook
    from coursegrader.classroom.analysis import class_work, sections
    from coursegrader.core.notebooks import write_bytes_atomic
    from coursegrader.classroom.report import write_report
    from coursegrader.core.results import grades_csv, grades_table

    questions = _questions(autograder)
    write_bytes_atomic(grades_csv(graded, questions, people).encode("utf-8", "replace"), out / "grades.csv")
    work = class_work(questions, graded, submissions, course.release(assignment))
    book, status = None, 0
    if roster:
        try:
            book = gradebook.build(roster, graded, questions, args.manual, identities)
            gradebook.write(book, out, args.gradebook_column or assignment)
        except gradebook.GradebookError as error:
            print(f"error: {error}", file=sys.stderr)
            status = 2
    report = write_report(graded, questions, out, sections(work, out) + ([gradebook.section(book)] if book else []), work,
                          pages_written)
    print(grades_table(graded, questions))
    if book:
        print("\n" + gradebook.summary(book))
    print(f"\nGrades: {out / 'grades.csv'}\nReport: {report}\n"
          f"Feedback per submission (Gradescope format): {out / 'results'}/<submission>/results.json")
    if book:
        print(f"Gradebook files: {out / gradebook.CANVAS_NAME}, {out / gradebook.MOODLE_NAME}; "
              f"to check by hand: {out / gradebook.MISMATCH_NAME}")
    return status


def _path_problem(args) -> str | None:
    """What is wrong with a file or folder option, found before any grading (None when nothing is)."""
    if args.manual and not args.manual.is_file():
        return f"--manual {args.manual}: no such file; give the hand-graded points CSV (docs/gradebook.md)"
    if args.roster and not args.roster.is_file():
        return f"--roster {args.roster}: no such file; give the class roster CSV (docs/gradebook.md)"
    if args.out and args.out.exists() and not args.out.is_dir():
        return f"--out {args.out} is a file; give a folder for the results (it is made when missing)"
    return None


def _stale(args, course, assignment, autograder: Path, autograder_bytes: bytes) -> bool:
    """Whether grading must stop because the master changed after the zip (``autograder``, whose
    content is ``autograder_bytes``) was built; says so in one line either way (with --allow-stale
    grading goes on, after a warning)."""
    from coursegrader.build.freshness import changed_since_build
    from coursegrader.core.autograder_zip import read_manifest

    try:
        manifest = read_manifest(autograder_bytes, autograder)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return True
    if manifest.get("assignment") not in (None, assignment):
        return False  # another assignment's zip, given with --autograder: this master says nothing about it
    changed = changed_since_build(course, assignment, manifest)
    build = "python -m coursegrader build"
    if changed is None:
        print(f"warning: {autograder} does not record what it was built from (an older build); run `{build}` "
              f"to be sure it grades {course.master(assignment)} as it is now", file=sys.stderr)
        return False
    if not changed:
        return False
    if args.allow_stale:
        print(f"warning: grading with {autograder}, built before {', '.join(changed)} changed (--allow-stale); "
              f"run `{build}` to grade with them as they are now", file=sys.stderr)
        return False
    print(f"error: {', '.join(changed)} changed after {autograder} was built, so it would grade with the old "
          f"points and hidden tests; run `{build}` first (or add --allow-stale to grade with the zip as it is)",
          file=sys.stderr)
    return True


def _roster(args):
    """The roster given with --roster (None without one) and whether it can be used (if not, says why)."""
    from coursegrader.classroom import gradebook
    from coursegrader.core import messages

    if args.manual and not args.roster:
        print(f"error: {messages.MANUAL_NEEDS_ROSTER}", file=sys.stderr)
        return None, False
    try:
        return (gradebook.read_roster(args.roster) if args.roster else None), True
    except gradebook.GradebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return None, False


def _from_gradescope(args, course, assignment, autograder, roster) -> int:
    """The outputs of a batch, from a folder of Gradescope results instead of grading."""
    import json

    from coursegrader.classroom.gradescope_export import ExportError, read_export
    from coursegrader.core.notebooks import write_bytes_atomic

    folder = args.from_gradescope
    if args.submissions:
        print("error: give either submissions to grade or --from-gradescope FOLDER, not both", file=sys.stderr)
        return 2
    if not folder.is_dir():
        print(f"error: {folder} is not a folder (unzip Gradescope's export first)", file=sys.stderr)
        return 2
    autograder = autograder.read_bytes()
    try:
        export = read_export(folder, _questions(autograder))
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not export.graded:
        print(f"error: no submissions found in {folder}", file=sys.stderr)
        return 2
    out = args.out or course.root / "grades" / f"{assignment}-gradescope"
    for g, results in export.results.items():  # the feedback pages of the report show what Gradescope showed
        write_bytes_atomic(json.dumps(results, ensure_ascii=False, indent=1).encode("utf-8", "replace"),
                           out / "results" / g / "results.json")
    print(f"Read {len(export.graded)} Gradescope result(s) of {assignment} from {folder}", file=sys.stderr)
    gaps = sum(1 for g in export.graded if g.status == "error")
    if gaps:
        print(f"warning: {gaps} submission(s) have no autograder results in the export: their grades are left "
              f"blank, and grades.csv's error column says which folder lacks what", file=sys.stderr)
    return _write_outputs(args, course, assignment, autograder, out, export.graded, export.submissions, roster,
                          export.identities, export.people)


def _questions(autograder: bytes) -> list:
    from coursegrader.core.assignment import questions_of
    from coursegrader.core.autograder_zip import read_manifest

    return questions_of(read_manifest(autograder))


def _demo(args) -> int:
    """``build`` then ``grade``, each with its parser's defaults (so a new option needs nothing here)."""
    parser = _parser()
    course_root = ["--course-root", str(args.course_root)] if args.course_root else []
    status = _build(parse(parser, [*course_root, "build"]))
    if status:
        return status
    return _grade(parse(parser, [*course_root, "grade"]))


def _gradescope(args) -> int:
    start_again_clean()  # done already where the command line begins with it (coursegrader/__main__.py)
    from coursegrader.routes.gradescope import DEFAULT_ROOT, run

    status = run(args.root or DEFAULT_ROOT, {"submission_seconds": args.timeout, "cell_seconds": args.cell_timeout,
                                             "check_seconds": args.check_timeout})
    # One submission per process, and its results.json and log are written: end here, without the
    # interpreter's teardown of torch and the rest (0.45-0.6 s that Gradescope's run would wait for).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


TIME_LIMIT_OPTIONS = (("--timeout", "per submission", "SUBMISSION_TIMEOUT_SECONDS"),
                      ("--cell-timeout", "per notebook cell", "CELL_TIMEOUT_SECONDS"),
                      ("--check-timeout", "per hidden check", "CHECK_TIMEOUT_SECONDS"))


def _time_limit_options(command, default) -> None:
    """The three time limits, on a command whose defaults ``default(setting)`` names."""
    for flag, what, setting in TIME_LIMIT_OPTIONS:
        command.add_argument(flag, type=positive_seconds, help=f"seconds {what}, above 0 (default: {default(setting)})")


def _parser() -> Parser:
    parser = Parser(prog="coursegrader", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"coursegrader {__version__}")
    parser.add_argument("--course-root", type=Path, default=None, help="folder holding course_config.py (default: found from the current folder)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     title="commands (`coursegrader COMMAND --help` for each one's options)")

    build = commands.add_parser("build", help="build release, solutions and autograder zip from the master notebooks")
    build.add_argument("assignments", nargs="*", help="assignment names (default: all in course_config.py)")
    build.add_argument("--out", type=Path, default=None, help="write into this folder instead of the course root")
    build.set_defaults(run=_build)

    grade = commands.add_parser("grade", help="grade notebooks, otter export zips or folders of them, without Docker")
    grade.add_argument("submissions", nargs="*", type=Path, help="files or folders (default: the bundled samples)")
    grade.add_argument("--assignment", help="assignment name (default: the first in course_config.py)")
    grade.add_argument("--autograder", type=Path, help="autograder zip (default: autograder/<assignment>-autograder.zip)")
    grade.add_argument("--allow-stale", action="store_true",
                       help="grade even when the master notebook changed after the autograder zip was built "
                            "(otherwise grading stops and says to run the build)")
    grade.add_argument("--out", type=Path, help="results folder (default: grades/<assignment>)")
    grade.add_argument("--workers", type=positive_count, help="submissions graded at once, 1 or more "
                                                              "(default: GRADING_WORKERS)")
    _time_limit_options(grade, lambda setting: setting)
    grade.add_argument("--regrade", action="store_true", help="grade everything again, even submissions already graded")
    grade.add_argument("--no-snapshot", action="store_true", help="run every cell of every submission, the "
                                                                   "release's lesson cells too (slower; same grades)")
    grade.add_argument("--scheduler", type=scheduler_address,
                       help="grade on a Dask cluster: its scheduler address (tcp://host:8786)")
    grade.add_argument("--roster", type=Path, help="class roster CSV (student id, name, email): also write canvas.csv, "
                                                  "moodle.csv and roster-mismatch.csv")
    grade.add_argument("--manual", type=Path, help="hand-graded points CSV (student id or submission, a column per "
                                                  "written question), added to the exported totals; needs --roster")
    grade.add_argument("--gradebook-column", type=non_empty, help="the grade column's name in canvas.csv and "
                                                                  "moodle.csv (default: the assignment name)")
    grade.add_argument("--from-gradescope", type=Path, metavar="FOLDER",
                       help="grade nothing: read Gradescope's unzipped Export Submissions (or a folder of results "
                            "folders written by this grader); default --out grades/<assignment>-gradescope")
    grade.set_defaults(run=_grade)

    demo = commands.add_parser("demo", help="build everything, then grade the bundled sample submissions")
    demo.set_defaults(run=_demo)

    gradescope = commands.add_parser("gradescope", help="grade the submission of a Gradescope run "
                                                        "(what the autograder zip's run_autograder runs)")
    gradescope.add_argument("--root", type=Path, help="Gradescope's folder, holding source/, submission/ and results/ "
                                                      "(default: /autograder)")
    _time_limit_options(gradescope, lambda setting: "the zip's limits")
    gradescope.set_defaults(run=_gradescope)
    return parser


def main(argv=None) -> int:
    args = parse(_parser(), argv)
    try:
        return args.run(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
