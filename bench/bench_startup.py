"""Start-up costs: ``mle-bot --help`` and ``mle-bot ask`` wall time, and what they import.

    python bench/bench_startup.py            # 7 runs each; prints min and median

Target (issue 14): ``mle-bot --help`` < 0.3 s. Prints the load average with the figures.
Not a test: numbers for people to read.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

COMMANDS = (
    ("mle-bot --help", ["-m", "bot", "--help"]),
    ("mle-bot content check", ["-m", "bot", "content", "check"]),
    ('mle-bot ask "/roadmap"', ["-m", "bot", "ask", "/roadmap"]),
)
RUNS = 7


def main() -> int:
    for title, argv in COMMANDS:
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            subprocess.run([sys.executable, *argv], capture_output=True, check=False, timeout=60)
            times.append(time.perf_counter() - started)
        print(
            f"{title:28} min {min(times) * 1000:6.0f} ms  median "
            f"{statistics.median(times) * 1000:6.0f} ms  ({RUNS} runs)"
        )
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}; target --help < 300 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
