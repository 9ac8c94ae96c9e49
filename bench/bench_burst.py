"""A burst of interactions from many members against the real bot, and a bare bot, same run.

    python bench/bench_burst.py                          # 1,000 interactions from 200 members
    python bench/bench_burst.py --interactions 200 --users 50 --rounds 3
    python bench/bench_burst.py --cold                   # no concurrent warm-up burst
    python bench/bench_burst.py --database postgresql://user@host/postgres   # on PostgreSQL
    python bench/bench_burst.py --database               # PostgreSQL started from pgserver

Issue 8: "1,000 interactions in a burst from 200 users: all answered within 3 s each, no lost
writes; print p50/p99 latency and the ratio to a bare discord.py bot answering a constant
reply through the same fake in the same run".

1. The real bot (``python -m bot run``, INFO logs as in production, a fresh SQLite file) logs in
   to the local fake Discord (``tests/fakediscord``) with 200 members in its guild; a moderator
   schedules this week's post two minutes ago, so the scheduler posts it with its Mark done
   button.
2. All interactions are dispatched at once (shuffled): per member a ``/challenge done`` and a
   Mark done click racing each other (writes), career commands, autocomplete, ``/progress`` and
   ``/challenge current``. Latency is measured per interaction from the fake dispatching
   INTERACTION_CREATE to the bot's callback arriving at the fake.
3. Checks: every interaction answered within 3 s with a payload the fake accepts; every member's
   completion stored exactly once in the bot's database, each member told "Recorded" exactly once.
4. The same number of interactions from the same number of members against
   ``bench/_burst_bare.py`` (a ``discord.Client`` with one ``/ping`` answering a constant), on
   its own fake. Ratio = real bot / bare bot, for p50 and p99.

``--database``: the real bot runs on PostgreSQL instead (``MLEBOT_DATABASE=<url>``), on a
database made for the run (``CREATE DATABASE mlebot_bench_*``, dropped at the end: the URL's
user must be allowed to create databases); without a URL, on a throw-away server started
from the ``pgserver`` wheel (``bench_storage.py --database``'s helpers). The write checks
then read PostgreSQL (psycopg).

Each bot bursts ``--rounds`` times (fresh members each round), alternating real and bare so a
change in the machine's load hits both; per-round numbers and all rounds pooled are printed.
Both bots get the same warm-up first (see ``open_side``). The fake and the load run in this
process, each bot in its own; CPU seconds of each side are printed so a saturated machine
shows. Exit 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests` and `bench` as packages

from bench._burst_core import (
    AUTOCOMPLETE,
    BARE_BOT,
    CAREER,
    DEADLINE,
    READS,
    Action,
    BurstResult,
    Json,
    autocomplete_action,
    check_writes,
    combine,
    command_action,
    constant_burst,
    fire,
    launch,
    mixed_burst,
    new_world,
    post_weekly_challenge,
    summary_counts,
)
from bench.bench_storage import bench_database, contextlib_nullcontext_or_server
from tests.e2e.conftest import REAL_BOT, BotProcess
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.instrumented import InstrumentedFakeDiscord
from tests.fakediscord.state import FakeMember

WARMUP_ROUNDS = 3
WARM_BURST = 100


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def rss_mb(bot: BotProcess) -> float:
    """Resident memory of the bot process (Linux ``/proc``), in MiB; nan where unavailable."""
    try:
        status = Path(f"/proc/{bot.process.pid}/status").read_text()
    except OSError:
        return float("nan")
    kib = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0
    )
    return kib / 1024 if kib else float("nan")


def cpu_per(result: BurstResult) -> float:
    """Milliseconds of the bot's CPU per interaction sent (nan if not measured)."""
    if result.bot_cpu is None or not result.outcomes:
        return float("nan")
    return result.bot_cpu / len(result.outcomes) * 1000


