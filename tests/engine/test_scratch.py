"""Scratch folders: what a killed run leaves in the temporary folder is removed by the next run,
and nothing of a live run, of another user or of another shape is touched."""

import os
import subprocess
import sys
import tempfile

import pytest

from coursegrader.engine import workspace as scratch


@pytest.fixture
def temporary(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_names_its_folder_after_itself_and_removes_it(temporary):
    with scratch.scratch_folder("coursegrader-grade-") as folder:
        assert folder.parent == temporary
        assert folder.name.startswith(f"coursegrader-grade-{scratch._owner_mark(os.getpid())}-")
        assert oct(folder.stat().st_mode & 0o777) == oct(scratch.PASSABLE)
        (folder / "s0").mkdir()
        (folder / "s0" / "work.ipynb").write_text("{}")
    assert not folder.exists()
    with scratch.scratch_folder("coursegrader-gradescope-", passable=False) as private:
        assert private.stat().st_mode & 0o777 == 0o700


def test_the_next_run_sweeps_a_dead_runs_folder_and_nothing_else(temporary, monkeypatch):
    dead = temporary / f"coursegrader-grade-{dead_pid()}.12345-abc"
    (dead / "s0" / "work").mkdir(parents=True)
    (dead / "s0" / "work" / "autograd.ipynb").write_text("a student's notebook")
    reused = temporary / f"coursegrader-grade-{os.getpid()}.1-abc"  # this pid, but an earlier process's start
    reused.mkdir()
    live = temporary / f"coursegrader-grade-{scratch._owner_mark(os.getpid())}-abc"
    live.mkdir()
    other_prefix = temporary / f"coursegrader-gradescope-{dead_pid()}.1-abc"
    other_prefix.mkdir()
    unmarked = temporary / "coursegrader-grade-abc"
    unmarked.mkdir()
    target = temporary / "elsewhere"
    target.mkdir()
    (target / "keep").write_text("not ours to remove")
    link = temporary / f"coursegrader-grade-{dead_pid()}.1-link"
    link.symlink_to(target)

    monkeypatch.setattr(scratch, "_swept", set())  # as in a fresh grading process
    with scratch.scratch_folder("coursegrader-grade-") as folder:
        left = {p.name for p in temporary.iterdir()}
    assert sorted(left) == sorted({live.name, other_prefix.name, unmarked.name, target.name, link.name, folder.name})
    assert (target / "keep").read_text() == "not ours to remove"

    later = temporary / f"coursegrader-grade-{dead_pid()}.1-later"  # swept by the next process, not this one's next folder
    later.mkdir()
    with scratch.scratch_folder("coursegrader-grade-"):
        assert later.is_dir()


@pytest.mark.root  # needs a folder owned by another user
def test_another_users_folder_is_left_alone(temporary):
    theirs = temporary / f"coursegrader-grade-{dead_pid()}.1-abc"
    theirs.mkdir()
    os.chown(theirs, 65534, 65534)
    assert scratch.sweep_stale_scratch("coursegrader-grade-") == []
    assert theirs.is_dir()
