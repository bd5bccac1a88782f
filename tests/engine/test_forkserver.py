"""The fork server's start: its process starts at once and warms up while the caller goes on; a
server closed before it is ready is stopped, not waited for; one that cannot start says so when
it is first needed."""

import signal
import socket

import pytest

from coursegrader.engine.forkserver import ForkServer, ForkServerError


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
