"""Cold derivation time of the whole formula catalogue (issue 2: target < 10 s).

Run: ``python benchmarks/derive_time.py``.  Each activation is derived in a fresh Python
process (no caches), three times; the median wall time of the whole process is printed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CODE = (
    "from theory.catalogue import catalogue; from theory.conventions import Conventions; "
    "from theory.latex import document; "
    "catalogue(Conventions({act!r})); document(Conventions({act!r}))"
)


def main() -> None:
    for act in ("relu", "linear"):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", CODE.format(act=act)], check=True)
            times.append(time.perf_counter() - start)
        print(f"{act}: median {statistics.median(times):.2f} s over 3 cold runs "
              f"(min {min(times):.2f}, max {max(times):.2f})")


if __name__ == "__main__":
    main()
