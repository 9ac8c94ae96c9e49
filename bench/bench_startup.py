"""Start-up costs: ``mle-bot --help`` and ``mle-bot ask`` wall time, and the bot's idle memory.

    python bench/bench_startup.py              # times (7 runs each) and idle memory (3 bots)
    python bench/bench_startup.py --no-times   # idle memory only
    python bench/bench_startup.py --rss-runs 0 # times only
    python bench/bench_startup.py --imports    # the memory each group of imports adds

Targets (issue 14): ``mle-bot --help`` < 0.3 s; idle RSS of the bot < 60 MB.

Idle memory: the real bot (``python -m bot run``, INFO logs, a fresh SQLite file) logs in to
the local fake Discord (``tests/fakediscord``, one guild of 20 members); once it logged
``ready as`` and sat idle for a few seconds its resident memory is read from
``/proc/<pid>/smaps_rollup``, split into anonymous memory (Python's objects and the C heap)
and file-backed pages (the interpreter, shared libraries and extension modules mapped from
disk). It is read again after a few interactions one at a time (career commands, /progress,
/challenge current, autocomplete, a misspelt name: first-use costs such as rapidfuzz's code
and discord.py's HTTP connection), as ``bench/bench_burst.py`` reads it after its warm-up.
The same for ``bench/_burst_bare.py`` (a bare ``discord.Client`` with one ``/ping``, after as
many pings), so the figures show what discord.py itself takes and what is ours.

``--imports`` says where the idle memory goes: a fresh interpreter imports what the bot imports,
one group at a time, in an order where each group comes after what it shares modules with (so
each line is about what the bot would save without that group), and the resident memory after
each is printed. Pillow comes last: the bot loads it with its first picture. The content line
is mostly what parsing the YAML leaves in the allocator's pages (the catalog itself is ~0.5 MB by
``tracemalloc``); ``mle-bot run`` loads the content before importing discord.py, which reuses it.

Prints the load average with the figures. Not a test: numbers for people to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests` and `bench` as packages

COMMANDS = (
    ("mle-bot --help", ["-m", "bot", "--help"]),
    ("mle-bot content check", ["-m", "bot", "content", "check"]),
    ('mle-bot ask "/roadmap"', ["-m", "bot", "ask", "/roadmap"]),
)
RUNS = 7
RSS_RUNS = 3
#: Seconds the bot sits idle after ``ready as`` (and after the interactions) before a reading.
IDLE_SECONDS = 3.0
RSS_TARGET_MB = 60.0


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def times() -> None:
    for title, argv in COMMANDS:
        taken = []
        for _ in range(RUNS):
            started = time.perf_counter()
            subprocess.run([sys.executable, *argv], capture_output=True, check=False, timeout=60)
            taken.append(time.perf_counter() - started)
        print(
            f"{title:28} min {min(taken) * 1000:6.0f} ms  median "
            f"{statistics.median(taken) * 1000:6.0f} ms  ({RUNS} runs)"
        )
    print(f"load average {load()}; target --help < 300 ms")


def memory(pid: int) -> tuple[float, float]:
    """Resident and anonymous memory of process ``pid`` in MiB (Linux ``smaps_rollup``)."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) / 1024
    return fields["Rss"], fields["Anonymous"]


def shown(rss: float, anonymous: float) -> str:
    return f"RSS {rss:5.1f} MB (anonymous {anonymous:5.1f}, file-backed {rss - anonymous:5.1f})"


