"""The time limits on one cell or one hidden check, inside the submission's process.

Two timers, both interrupting the main thread with ``CellTimeout``:

- CPU time (ITIMER_PROF, every thread of the process): the limit itself. Load does not stretch
  CPU time, so a right answer on a busy machine gets the same budget as on an idle one.
- A wall-clock backstop for code that makes no progress: a main thread blocked on a lock, a
  join, a pipe or a sleep, whatever a helper thread does meanwhile (a thread burning 5% of a CPU
  kept the former rule, "under 2% CPU", from ever firing), or a loop of short waits in system
  calls. It counts wall time the process was *not held back by the machine*: the time its
  threads spent runnable but waiting for a CPU (the kernel's run delay, /proc/self/task/*/
  schedstat) is taken off. A process that computes is runnable all the time, so on a machine of
  any load what the backstop counts of it never exceeds its CPU time, and the CPU limit ends it
  first: only code that waits reaches the backstop, after ``WALL_BACKSTOP_FACTOR`` times the
  CPU limit. (Lowering a thread's priority, which would make it wait for the CPU without using
  it, is denied by the seccomp filter.) Where the kernel gives no run delay, the former rule
  stands: the backstop fires only if under 2% of the window was spent on the CPU.

A check's observe step runs under its own pair of timers, so a check that does not return in
time fails with the timeout message and the later checks and questions are judged as usual.
"""

import os
import signal
import time

WALL_BACKSTOP_FACTOR = 3
WAITING_CPU_SHARE = 0.02  # without run delays: under this share of the wall time on the CPU, the code is waiting
_SCHEDSTAT = "/proc/self/task"


class CellTimeout(BaseException):
    """Raised in student code when a cell or a check runs out of time. A BaseException, so that
    ``except Exception`` in student code does not swallow it."""


# The backstop's current window: when it began, the CPU time and each thread's run delay then,
# its length in unhindered seconds, and whether it has fired (then it fires again every second).
_window = {"wall": 0.0, "cpu": 0.0, "delays": None, "seconds": 0.0, "fired": False}
_wall_clock, _cpu_clock = time.monotonic, time.process_time  # held here: student code may patch `time`


def install() -> None:
    signal.signal(signal.SIGALRM, _on_timer)
    signal.signal(signal.SIGPROF, _on_timer)


def _on_timer(signum, frame):
    if signum == signal.SIGALRM and not _window["fired"]:
        left = _window["seconds"] - unhindered()
        if left > 0:  # held back by the machine for part of the window: wait out the rest
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.5))
            return
        _window["fired"] = True
    # if student code swallows this one, interrupt again a second later
    signal.setitimer(signal.ITIMER_PROF if signum == signal.SIGPROF else signal.ITIMER_REAL, 1)
    raise CellTimeout()


def unhindered() -> float:
    """Wall seconds since the window began in which the process was not held back by the
    machine: the wall time less its threads' run delay (none, if it computed all along)."""
    elapsed = _wall_clock() - _window["wall"]
    delays = _run_delays()
    if delays is None or _window["delays"] is None:  # no run delays here: the CPU share decides
        computing = _cpu_clock() - _window["cpu"] >= WAITING_CPU_SHARE * elapsed
        return 0.0 if computing else elapsed
    waited = sum(max(0, delay - _window["delays"].get(thread, 0)) for thread, delay in delays.items()) / 1e9
    return max(0.0, elapsed - waited)


def _run_delays() -> dict[str, int] | None:
    """Each live thread's total run delay (nanoseconds runnable but not running), or None if the
    kernel does not say."""
    delays = {}
    try:
        threads = os.listdir(_SCHEDSTAT)
    except OSError:
        return None
    for thread in threads:
        try:
            with open(f"{_SCHEDSTAT}/{thread}/schedstat") as handle:
                delays[thread] = int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):  # a thread that ended meanwhile
            continue
    return delays or None


def _start_window(seconds: float) -> None:
    _window.update(wall=_wall_clock(), cpu=_cpu_clock(), delays=_run_delays(), seconds=seconds, fired=False)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def arm(cpu_seconds: float) -> None:
    """Interrupt the running code after ``cpu_seconds`` of CPU time, or once it has gone
    ``WALL_BACKSTOP_FACTOR`` times that without progress."""
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    _start_window(cpu_seconds * WALL_BACKSTOP_FACTOR)


def disarm() -> None:
    """Stop both timers (the cell or check is over)."""
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)


def pause() -> tuple[float, float]:
    """Stop both timers; returns what was left of them (CPU seconds, unhindered seconds), for
    ``rearm``. (Working that out reads every thread's run delay: ``disarm`` does not.)"""
    cpu = signal.setitimer(signal.ITIMER_PROF, 0)[0]
    wall = signal.setitimer(signal.ITIMER_REAL, 0)[0]
    if wall > 0:
        wall = max(_window["seconds"] - unhindered(), 0.001)
    return cpu, wall


def rearm(left: tuple[float, float]) -> None:
    cpu, wall = left
    if cpu > 0:
        signal.setitimer(signal.ITIMER_PROF, cpu)
    if wall > 0:
        _start_window(wall)
