"""The fork server's start: its process starts at once and warms up while the caller goes on; a
server closed before it is ready is stopped, not waited for; one that cannot start says so when
it is first needed."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from helpers import ROOT
from coursegrader.engine.forkserver import ForkServer, ForkServerError, environment_to_fork_from


def test_a_server_closed_before_it_is_ready_is_stopped_not_waited_for():
    server = ForkServer()
    assert server._process.poll() is None  # started, still warming up (torch, otter, torch.func)
    server.close()
    assert server._process.returncode == -signal.SIGKILL


def test_a_server_that_cannot_start_says_so_when_it_is_needed(tmp_path, monkeypatch):
    fake = tmp_path / "coursegrader" / "engine"
    fake.mkdir(parents=True)
    (fake.parent / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "forkserver.py").write_text("raise SystemExit(3)\n")
    monkeypatch.chdir(tmp_path)  # `python -m coursegrader.engine.forkserver` finds this one first
    server = ForkServer()
    with pytest.raises(ForkServerError, match="did not start"):
        server.wait_ready()
    server.close()
    assert server._process.returncode == 3


@pytest.mark.slow
def test_a_ready_server_ends_cleanly_when_the_grader_closes_it():
    server = ForkServer()
    server.wait_ready()
    server.wait_ready()  # once ready, it stays so
    server.close()
    assert server._process.returncode == 0


def test_a_warm_up_that_fails_means_a_server_that_did_not_start():
    """The course's warm-up (FORK_SERVER_WARM_UP) runs in the server before it serves: a broken one
    is said when the server is needed, not discovered by a submission."""
    server = ForkServer(warm_up="raise RuntimeError('broken warm-up')")
    with pytest.raises(ForkServerError, match="did not start"):
        server.wait_ready()
    server.close()
    assert server._process.returncode != 0


def test_the_server_loads_and_warms_up_with_the_collector_off():
    """Collections over the objects its imports make were a quarter of its start: the collector is
    off until they are frozen (children collect their own objects: tests/engine/test_engine.py)."""
    server = ForkServer(warm_up="import gc\nif gc.isenabled():\n    raise RuntimeError('the collector is on')")
    server.wait_ready()
    server.close()
    assert server._process.returncode == 0


def test_a_server_started_before_its_warm_up_is_known_runs_it_when_sent():
    """A route may start the server before it has read the autograder (Engine.start_server): the
    server loads its libraries meanwhile and runs the warm-up sent later, before it serves."""
    server = ForkServer(warm_up=None)
    server.send_warm_up("raise RuntimeError('broken warm-up')")
    with pytest.raises(ForkServerError, match="did not start"):
        server.wait_ready()
    server.close()
    assert server._process.returncode != 0


def test_a_server_whose_grader_leaves_before_sending_the_warm_up_ends():
    server = ForkServer(warm_up=None)
    server._control.shutdown(socket.SHUT_RDWR)  # the grader gone, as when its process ends
    assert server._process.wait(timeout=120) == 0
    server.close()


@pytest.mark.slow
def test_a_warmed_server_runs_its_warm_up_apart_and_closes_at_once_after_its_parent_died():
    """A server forked from the fork server (``warmed``) serves once its own warm-up has run, and
    one whose warm-up fails says so. When the fork server dies first (killed from outside), its
    children are closed at once, without an error: nobody is left to say how they ended."""
    server = ForkServer(warm_up="")
    broken = server.warmed("raise RuntimeError('broken set-up')")
    with pytest.raises(ForkServerError, match="did not start"):
        broken.wait_ready()
    broken.close()
    warmed = server.warmed("import sys\nsys.warmed_here = True")
    warmed.wait_ready()
    assert warmed.alive() and server.alive()
    os.kill(server._process.pid, signal.SIGKILL)
    server._process.wait(timeout=30)
    started = time.monotonic()
    warmed.close()
    server.close()
    assert time.monotonic() - started < 5  # not the 10 s an exit status is waited for


# Whether the server loaded a font, which only drawing a figure does (its warm-up for many submissions).
DREW_NO_FIGURE = "import matplotlib.font_manager\nassert not matplotlib.font_manager._get_font.cache_info().currsize, 'drew'"


@pytest.mark.slow
def test_a_server_for_many_submissions_draws_a_figure_for_them_and_one_forked_for_one_does_not():
    """Drawing loads fonts and renderers once for every child of a batch's server; a graded
    notebook draws nothing unless it saves a figure, so the server forked for one submission
    (Gradescope) does not pay for it (its test: the warm-up FORKED_HERE sends)."""
    server = ForkServer(warm_up=DREW_NO_FIGURE)
    with pytest.raises(ForkServerError, match="did not start"):
        server.wait_ready()
    server.close()


# A fresh interpreter forks its fork server from itself (or is refused, and says why).
FORKED_HERE = r"""
import json, os, sys, threading
from coursegrader.engine.forkserver import ForkServer, ForkServerError
if sys.argv[1] == "with a thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
try:
    server = ForkServer.forked_here()
