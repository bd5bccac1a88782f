"""The Dask route's scaling: one class graded on a LocalCluster of 1, 2 and 4 worker processes,
beside sequential `otter run` measured in the same run.

    .venv/bin/python benchmarks/dask_scaling.py [--class-size 200] [--workers 1 2 4] [--otter-sample 3]

Each worker process keeps its own engine (fork server and lesson server, warmed once). Prints,
per cluster size, the class's time, submissions per second, per second per worker, and the
ratio to `otter run`; then what a course of 10,000 would need at the measured per-worker rate.
Scores must be the same at every size. On a machine with N cores, more than N workers share
them: the per-worker rate is flat only up to the cores there are.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grade_class import distinct_submissions, otter_scores, records

from coursegrader.core.config import load_course

ROOT = Path(__file__).resolve().parents[1]


def grade_on_cluster(folder: Path, out: Path, workers: int) -> float:
    """Seconds to grade ``folder`` on a fresh LocalCluster of ``workers`` processes (its start not counted)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "coursegrader", "--course-root", str(ROOT), "grade", str(folder),
                        "--out", str(out), "--regrade", "--scheduler", cluster.scheduler_address],
                       check=True, capture_output=True)
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--otter-sample", type=int, default=3)
    args = parser.parse_args()
    course = load_course(ROOT)
    name = course.ASSIGNMENTS[0]
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        sample = distinct_submissions(course, name, scratch / "sample", 10)
        started = time.monotonic()
        for path in sample[:args.otter_sample]:
            otter_scores(path, course.autograder(name), scratch / "otter" / path.stem)
        otter_rate = args.otter_sample / (time.monotonic() - started)
        folder = scratch / "class"
        folder.mkdir()
        for index in range(args.class_size):
            shutil.copy(sample[index % len(sample)], folder / f"student{index:04d}.ipynb")
        runs, scores = [], []
        for workers in args.workers:
            seconds = grade_on_cluster(folder, scratch / f"out{workers}", workers)
            graded = records(scratch / f"out{workers}")
            scores.append(json.dumps([(r["submission"], r["status"], r["scores"]) for r in graded], sort_keys=True))
            runs.append((workers, seconds, len(graded) / seconds))
    print(f"otter run, sequential, {args.otter_sample} submissions: {otter_rate:.3f}/s")
    print(f"class of {args.class_size} on a Dask LocalCluster:")
    print("  workers   seconds   per second   per second per worker   vs otter run")
    for workers, seconds, rate in runs:
        print(f"  {workers:7d}   {seconds:7.1f}   {rate:10.2f}   {rate / workers:21.2f}   {rate / otter_rate:11.1f}x")
    print(f"scores and statuses the same at every size: {len(set(scores)) == 1}")
    per_worker = max(rate / workers for workers, _, rate in runs)
    print(f"a course of 10,000 at {per_worker:.2f} submissions per second per worker: "
          f"{10_000 / per_worker / 60:.0f} worker-minutes, e.g. {10_000 / (per_worker * 16) / 60:.1f} minutes on 16 workers")


if __name__ == "__main__":
    main()