def report(result: BurstResult) -> None:
    cpu = ""
    if result.bot_cpu is not None:
        cpu = f"; CPU: bot {result.bot_cpu:.2f}s"
    if result.harness_cpu is not None:
        cpu += f", fake+load {result.harness_cpu:.2f}s"
    in_time = sum(1 for o in result.outcomes if o.latency is not None and o.latency <= DEADLINE)
    deferred = sum(o.deferred_answer is not None for o in result.outcomes)
    expired = (
        ""
        if result.expired_logged is None
        else f"; the bot logged {result.expired_logged} 'expired': dropped or refused as late"
    )
    print(
        f"\n-- {result.name}: {in_time}/{len(result.outcomes)} answered within {DEADLINE:g} s"
        f" ({deferred} deferred first); {result.late} answered late,"
        f" {result.unanswered} never answered (dropped{expired}); "
        f"burst wall {result.wall:.2f}s ({len(result.outcomes) / max(result.wall, 1e-9):.0f}/s)"
        f"{cpu}{'' if result.bot_cpu is None else f'; {cpu_per(result):.2f} ms bot CPU each'}"
    )
    print(f"   {'latency ms':28} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'n':>5}")
    groups = sorted({o.action.group for o in result.outcomes})
    rows: list[tuple[str, str | None, bool | None]] = [("all", None, None)]
    if len(groups) > 1:
        rows += [("writes (done + click)", None, True), ("reads", None, False)]
        rows += [(f"  {group}", group, None) for group in groups]
    for title, group, write in rows:
        values = result.latencies(group, write=write)
        print(
            f"   {title:28} {ms(result.pct(50, group, write=write))} "
            f"{ms(result.pct(90, group, write=write))} {ms(result.pct(99, group, write=write))} "
            f"{ms(values[-1] if values else float('nan'))} {len(values):5d}"
        )
    for problem in result.problems[:10]:
        print(f"   PROBLEM {problem}")
    if len(result.problems) > 10:
        print(f"   ... and {len(result.problems) - 10} more problems")


async def warm_up(fake: InstrumentedFakeDiscord, actions: Sequence[Action]) -> list[str]:
    """A few interactions one at a time, not measured: first-use costs out of the way.

    Returns their problems (a busy machine can make even these late): reported, not fatal.
    """
    problems: list[str] = []
    for action in actions:
        warm = await fire(fake, [action], name="warm-up")
        problems += [f"warm-up {action.label}: {p}" for p in warm.problems]
    return problems


@dataclass
class Side:
    """One bot logged in to its own fake, with a fresh set of members for each round."""

    fake: InstrumentedFakeDiscord
    guild: GuildHandle
    bot: BotProcess
    rounds: list[list[FakeMember]]
    database: Path | str  # the bot's SQLite file or PostgreSQL URL
    post: Json | None = None
    problems: list[str] = field(default_factory=list)


