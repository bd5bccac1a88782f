"""What pinning jsonschema 4.23.0 saves: `import otter` (every student kernel's first cell, the
fork server, `otter run`) with this environment's packages beside the same with jsonschema
4.26.0 and rfc3987-syntax laid over them (what pip picks without the pin).

    .venv/bin/python benchmarks/import_time.py [REPEATS]

Needs the package index (pip downloads the newer jsonschema into a temporary folder)."""

import statistics
import subprocess
import sys
import tempfile
import time

NEWER = ["jsonschema==4.26.0", "rfc3987-syntax==1.1.0", "lark==1.3.1"]
IMPORT = "import otter"


def seconds(extra_path: str | None) -> float:
    env_path = [extra_path] if extra_path else []
    code = f"import sys; sys.path[:0] = {env_path!r}; {IMPORT}"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as newer:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                        "--target", newer, *NEWER], check=True)
        pinned, unpinned = [], []
        for _ in range(repeats):  # interleaved, so load changes hit both alike
            pinned.append(seconds(None))
            unpinned.append(seconds(newer))
    a, b = statistics.median(pinned), statistics.median(unpinned)
    print(f"`{IMPORT}`, median of {repeats}: pinned jsonschema 4.23.0 {a:.2f} s, "
          f"jsonschema 4.26.0 + rfc3987-syntax {b:.2f} s: {b / a:.1f}x")


if __name__ == "__main__":
    main()