except ForkServerError as error:
    print(json.dumps({"refused": str(error)}))
    sys.exit(0)
server.send_warm_up(WARM_UP)
server.wait_ready()
pid = server._process.pid
with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/environ", "rb") as theirs, open("/proc/self/environ", "rb") as mine:
    seen = {"parent": int(stat.read().rsplit(")", 1)[1].split()[1]), "me": os.getpid(), "torch here": "torch" in sys.modules,
            "environ": theirs.read().decode("latin-1"), "mine": mine.read().decode("latin-1")}
server.close()
print(json.dumps({**seen, "code": server._process.returncode}))
""".replace("WARM_UP", repr("import os\nassert 'COURSEGRADER_WITHOUT' not in os.environ, 'the server kept a grader setting'\n"
                            + DREW_NO_FIGURE))


def _forked_here(how: str, environment: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", FORKED_HERE, how], capture_output=True, text=True, timeout=300,
                          env=environment)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_server_forked_from_the_grader_shares_its_libraries_and_keeps_nothing_of_its_environment():
    """The Gradescope route forks its server from its own process once torch and the rest are
    loaded (one load for both). The server keeps only what a started server keeps: the
    environment the grader was started with, which /proc/<pid>/environ of the server and of every
    process forked from it would read, is blanked there, and stays the grader's own. It draws no
    figure (DREW_NO_FIGURE)."""
    setting = "COURSEGRADER_WITHOUT=landlock"  # a grader's own setting, which it may be started with
    seen = _forked_here("alone", {**environment_to_fork_from(os.environ), "COURSEGRADER_WITHOUT": "landlock"})
    assert seen["parent"] == seen["me"] and seen["torch here"] and seen["code"] == 0
    assert setting in seen["mine"]  # the grader has it ...
    assert "COURSEGRADER" not in seen["environ"] and not seen["environ"].strip("\0")  # ... its server does not


def test_a_server_is_forked_only_from_a_process_started_clean_and_without_other_threads():
    """A process started with anything a submission may not read (Gradescope's variables: the
    `gradescope` command starts again without them) does not fork a server, nor one with another
    thread, whose locks would be copied held: the route starts one apart instead."""
    secret = f"secret-{os.urandom(8).hex()}"
    refused = _forked_here("alone", {**environment_to_fork_from(os.environ), "COURSEGRADER_TEST_SECRET": secret})
    assert "variables a fork server may not hold" in refused["refused"] and secret not in refused["refused"]
    assert "no other thread" in _forked_here("with a thread", environment_to_fork_from(os.environ))["refused"]


@pytest.mark.slow
def test_the_gradescope_command_starts_again_without_variables_a_submission_may_not_read(tmp_path):
    """What the grader's process was started with, /proc/self/environ shows: Gradescope's own
    variables are gone before anything is read (the run itself fails here: no such root). The
    process that starts again has loaded nothing of the package but what decides it."""
    probe = tmp_path / "sitecustomize.py"  # runs at each interpreter start: writes what it was started with
    probe.write_text("import json, os, sys\n"
                     "def exec_hook(event, args):\n"
                     "    if event == 'os.exec':\n"
                     f"        open({str(tmp_path / 'loaded')!r}, 'w').write(json.dumps([m for m in sys.modules if m.startswith('coursegrader')]))\n"
                     "if 'gradescope' in sys.argv or 'gradescope' in getattr(sys, 'orig_argv', []):\n"
                     "    sys.addaudithook(exec_hook)\n"
                     f"    open({str(tmp_path / 'started')!r}, 'ab').write(open('/proc/self/environ', 'rb').read() + b'|')\n")
    secret = f"secret-{os.urandom(8).hex()}"
    environment = {**os.environ, "COURSEGRADER_TEST_SECRET": secret, "PYTHONPATH": f"{tmp_path}:{ROOT}"}
    subprocess.run([sys.executable, "-m", "coursegrader", "gradescope", "--root", str(tmp_path / "none")],
                   env=environment, capture_output=True, timeout=300, cwd=tmp_path)
    starts = (tmp_path / "started").read_bytes().split(b"|")[:-1]
    assert len(starts) == 2 and secret.encode() in starts[0] and secret.encode() not in starts[1]
    assert b"OMP_NUM_THREADS=1" in starts[1]
    assert set(json.loads((tmp_path / "loaded").read_text())) == {"coursegrader", "coursegrader.engine",
                                                                  "coursegrader.engine.server_environment"}