async def open_side(
    stack: contextlib.AsyncExitStack, args: argparse.Namespace, workdir: Path, *, real: bool
) -> Side:
    """Start a fake (members of every round added up front) and a bot; warm it up.

    Warm-up, not measured: a few interactions one at a time, then (unless ``--cold``) a
    concurrent burst of :data:`WARM_BURST`, which opens discord.py's HTTP connections to the
    fake. Without it the first round also measures opening up to 100 connections at once.
    """
    fake, guild, members = new_world(args.users * args.rounds + WARMUP_ROUNDS + WARM_BURST // 4)
    await fake.start()
    stack.push_async_callback(fake.close)
    argv: tuple[str, ...] = REAL_BOT if real else (str(BARE_BOT),)
    if real and args.profile is not None:
        argv = ("-m", "cProfile", "-o", str(args.profile.absolute()), *REAL_BOT)
    url: str | None = args.url if real else None
    bot = await launch(
        fake, guild, workdir, argv=argv, log_level="INFO" if real else "WARNING", database=url
    )
    stack.push_async_callback(bot.stop)
    measured, spares = members[: args.users * args.rounds], members[args.users * args.rounds :]
    rounds = [measured[n * args.users : (n + 1) * args.users] for n in range(args.rounds)]
    side = Side(fake, guild, bot, rounds, bot.database if url is None else url)
    one_by_one: list[Action] = []
    burst: list[Action] = []
    for n, spare in enumerate(spares):  # few career commands per member: they have a cooldown
        if not real:
            (one_by_one if n < WARMUP_ROUNDS else burst).extend(
                [command_action(guild, spare, "/ping", {})] * (2 if n < WARMUP_ROUNDS else 4)
            )
        elif n < WARMUP_ROUNDS:
            one_by_one += [command_action(guild, spare, p, v) for p, v in (*CAREER[:4], *READS)]
            one_by_one += [
                autocomplete_action(guild, spare, p, o, "py") for p, o in AUTOCOMPLETE[:2]
            ]
        else:
            path, values = CAREER[n % len(CAREER)]
            burst.append(command_action(guild, spare, path, values))
            burst += [command_action(guild, spare, p, v) for p, v in READS]
            path, option = AUTOCOMPLETE[n % len(AUTOCOMPLETE)]
            burst.append(autocomplete_action(guild, spare, path, option, "m"))
    if real:
        await bot.wait_for_log("ready as", within=15)
        side.post = await post_weekly_challenge(fake, guild, bot, side.database)
    side.problems += await warm_up(fake, one_by_one)
    if not args.cold:
        warm = await fire(fake, burst, name="warm-up burst")
        side.problems += [f"warm-up burst: {p}" for p in warm.problems]
    return side


async def real_round(side: Side, args: argparse.Namespace, n: int) -> tuple[BurstResult, list[str]]:
    """One mixed burst against the real bot; the write check and a few /progress answers."""
    assert side.post is not None
    members = side.rounds[n]
    actions = mixed_burst(
        side.guild, members, side.post, interactions=args.interactions, rng=random.Random(n)
    )
    if n == 0:
        counts = summary_counts(actions)
        print(
            f"real bot burst: {len(actions)} interactions from {args.users} members: "
            + ", ".join(f"{count} {what}" for what, count in counts.items())
        )
    result = await fire(side.fake, actions, name=f"real bot round {n + 1}", bot=side.bot)
    writes = check_writes(result, side.database, side.guild.id, side.post)
    extra = [f"round {n + 1} writes: {p}" for p in writes.problems]
    print(
        f"round {n + 1} writes: {writes.members} members wrote, {writes.stored} completions "
        f"stored, {writes.recorded_replies} 'Recorded' replies"
        + ("" if not writes.problems else f"; {len(writes.problems)} PROBLEMS")
    )
    # The same through the bot's own eyes: /progress of a few members after the burst.
    for member in members[:3]:
        try:
            reply = await side.guild.invoke("/progress", as_user=member)
        except AssertionError as error:  # late or unanswered on an overloaded machine
            extra.append(f"/progress of {member.user.username} after the burst: {error}")
            continue
        if "Season points" not in reply.text:
            extra.append(f"/progress of {member.user.username}: {reply.text[:200]!r}")
    return result, extra


async def bare_round(side: Side, args: argparse.Namespace, n: int) -> BurstResult:
    actions = constant_burst(
        side.guild, side.rounds[n], interactions=args.interactions, rng=random.Random(n)
    )
    return await fire(side.fake, actions, name=f"bare bot round {n + 1}", bot=side.bot)


def pct_ms(result: BurstResult, q: float) -> str:
    return ms(result.pct(q)).strip()


async def main_async(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    reals: list[BurstResult] = []
    bares: list[BurstResult] = []
    extra: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        try:
            async with contextlib.AsyncExitStack() as stack:
                real = await open_side(stack, args, Path(tmp) / "real", real=True)
                bare = await open_side(stack, args, Path(tmp) / "bare", real=False)
                extra += real.problems + bare.problems
                for side, name in ((real, "real bot"), (bare, "bare bot")):
                    print(f"idle RSS of the {name} after warm-up: {rss_mb(side.bot):.0f} MB")
                # Alternate, so a change in the machine's load hits both sides alike.
                for n in range(args.rounds):
                    result, problems = await real_round(real, args, n)
                    reals.append(result)
                    extra += problems
                    bares.append(await bare_round(bare, args, n))
        except (AssertionError, TimeoutError, OSError) as error:
            # Overloaded (a bot that never came up, a post that never came): say so, no trace.
            print(f"FAILED: the bench could not run to the end: {error!r}")
            print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
            return 1
        for side, name in ((real, "the real bot"), (bare, "the bare bot")):
            if "Traceback" in side.bot.output():
                extra.append(f"{name} logged a traceback:\n" + side.bot.output()[-3000:])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\n== {args.interactions} interactions from {args.users} members, all at once, "
        f"{args.rounds} round(s) each, alternating, connections "
        f"{'cold' if args.cold else 'warm'}{', real bot on PostgreSQL' if args.url else ''} "
        f"(load average {load}, {os.cpu_count()} CPUs) =="
    )
    print(
        f"   {'round':8} {'real p50':>9} {'p99':>8} {'bare p50':>9} {'p99':>8} "
        f"{'ratio p50':>10} {'p99':>6}   real late/dropped  bare late/dropped"
    )
    for n, (r, b) in enumerate(zip(reals, bares, strict=True), 1):
        print(
            f"   {n:<8} {pct_ms(r, 50):>9} {pct_ms(r, 99):>8} {pct_ms(b, 50):>9} "
            f"{pct_ms(b, 99):>8} {r.pct(50) / b.pct(50):>9.2f}x {r.pct(99) / b.pct(99):>5.2f}x"
            f"   {f'{r.late}/{r.unanswered}':>17}  {f'{b.late}/{b.unanswered}':>17}"
        )
    real_all = combine(reals, "real bot (python -m bot run), all rounds")
    bare_all = combine(bares, "bare discord.py bot (/ping), all rounds")
    report(real_all)
    report(bare_all)
    print(
        f"\nratio real/bare (all rounds pooled): p50 {real_all.pct(50) / bare_all.pct(50):.2f}x "
        f"({pct_ms(real_all, 50)} ms vs {pct_ms(bare_all, 50)} ms), "
        f"p99 {real_all.pct(99) / bare_all.pct(99):.2f}x "
        f"({pct_ms(real_all, 99)} ms vs {pct_ms(bare_all, 99)} ms)"
    )
    real_cpu, bare_cpu = cpu_per(real_all), cpu_per(bare_all)
    print(
        f"CPU per interaction: real {real_cpu:.2f} ms, bare {bare_cpu:.2f} ms, "
        f"ratio {real_cpu / bare_cpu:.2f}x (all rounds; load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    problems = real_all.problems + extra + bare_all.problems
    for problem in extra[:20]:
        print(f"PROBLEM {problem}")
    if len(extra) > 20:
        print(f"... and {len(extra) - 20} more problems")
    worst = max(real_all.latencies()[-1:] + bare_all.latencies()[-1:], default=float("nan"))
    verdict = (
        f"OK: every interaction answered within 3 s (slowest {worst * 1000:.0f} ms), no lost writes"
        if not problems
        else f"FAILED: {len(problems)} problem(s)"
    )
    print(f"{verdict}; bench ran {time.perf_counter() - started:.1f}s")
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interactions", type=int, default=1000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="bursts per bot, alternating")
    parser.add_argument(
        "--cold", action="store_true", help="no concurrent warm-up burst (connections cold)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="run the real bot under cProfile and write its stats here (read with pstats)",
    )
    parser.add_argument(
        "--database",
        nargs="?",
        const="pgserver",
        default=None,
        metavar="postgresql://...",
        help="run the real bot on PostgreSQL: a new database on this server (a user who may"
        " create databases); without a URL (or 'pgserver'), a server started from pgserver",
    )
    args = parser.parse_args(argv)
    # The fake logs each late answer as it happens; the report counts them (late, dropped).
    logging.getLogger("fakediscord").setLevel(logging.CRITICAL)
    if args.interactions < 2 * args.users:
        parser.error("--interactions must be at least twice --users (two writes each)")
    if args.database not in (None, "pgserver") and not args.database.startswith(
        ("postgresql://", "postgres://")
    ):
        parser.error("--database takes a postgresql:// URL (or nothing: pgserver)")
    with contextlib_nullcontext_or_server(args.database) as server:
        if server is None:
            args.url = None
            return asyncio.run(main_async(args))
        with bench_database(server) as url:
            args.url = url
            print(f"real bot on PostgreSQL, database {url.split('?')[0].rsplit('/', 1)[-1]}")
            return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
