"""Time the progress card and the season chart, and watch memory over 1,000 renders.

    python bench/bench_cards.py            # print the table
    python bench/bench_cards.py --check    # also exit 1 if a target is missed

Targets (issue 16): a card renders in p99 < 150 ms on this machine, and memory does not grow
over 1,000 renders. The baseline, measured in the same run and interleaved with the renders
(so both see the same machine load), encodes a blank picture of the same size with the same
encoder (:func:`bot.cards.encode_png`): the part of the work no drawing code can avoid. The
models are the README's (``bench/make_screenshots.py``: a real store, the bundled season).
RSS is read from ``/proc/self/status`` after the warm-up and every 250 renders. The machine
is shared: the load average is printed before and after, and the card's CPU time per render
is shown beside its wall-clock time (waiting for a CPU is in the latter only).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_screenshots import build
from PIL import Image

from bot.cards import (
    encode_png,
    progress_layout,
    render_off_loop,
    render_progress_card,
    render_season_chart,
)

P99_TARGET_MS = 150.0
RSS_GROWTH_LIMIT_MB = 5.0


def rss_mb() -> float:
    """Resident set size of this process, from ``/proc/self/status`` (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def blank_png(size: tuple[int, int]) -> Callable[[], bytes]:
    def encode() -> bytes:
        return encode_png(Image.new("RGBA", size, (30, 31, 34, 255)))

    return encode


def quantiles(samples_ns: list[int]) -> tuple[float, float, float, float]:
    ms = sorted(s / 1e6 for s in samples_ns)
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98], ms[-1]


def timed(call: Callable[[], bytes]) -> int:
    start = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--renders", type=int, default=1000)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()

    print(f"load average before: {loadavg()} ({os.cpu_count()} CPUs)")
    model, chart, _text = asyncio.run(build())
    card = lambda: render_progress_card(model)  # noqa: E731
    chart_png = lambda: render_season_chart(chart)  # noqa: E731
    baseline = blank_png(progress_layout(model).size)
    chart_baseline = blank_png(Image.open(io.BytesIO(chart_png())).size)
    for _ in range(20):  # warm-up: fonts, codecs, allocator
        card(), chart_png(), baseline(), chart_baseline()
    gc.collect()
    rss = [(0, rss_mb())]
    samples: dict[str, list[int]] = {
        "card": [],
        "card (CPU time)": [],
        "blank": [],
        "chart": [],
        "chart blank": [],
    }
    for n in range(1, args.renders + 1):
        cpu = time.process_time_ns()
        samples["card"].append(timed(card))
        samples["card (CPU time)"].append(time.process_time_ns() - cpu)
        samples["blank"].append(timed(baseline))
        if n % 4 == 0:  # the chart is a moderator command: fewer samples are plenty
            samples["chart"].append(timed(chart_png))
            samples["chart blank"].append(timed(chart_baseline))
        if n % 250 == 0:
            gc.collect()
            rss.append((n, rss_mb()))

    async def through_worker() -> list[int]:
        out = []
        for _ in range(100):
            start = time.perf_counter_ns()
            assert await render_off_loop(render_progress_card, model, what="bench") is not None
            out.append(time.perf_counter_ns() - start)
        return out

    samples["card via worker"] = asyncio.run(through_worker())

    print(f"\n{'what':<17}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    stats = {}
    for name, values in samples.items():
        stats[name] = quantiles(values)
        p50, p95, p99, worst = stats[name]
        print(f"{name:<17}{len(values):>6}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{worst:>9.1f}")
    card_p99, blank_p99 = stats["card"][2], stats["blank"][2]
    print(
        f"\ncard p99 / blank-PNG p99: {card_p99 / blank_p99:.1f}x; "
        f"chart p99 / blank-PNG p99: {stats['chart'][2] / stats['chart blank'][2]:.1f}x"
    )
    print("RSS MB after warm-up and every 250 renders: " + ", ".join(f"{v:.1f}" for _, v in rss))
    growth = rss[-1][1] - rss[1][1] if len(rss) > 1 else 0.0
    print(f"RSS growth from render 250 to {rss[-1][0]}: {growth:+.1f} MB")
    sizes = (len(card()), len(chart_png()))
    print(f"PNG sizes: card {sizes[0] / 1024:.1f} KiB, chart {sizes[1] / 1024:.1f} KiB")
    print(f"load average after: {loadavg()}")
    missed = []
    if card_p99 >= P99_TARGET_MS:
        missed.append(f"card p99 {card_p99:.1f} ms >= {P99_TARGET_MS} ms")
    if growth > RSS_GROWTH_LIMIT_MB:
        missed.append(f"RSS grew {growth:.1f} MB > {RSS_GROWTH_LIMIT_MB} MB")
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
