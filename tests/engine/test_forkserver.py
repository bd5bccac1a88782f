"""The fork server's start: its process starts at once and warms up while the caller goes on; a
server closed before it is ready is stopped, not waited for; one that cannot start says so when
it is first needed."""

import signal

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