async def one_bot(
    workdir: Path, *, bare: bool = False
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Idle memory of one bot: after ``ready as``, and after a few interactions.

    ``bare``: ``bench/_burst_bare.py`` instead (a ``discord.Client`` with one ``/ping``),
    after the same wait and as many ``/ping`` interactions: what discord.py alone costs.
    """
    from bench._burst_core import (  # noqa: PLC0415 (only for the memory runs)
        AUTOCOMPLETE,
        BARE_BOT,
        CAREER,
        READS,
        autocomplete_action,
        command_action,
        constant_burst,
        fire,
        launch,
        new_world,
    )

    fake, guild, members = new_world(20)
    await fake.start()
    try:
        if bare:
            bot = await launch(fake, guild, workdir, argv=(str(BARE_BOT),), log_level="WARNING")
        else:
            bot = await launch(fake, guild, workdir, log_level="INFO")
            await bot.wait_for_log("ready as", within=30)
        try:
            await asyncio.sleep(IDLE_SECONDS)
            ready = memory(bot.process.pid)
            if bare:
                actions = constant_burst(guild, members, interactions=21, rng=random.Random(1))
            else:
                actions = [command_action(guild, members[0], p, v) for p, v in (*CAREER, *READS)]
                actions += [
                    autocomplete_action(guild, members[1], path, option, typed)
                    for path, option in AUTOCOMPLETE
                    for typed in ("py", "kube")  # exact and prefix; fuzzy (rapidfuzz)
                ]
                actions.append(command_action(guild, members[2], "/tools", {"name": "pytroch"}))
            for action in actions:
                await fire(fake, [action], name="first use")
            await asyncio.sleep(IDLE_SECONDS)
            used = memory(bot.process.pid)
        finally:
            await bot.stop()
    finally:
        await fake.close()
    return ready, used


def idle_memory(runs: int) -> None:
    medians: dict[bool, list[float]] = {}
    for bare in (False, True):
        who = "bare discord.py bot" if bare else "bot"
        readings = []
        for n in range(runs):
            with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
                ready, used = asyncio.run(one_bot(Path(tmp), bare=bare))
            readings.append((ready, used))
            print(f"{who} {n + 1}: ready and idle {shown(*ready)}; after first use {shown(*used)}")
        medians[bare] = []
        for title, index in (("ready and idle", 0), ("after first use", 1)):
            rss = statistics.median(r[index][0] for r in readings)
            anonymous = statistics.median(r[index][1] for r in readings)
            medians[bare].append(rss)
            against = "" if bare else f", {rss - RSS_TARGET_MB:+.1f} MB against the target"
            print(
                f"{who} idle memory, {title:15} median of {runs}: {shown(rss, anonymous)}{against}"
            )
    print(
        f"the bot's idle RSS, ready: {medians[False][0]:.1f} MB, the bare bot's"
        f" {medians[True][0]:.1f} MB: +{medians[False][0] - medians[True][0]:.1f} MB of ours"
        f" (target {RSS_TARGET_MB:.0f} MB); load average {load()}"
    )


#: What the running bot imports, in groups; ``None`` loads the bundled content.
IMPORT_GROUPS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("standard library", ("argparse", "logging", "asyncio", "sqlite3", "ctypes", "zoneinfo")),
    ("discord.py + aiohttp", ("discord", "discord.ext.commands", "discord.app_commands")),
    ("PyYAML + aiosqlite", ("yaml", "aiosqlite")),
    ("APScheduler", ("apscheduler.schedulers.asyncio", "apscheduler.triggers.cron")),
    ("rapidfuzz", ("rapidfuzz.process", "rapidfuzz.fuzz", "rapidfuzz.distance.OSA")),
    ("pydantic", ("pydantic", "pydantic.main")),
    ("content schema (pydantic models)", ("content.models", "content.loader")),
    ("bundled content (+ parsing garbage)", None),
    ("settings", ("bot.settings",)),
    ("the bot's own modules", ("bot.client",)),
    ("Pillow (with the first picture)", ("PIL.Image", "PIL.ImageDraw", "PIL.ImageFont")),
)
IMPORTS_SCRIPT = """
import importlib, json, sys
from pathlib import Path
def memory():
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) / 1024
    return fields["Rss"], fields["Anonymous"]
kept = []
print(json.dumps(memory()))
for modules in json.loads(sys.argv[1]):
    if modules is None:
        from bot.memory import release_memory
        from content.loader import load_catalog
        kept.append(load_catalog(None))
        release_memory()  # as `mle-bot run` does: parsing's garbage is not the catalog's
    for name in modules or ():
        importlib.import_module(name)
    print(json.dumps(memory()))
"""


def import_costs() -> None:
    groups = json.dumps([modules for _, modules in IMPORT_GROUPS])
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS_SCRIPT, groups],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    readings = [tuple(json.loads(line)) for line in result.stdout.splitlines()]
    print(f"{'the interpreter':36} {shown(*readings[0])}")
    for (title, _), before, after in zip(IMPORT_GROUPS, readings[:-1], readings[1:], strict=True):
        added, anonymous = after[0] - before[0], after[1] - before[1]
        print(
            f"{'+ ' + title:36} {added:+5.1f} MB (anonymous {anonymous:+5.1f}, "
            f"file-backed {added - anonymous:+5.1f})  total {after[0]:5.1f} MB"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-times", action="store_true", help="skip the command timings")
    parser.add_argument(
        "--rss-runs", type=int, default=RSS_RUNS, metavar="N", help="bots started for memory"
    )
    parser.add_argument(
        "--imports", action="store_true", help="only the memory each group of imports adds"
    )
    args = parser.parse_args(argv)
    if args.imports:
        import_costs()
        return 0
    if not args.no_times:
        times()
    if args.rss_runs > 0:
        idle_memory(args.rss_runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
