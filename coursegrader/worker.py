"""Grades one submission with otter's own ``otter run`` code, in a process of its own.

Run as ``python -m coursegrader.worker NOTEBOOK AUTOGRADER_ZIP RESULTS_DIR --cell-timeout S``.
The only change to ``otter run`` is a per-cell time limit: a cell running longer is interrupted
and grading goes on with the next cell, so an endless loop costs only what depends on it.
"""

import argparse
import sys
from pathlib import Path


def limit_cell_time(seconds: int) -> None:
    """Make otter's notebook execution interrupt any cell that runs longer than ``seconds``.

    otter builds its ExecutePreprocessor from a private config; it looks the class up in
    nbconvert.preprocessors at call time, so a subclass placed there carries the limit.
    """
    from nbconvert import preprocessors
    from traitlets import Bool, Integer

    class CellTimeLimitedExecutePreprocessor(preprocessors.ExecutePreprocessor):
        timeout = Integer(seconds, allow_none=True)
        interrupt_on_timeout = Bool(True)

    preprocessors.ExecutePreprocessor = CellTimeLimitedExecutePreprocessor


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursegrader.worker")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("autograder", type=Path)
    parser.add_argument("results_dir", type=Path)
    parser.add_argument("--cell-timeout", type=int, required=True)
    args = parser.parse_args(argv)

    limit_cell_time(args.cell_timeout)
    from otter.run import main as otter_run

    args.results_dir.mkdir(parents=True, exist_ok=True)
    otter_run(str(args.notebook), autograder=str(args.autograder), output_dir=str(args.results_dir), no_logo=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
