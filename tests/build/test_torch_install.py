"""Both setup scripts install torch through torch_install.py: PyTorch's CPU index when it answers
within seconds, the default index at once when it does not. Real servers on this machine stand
for the index (one that answers, one that accepts connections and never replies, a closed port);
nothing is installed (``--choose``, or pip's own ``--dry-run``)."""

import functools
import http.server
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from coursegrader.core.config import load_course
from coursegrader.build.gradescope_image import TEMPLATES
from coursegrader.build.torch_install import PROBE_SECONDS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "coursegrader" / "build" / "torch_install.py"
VERSION = load_course(ROOT).TORCH_VERSION
# well under pip's own give-up time on an unreachable index (PIP_DEFAULT_TIMEOUT, retries: minutes)
QUICK = PROBE_SECONDS + 10


@pytest.fixture
def silent_index():
    """An address that accepts connections and never answers (a firewall that drops, a hung proxy)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # the kernel completes handshakes; nobody ever reads or replies
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/whl/cpu"


@pytest.fixture
def closed_index():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/whl/cpu"


@pytest.fixture
def answering_index(tmp_path):
    (tmp_path / "whl" / "cpu" / "torch").mkdir(parents=True)
    (tmp_path / "whl" / "cpu" / "torch" / "index.html").write_text("<html></html>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/whl/cpu"
    server.shutdown()
    server.server_close()


def choose(url: str) -> tuple[str, float]:
    started = time.monotonic()
    completed = subprocess.run([sys.executable, str(SCRIPT), "--choose", VERSION, url],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip(), time.monotonic() - started


@pytest.mark.parametrize("index", ["silent_index", "closed_index"])
def test_an_index_that_does_not_answer_means_the_default_index_within_seconds(request, index):
    choice, seconds = choose(request.getfixturevalue(index))
    assert choice == f"torch=={VERSION}"
    assert seconds < QUICK, seconds


def test_an_index_that_answers_gives_the_cpu_build_from_it(answering_index):
    choice, _ = choose(answering_index)
    assert choice == f"--extra-index-url {answering_index} torch=={VERSION}+cpu"


@pytest.mark.slow  # pip's dry run takes 10-20 s here
def test_the_install_falls_back_and_says_which_build_it_got(silent_index):
    """The whole path setup.sh runs, with pip's --dry-run: nothing is installed."""
    import torch

    started = time.monotonic()
    completed = subprocess.run([sys.executable, str(SCRIPT), torch.__version__.split("+")[0], silent_index,
                                "--dry-run", "--quiet"], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "did not answer" in completed.stdout and "from the default index" in completed.stdout
    assert "--extra-index-url" not in completed.stdout
    build = "the CPU-only build" if torch.version.cuda is None else f"the CUDA {torch.version.cuda} build"
    assert f"== installed torch {torch.__version__}: {build}" in completed.stdout
    assert time.monotonic() - started < QUICK + 60  # pip's dry run of an installed pin: no index asked


def test_both_setup_scripts_run_it_with_the_course_pins():
    repository = (ROOT / "setup.sh").read_text()
    assert "-m coursegrader.core.config TORCH_VERSION TORCH_CPU_INDEX_URL" in repository
    assert re.search(r'coursegrader/build/torch_install\.py "\$torch_version" "\$torch_index"', repository)
    image = (TEMPLATES / "setup.sh").read_text()
    assert re.search(r'gradescope/package/coursegrader/build/torch_install\.py" "\$torch_version" "\$torch_index"', image)
    for script in (repository, image):
        assert not re.search(r"torch==[0-9]", script)  # no pin of its own
        assert not re.search(r"pip\[@\]\}\"[^\n]*torch", script)  # torch only through torch_install.py
