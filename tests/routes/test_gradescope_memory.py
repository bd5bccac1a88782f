"""The zip's run_autograder in a container of Gradescope's default memory (768 MB), made here as a
memory cgroup around the whole run (grader, fork server, submission), as Docker makes one around
the container.

- A submission that holds just under ``MEMORY_LIMIT_MB`` gets what it gets locally: the run fits
  in 768 MB. One that asks for more gets the memory-limit status locally and there alike.
- A submission that spreads its memory over many small processes (fresh interpreters started with
  exec) makes the container run out: without cgroups of the grader's own (as on Gradescope), the
  kernel kills the submission's processes, never the grader, whose results.json says what
  happened (sandbox.py: ``oom_score_adj`` 1000).
"""

import json
import os
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from gradescope_harness import environment, gradescope_tree, log_of, results_of, run_autograder
from helpers import ASSIGNMENT, ROOT, TORCH_FUNC_E1A, package_grade, with_answers
from hostile_cases import spread_memory
from coursegrader.core.config import load_course
from coursegrader.engine.sandbox import WITHOUT_VARIABLE

pytestmark = [pytest.mark.slow, pytest.mark.root]

CONTAINER_MB = 768  # Gradescope's default
MEMORY_LIMIT_MB = load_course(ROOT).MEMORY_LIMIT_MB


def _own_memory_cgroup() -> tuple[Path, str, str | None] | None:
    """(this process's memory cgroup folder, its limit file, its swap limit file), or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):  # cgroup v1
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/"), "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"
    for line in lines:
        if line.startswith("0::"):  # cgroup v2
            folder = Path("/sys/fs/cgroup") / line[3:].lstrip("/")
            try:
                if "memory" in (folder / "cgroup.subtree_control").read_text().split():
                    return folder, "memory.max", "memory.swap.max"
            except OSError:
                return None
    return None


@pytest.fixture
def container():
    """A memory cgroup of CONTAINER_MB, empty at the end (anything left in it is a failure)."""
    found = _own_memory_cgroup()
    if found is None or os.geteuid() != 0:
        pytest.skip("no memory cgroup this process may make a child of")
    parent, limit_file, swap_file = found
    group = parent / f"coursegrader-container-{uuid.uuid4().hex[:8]}"
    try:
        group.mkdir()
        (group / limit_file).write_text(str(CONTAINER_MB * 2**20))
    except OSError as error:
        if group.exists():
            group.rmdir()
        pytest.skip(f"cannot make a memory cgroup here: {error}")
    try:
        (group / swap_file).write_text(str(CONTAINER_MB * 2**20) if swap_file.startswith("memory.memsw") else "0")
    except OSError:
        pass  # no swap accounting here; without swap (as on Gradescope) there is nothing to account
    try:
        yield group
        # the fork server dies with the grader (its parent-death signal): a moment after run_autograder
        deadline = time.monotonic() + 5
        while (group / "cgroup.procs").read_text().split() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (group / "cgroup.procs").read_text().split() == [], "the run left processes behind"
    finally:
        for pid in (group / "cgroup.procs").read_text().split():
            os.kill(int(pid), 9)
        _remove(group)


def _remove(group: Path) -> None:
    """rmdir, once the processes killed above are gone."""
    for _ in range(50):
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.1)


def in_container(group: Path, root: Path, *arguments: str, env: dict | None = None):
    """run_autograder with the whole run in ``group``: a shell joins it, then becomes run_autograder."""
    join = f'echo $$ > {group / "cgroup.procs"} && exec "$0" "$@"'
    return run_autograder(root, *arguments, command_prefix=("sh", "-c", join), env=env)


def with_first_cell(notebook: Path, source: str) -> nbformat.NotebookNode:
    """``notebook`` with ``source`` as a cell before its second code cell (after the imports):
    whatever it holds stays held while every question is judged."""
    book = nbformat.read(notebook, as_version=4)
    code = [i for i, cell in enumerate(book.cells) if cell.cell_type == "code"]
    book.cells.insert(code[1], nbformat.v4.new_code_cell(source))
    return book


HOLD = "import torch\nheld = torch.ones({mb} * 2**20, dtype=torch.uint8)  # every page written\n"


@pytest.mark.parametrize("mb, status, e1a", [(MEMORY_LIMIT_MB - 48, "ok", None), (MEMORY_LIMIT_MB + 48, "memory-limit", None),
                                             (MEMORY_LIMIT_MB - 48, "ok", TORCH_FUNC_E1A)], ids=["under", "over", "under-torch-func"])
def test_memory_up_to_the_limit_gets_the_same_row_in_gradescopes_default_container(course, container, tmp_path, mb, status, e1a):
    """``under-torch-func``: the largest server, warmed up for torch.func (torch._dynamo loaded)."""
    notebook = with_first_cell(course.solution(ASSIGNMENT), HOLD.format(mb=mb))
    if e1a:
        notebook = with_answers(notebook, {"e1a": e1a})
    folder = tmp_path / "in"
    folder.mkdir()
    nbformat.write(notebook, folder / "holder.ipynb")
    local = package_grade([folder], tmp_path / "out")["holder"]
    root = gradescope_tree(tmp_path / "root", course.autograder(ASSIGNMENT), {"holder.ipynb": (folder / "holder.ipynb").read_bytes()})
    assert in_container(container, root).returncode == 0, log_of(root)[-3000:]
    there = results_of(root)
    assert (local["status"], float(local["total"])) == (status, 24.0), local
    assert (there["extra_data"]["status"], there["score"]) == (status, 24.0), there["output"]


# Fresh interpreters (exec) each writing 50 MB and waiting: small processes, more than the
# container holds together. The submission's own process waits for them.
SPREAD = spread_memory(14, 30)


def test_memory_spread_over_small_processes_kills_the_submission_not_the_grader(course, container, tmp_path):
    """Without cgroups of its own, as in Gradescope's container: only the kernel's choice (the
    submission's processes first) keeps the grader alive."""
    notebook = with_first_cell(course.solution(ASSIGNMENT), SPREAD)
    root = gradescope_tree(tmp_path / "root", course.autograder(ASSIGNMENT), {"spread.ipynb": nbformat.writes(notebook).encode()})
    env = {**environment(root), WITHOUT_VARIABLE: "cgroup,memory"}
    assert in_container(container, root, env=env).returncode == 0, log_of(root)[-3000:]
    results = results_of(root)
    # written by the grader, which lived: the submission's process was killed at that cell
    assert results["extra_data"]["status"] == "crashed", json.dumps(results)[:3000]
    assert "killed" in results["output"] and results["score"] == 0
