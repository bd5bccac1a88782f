"""Time per submission: the autograder zip as Gradescope runs it, beside plain `otter run` on the
same zip, in one run.

    .venv/bin/python benchmarks/gradescope_time.py

Each submission (the solution, two samples) is graded by the zip's own run_autograder under a
temporary root (tests/gradescope_harness.py: the whole Gradescope run, fork server start
included) and by `otter run -a` on the same zip, one after the other; first on this machine as it
is, then with the grader confined to about half a CPU (Gradescope's default is 0.5 vCPU): in a
cgroup v2 group with cpu.max 50000 100000 when this machine lets one be made, otherwise pinned to
one core (taskset) that a busy loop shares. Prints seconds per submission and the ratio.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from gradescope_harness import environment, gradescope_tree  # noqa: E402

from coursegrader.core.config import load_course  # noqa: E402

HALF_CPU = "50000 100000"  # cgroup v2 cpu.max: 50 ms of CPU time per 100 ms


def _cgroup_v2() -> Path | None:
    """A cgroup v2 group limited to half a CPU, or None where none can be made."""
    base = Path("/sys/fs/cgroup")
    try:
        if "cpu" not in (base / "cgroup.controllers").read_text().split():
            return None
        if "cpu" not in (base / "cgroup.subtree_control").read_text().split():
            (base / "cgroup.subtree_control").write_text("+cpu")
        group = base / f"coursegrader-half-cpu-{os.getpid()}"
        group.mkdir()
        (group / "cpu.max").write_text(HALF_CPU)
        return group
    except OSError:
        return None


@contextmanager
def half_cpu():
    """(how, a function that confines a command) for the duration of the block."""
    group = _cgroup_v2()
    if group is not None:
        try:
            yield f"cgroup v2 cpu.max {HALF_CPU}", lambda command: ({"preexec_fn": lambda: (group / "cgroup.procs").write_text(str(os.getpid()))}, command)
        finally:
            group.rmdir()
        return
    core = str(max(os.sched_getaffinity(0)))
    busy = subprocess.Popen(["taskset", "-c", core, sys.executable, "-c", "while True: pass"])
    try:
        yield f"taskset to core {core}, shared with a busy loop", lambda command: ({}, ["taskset", "-c", core, *command])
    finally:
        busy.kill()
        busy.wait()


def unconfined(command):
    return {}, command


def timed(command: list[str], confine, **options) -> float:
    extra, command = confine(command)
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800,
                   **options, **extra)
    return time.monotonic() - started


def gradescope_seconds(autograder: Path, submission: Path, scratch: Path, confine) -> float:
    root = gradescope_tree(scratch / f"gradescope-{len(list(scratch.glob('gradescope-*')))}", autograder,
                           {submission.name: submission.read_bytes()})
    return timed([str(root / "run_autograder")], confine, cwd=root, env=environment(root))


def otter_seconds(autograder: Path, submission: Path, scratch: Path, confine) -> float:
    out = scratch / f"otter-{len(list(scratch.glob('otter-*')))}"
    out.mkdir()
    return timed([sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(submission)],
                 confine)


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    course = load_course(ROOT)
    name = course.ASSIGNMENTS[0]
    autograder = course.autograder(name)
    submissions = [course.solution(name), course.samples(name) / "partial_credit.ipynb", course.samples(name) / "blank.ipynb"]
    print("| submission | CPU | the zip as Gradescope runs it (s) | plain `otter run` (s) | ratio |")
    print("|---|---|---|---|---|")
    totals = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for condition in ("as is", "half"):
            with (half_cpu() if condition == "half" else _as_is()) as (how, confine):
                for submission in submissions:
                    ours = gradescope_seconds(autograder, submission, scratch, confine)
                    theirs = otter_seconds(autograder, submission, scratch, confine)
                    totals.setdefault(how, []).append((ours, theirs))
                    print(f"| {submission.name} | {how} | {ours:.1f} | {theirs:.1f} | {theirs / ours:.1f}x |", flush=True)
    for how, pairs in totals.items():
        ours, theirs = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
        print(f"\n{how}: median {ours:.1f} s per submission through the zip, {theirs:.1f} s through otter run "
              f"(otter run takes {theirs / ours:.1f}x as long)")


@contextmanager
def _as_is():
    yield "this machine as it is", unconfined


if __name__ == "__main__":
    main()
