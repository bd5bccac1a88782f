"""Command line: ``python -m coursegrader build | grade | demo``."""

import argparse
import sys
from pathlib import Path

from .config import ConfigError, load_course


def _build(args) -> int:
    from .build import BuildError, build_assignment

    course = load_course(args.course_root)
    names = args.assignments or course.ASSIGNMENTS
    unknown = sorted(set(names) - set(course.ASSIGNMENTS))
    if unknown:
        print(f"error: unknown assignment(s) {', '.join(unknown)}; course_config.py lists {', '.join(course.ASSIGNMENTS)}", file=sys.stderr)
        return 2
    try:
        for name in names:
            build_assignment(course, name, out_root=args.out)
    except BuildError as error:
        print(f"build failed, nothing was written: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="coursegrader", description=__doc__)
    parser.add_argument("--course-root", type=Path, default=None, help="folder holding course_config.py (default: found from the current folder)")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build release, solutions and autograder zip from the master notebooks")
    build.add_argument("assignments", nargs="*", help="assignment names (default: all in course_config.py)")
    build.add_argument("--out", type=Path, default=None, help="write into this folder instead of the course root")
    build.set_defaults(run=_build)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
