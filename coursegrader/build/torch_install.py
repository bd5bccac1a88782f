"""Installs torch as both setup scripts do: the CPU build when PyTorch's CPU index answers.

On Linux the default index's torch wheel is the CUDA build (gigabytes more, useless for
grading). PyTorch's CPU index has the CPU build, but it may be unreachable (no network, a
firewall, a local mirror as the only index): asking pip there costs minutes of retries. So the
index is first asked once, within ``PROBE_SECONDS``; if it answers, torch comes from it
(``+cpu``, or the plain version where it has no ``+cpu`` wheel, as on macOS), otherwise from the
default index at once. Last, the installed build is printed (``torch.version.cuda``).

Run by path, before anything else is installed (standard library only)::

    python coursegrader/build/torch_install.py VERSION CPU_INDEX_URL [PIP_OPTION ...]
    python coursegrader/build/torch_install.py --choose VERSION CPU_INDEX_URL   # print the choice, install nothing

``setup.sh`` (the repository's) and the autograder zip's ``setup.sh`` both run it.
"""

import subprocess
import sys
import threading
import urllib.request

PROBE_SECONDS = 5


def answers(index_url: str, seconds: float = PROBE_SECONDS) -> bool:
    """Whether the index serves its torch page within ``seconds``, name lookup included (which a
    socket timeout does not bound: the request runs in a thread given that long)."""
    outcome = []

    def ask():
        request = urllib.request.Request(f"{index_url.rstrip('/')}/torch/", method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=seconds) as response:
                outcome.append(response.status < 400)
        except Exception:  # noqa: BLE001 - any failure means: use the default index
            outcome.append(False)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(seconds)
    return bool(outcome and outcome[0])


def choices(version: str, index_url: str) -> list[list[str]]:
    """pip's arguments for torch, first choice first."""
    if answers(index_url):
        return [["--extra-index-url", index_url, f"torch=={version}+cpu"],
                ["--extra-index-url", index_url, f"torch=={version}"]]
    return [[f"torch=={version}"]]


def install(version: str, index_url: str, pip_options: list[str]) -> int:
    tries = choices(version, index_url)
    if len(tries) == 1:
        print(f"== PyTorch's CPU index ({index_url}) did not answer within {PROBE_SECONDS} s: "
              f"torch {version} from the default index", flush=True)
    for arguments in tries:
        print(f"== pip install {' '.join(arguments)}", flush=True)
        if subprocess.run([sys.executable, "-m", "pip", "install", *pip_options, *arguments]).returncode == 0:
            break
    else:
        print(f"error: torch {version} could not be installed", file=sys.stderr)
        return 1
    built = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__, torch.version.cuda or '')"],
                           capture_output=True, text=True)
    if built.returncode != 0:
        print(f"error: torch does not import:\n{built.stderr[-2000:]}", file=sys.stderr)
        return 1
    installed, cuda = (built.stdout.split() + [""])[:2]
    print(f"== installed torch {installed}: " + (f"the CUDA {cuda} build" if cuda else "the CPU-only build"), flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--choose"] and len(argv) == 3:
        print(" ".join(choices(argv[1], argv[2])[0]))
        return 0
    if len(argv) < 2 or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    return install(argv[0], argv[1], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
