"""The submission reader's fuzz properties (tests/inputs/test_fuzz.py) with a larger, random budget.

    .venv/bin/python benchmarks/fuzz_reader.py [EXAMPLES_PER_PROPERTY]   (default 20000)

Runs each property of the test suite's fuzzer with a fresh random seed, prints how many inputs
were tried, how they ended (graded, or each reason for refusing them), and the first failure of
each property with the input Hypothesis shrank it to. Exit status 1 if any property failed.
"""

import sys
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import test_fuzz as fuzz  # noqa: E402


def main() -> int:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    warnings.simplefilter("ignore")
    reader = fuzz.Reader()
    chosen = settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    properties = {
        "notebook-shaped JSON": (fuzz.serialized(fuzz.notebooks), lambda data: fuzz.check_shaped(reader, data)),
        "random bytes": (st.binary(max_size=3000), lambda data: fuzz.check_bytes(reader, data)),
        "mutated release notebook": (st.one_of(fuzz.mutated(fuzz.RELEASE, fuzz.NOTEBOOK_REGIONS), fuzz.mutated(fuzz.RELEASE_ASCII)),
                                     lambda data: fuzz.check_notebook(reader, data)),
        "mutated export zip": (st.one_of(fuzz.mutated(fuzz.EXPORT, fuzz.ZIP_REGIONS),
                                         fuzz.mutated(fuzz.RELEASE, fuzz.NOTEBOOK_REGIONS).map(fuzz.export_zip)),
                               lambda data: fuzz.check_zip(reader, data)),
    }
    failed = 0
    try:
        for name, (strategy, check) in properties.items():
            before, started = sum(reader.outcomes.values()), time.monotonic()
            try:
                chosen(given(strategy)(check))()
                verdict = "no failure"
            except Exception:  # noqa: BLE001 - report every property's failure, then go on
                failed += 1
                verdict = "FAILED:\n" + traceback.format_exc(limit=-3)
            tried = sum(reader.outcomes.values()) - before
            print(f"{name}: {tried} inputs read in {time.monotonic() - started:.0f} s, {verdict}", flush=True)
    finally:
        reader.close()
    print(f"outcomes: {dict(sorted(reader.outcomes.items()))}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
