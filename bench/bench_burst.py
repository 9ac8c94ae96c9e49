"""A burst of interactions from many members against the real bot, and a bare bot, same run.

    python bench/bench_burst.py                          # 1,000 interactions from 200 members
    python bench/bench_burst.py --interactions 200 --users 50

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
   ``bench/_burst_bare.py`` (a ``discord.Client`` with one ``/ping`` answering a constant), on a
   fresh fake. Ratio = real bot / bare bot, for p50 and p99.

Both bots get a short warm-up first. The fake and the load run in this process, each bot in its
own; CPU seconds of each side are printed so a saturated machine shows. Exit 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests` and `bench` as packages

from bench._burst_core import (
    AUTOCOMPLETE,
    BARE_BOT,
    CAREER,
    READS,
    Action,
    BurstResult,
    autocomplete_action,
    check_writes,
    command_action,
    constant_burst,
    fire,
    launch,
    mixed_burst,
    new_world,
    post_weekly_challenge,
    summary_counts,
)
from tests.fakediscord.instrumented import InstrumentedFakeDiscord

WARMUP_ROUNDS = 3


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def report(result: BurstResult) -> None:
    cpu = ""
    if result.bot_cpu is not None:
        cpu = f"; CPU: bot {result.bot_cpu:.2f}s"
    if result.harness_cpu is not None:
        cpu += f", fake+load {result.harness_cpu:.2f}s"
    answered = len(result.latencies())
    print(
        f"\n-- {result.name}: {answered}/{len(result.outcomes)} answered, "
        f"burst wall {result.wall:.2f}s ({len(result.outcomes) / max(result.wall, 1e-9):.0f}/s)"
        f"{cpu}"
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


async def warm_up(fake: InstrumentedFakeDiscord, actions: Sequence[Action]) -> None:
    """A few interactions one at a time, not measured: first-use costs out of the way."""
    for action in actions:
        warm = await fire(fake, [action], name="warm-up")
        if warm.problems:
            raise AssertionError(f"warm-up {action.label}: {warm.problems}")


async def run_real(args: argparse.Namespace, workdir: Path) -> tuple[BurstResult, list[str]]:
    fake, guild, members = new_world(args.users)
    await fake.start()
    try:
        bot = await launch(fake, guild, workdir / "real")
        try:
            await bot.wait_for_log("ready as", within=15)
            post = await post_weekly_challenge(fake, guild)
            warm = []
            for n in range(WARMUP_ROUNDS):  # a member per round: career commands have a cooldown
                spare = guild.add_member(f"warmup{n}")
                warm += [command_action(guild, spare, p, v) for p, v in (*CAREER[:4], *READS)]
                warm += [autocomplete_action(guild, spare, p, o, "py") for p, o in AUTOCOMPLETE[:2]]
            await warm_up(fake, warm)
            actions = mixed_burst(
                guild, members, post, interactions=args.interactions, rng=random.Random(args.seed)
            )
            counts = summary_counts(actions)
            print(
                f"real bot burst: {len(actions)} interactions from {args.users} members: "
                + ", ".join(f"{n} {what}" for what, n in counts.items())
            )
            result = await fire(fake, actions, name="real bot (python -m bot run)", bot=bot)
            writes = check_writes(result, bot.database, guild.id, post)
            extra = [f"writes: {p}" for p in writes.problems]
            print(
                f"writes: {writes.members} members wrote, {writes.stored} completions stored, "
                f"{writes.recorded_replies} 'Recorded' replies"
                + ("" if not writes.problems else f"; {len(writes.problems)} PROBLEMS")
            )
            # The same through the bot's own eyes: /progress of a few members after the burst.
            for member in members[:3]:
                reply = await guild.invoke("/progress", as_user=member)
                if "Season points" not in reply.text:
                    extra.append(f"/progress of {member.user.username}: {reply.text[:200]!r}")
        finally:
            await bot.stop()
        if "Traceback" in bot.output():
            extra.append("the real bot logged a traceback:\n" + bot.output()[-3000:])
        return result, extra
    finally:
        await fake.close()


async def run_bare(args: argparse.Namespace, workdir: Path) -> BurstResult:
    fake, guild, members = new_world(args.users)
    await fake.start()
    try:
        bot = await launch(
            fake, guild, workdir / "bare", argv=(str(BARE_BOT),), log_level="WARNING"
        )
        try:
            spare = guild.add_member("warmup")
            await warm_up(fake, [command_action(guild, spare, "/ping", {})] * 2 * WARMUP_ROUNDS)
            actions = constant_burst(
                guild, members, interactions=args.interactions, rng=random.Random(args.seed)
            )
            return await fire(fake, actions, name="bare discord.py bot (/ping)", bot=bot)
        finally:
            await bot.stop()
    finally:
        await fake.close()


async def main_async(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        real, extra = await run_real(args, Path(tmp))
        bare = await run_bare(args, Path(tmp))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\n== {args.interactions} interactions from {args.users} members, all at once "
        f"(load average {load}, {os.cpu_count()} CPUs) =="
    )
    report(real)
    report(bare)
    p50 = real.pct(50) / bare.pct(50)
    p99 = real.pct(99) / bare.pct(99)
    print(
        f"\nratio real/bare: p50 {p50:.2f}x ({ms(real.pct(50)).strip()} ms vs "
        f"{ms(bare.pct(50)).strip()} ms), p99 {p99:.2f}x ({ms(real.pct(99)).strip()} ms vs "
        f"{ms(bare.pct(99)).strip()} ms)"
    )
    problems = real.problems + extra + bare.problems
    verdict = (
        "OK: every interaction answered within 3 s, no lost writes"
        if not problems
        else (f"FAILED: {len(problems)} problem(s)")
    )
    for problem in extra:
        print(f"PROBLEM {problem}")
    print(f"{verdict}; bench ran {time.perf_counter() - started:.1f}s")
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interactions", type=int, default=1000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    if args.interactions < 2 * args.users:
        parser.error("--interactions must be at least twice --users (two writes each)")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
