"""Reminders due in the same minute: a burst of DMs through discord.py's rate limiter, with
member commands measured while it runs (issue 16).

    python bench/bench_reminders.py                       # 2,000 reminders (a quick run)
    python bench/bench_reminders.py --reminders 10000     # the full run
    python bench/bench_reminders.py --rate-limits 0       # no 429s injected

1. The real bot (``python -m bot run``, INFO logs, a fresh SQLite file) logs in to the local fake
   Discord (``tests/fakediscord``); this week's post goes out (``schedule_due_now``).
2. ``--reminders`` members' reminders are stored (straight into the bot's SQLite file, as
   ``/remind on`` would have), all due this very minute (UTC). The runner does not know yet:
   it looks again every 5 minutes or when ``/remind`` pokes it.
3. Baseline: ``/mlebot-help`` and ``/challenge current`` from a few members, ``--probe-rate``
   per second for ``--probe-seconds``; latency per interaction from the fake dispatching
   INTERACTION_CREATE to the bot's answer arriving (``InstrumentedFakeDiscord``).
4. Burst: one more member runs ``/remind on`` for the same minute, which pokes the runner: every
   reminder is due at once. The same probes keep coming until the last DM arrives (bounded by
   ``--within``). Meanwhile the fake answers ``--rate-limits`` DM sends with 429 (one in ten
   global), spread over the burst, so discord.py's rate limiter has to honour them.
5. Printed: DMs/s, total time, 429s served and honoured (the request came again and
   succeeded), command latency p50/p99/max in the burst against the baseline; checked: every
   member has exactly one DM and a ``sent`` ledger row, no DM to anyone else, nothing the fake
   rejected. Exit 1 if a check fails.

The reminder recipients are users of the fake but not members of its guild (the runner needs
only their ids; 10,000 members in ``GUILD_CREATE`` would measure the gateway cache instead).
The fake runs in this process, the bot in its own; CPU seconds of both are printed, and
``/proc/loadavg`` before and after, so a saturated machine shows.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests` and `bench` as packages

from aiohttp import web

from bench._burst_core import command_data, cpu_seconds, launch, post_weekly_challenge
from tests.e2e.conftest import BotProcess
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.instrumented import InstrumentedFakeDiscord
from tests.fakediscord.server import Handler, _json
from tests.fakediscord.state import FakeChannel, FakeUser, InteractionRecord, snowflake

Json = dict[str, Any]
CREATE_MESSAGE = "POST /channels/{channel_id}/messages"
CREATE_DM = "POST /users/@me/channels"
PROBES: tuple[tuple[str, Json], ...] = (("/mlebot-help", {}), ("/challenge current", {}))
PROBERS = 20
REMINDER_BUTTON = "mlebot:rdone:"


class ReminderFake(InstrumentedFakeDiscord):
    """The instrumented fake with an index of DM channels by recipient (the fake's own
    ``POST /users/@me/channels`` scans every channel: quadratic over 10,000 DMs, which would
    slow the fake, not the bot) and a record of 429s served and of DM sends that succeeded."""

    def __init__(self, **kwargs: Any) -> None:
        self.dm_by_user: dict[int, FakeChannel] = {}
        self.limited: Counter[int] = Counter()  # DM channel id -> 429s served
        self.delivered: Counter[int] = Counter()  # DM channel id -> DMs stored
        self.first_dm: float | None = None
        self.last_dm: float | None = None
        super().__init__(**kwargs)

    def _build_routes(self) -> dict[str, Handler]:
        routes = super()._build_routes()
        routes[CREATE_DM] = self._indexed_create_dm
        send = routes[CREATE_MESSAGE]

        async def counted(request: web.Request, params: dict[str, str], body: Any) -> Any:
            response = await send(request, params, body)
            channel_id = int(params["channel_id"])
            if response.status == 200 and self.channels[channel_id].type == 1:
                self.delivered[channel_id] += 1
                now = time.monotonic()
                self.first_dm = self.first_dm or now
                self.last_dm = now
            return response

        routes[CREATE_MESSAGE] = counted
        return routes

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        response = await super()._rest(request)
        parts = request.path.split("/")
        if response.status == 429 and request.method == "POST" and "channels" in parts:
            self.limited[int(parts[parts.index("channels") + 1])] += 1
        return response

    async def _indexed_create_dm(self, request: web.Request, p: dict[str, str], b: Any) -> Any:
        recipient = self.users.get(int((b.json or {}).get("recipient_id", 0)))
        if recipient is None:
            return await super()._create_dm(request, p, b)  # the fake's own 400
        channel = self.dm_by_user.get(recipient.id)
        if channel is None:
            channel = FakeChannel(snowflake(), recipient.username, type=1, recipients=[recipient])
            self.channels[channel.id] = channel
            self.dm_by_user[recipient.id] = channel
        return _json(channel.to_payload())  # Content-Type exactly application/json


def step(text: str) -> None:
    """Progress, on stderr (the figures go to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (seconds), NaN if empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "n/a"


def seed_reminders(database: Path, guild_id: int, users: list[FakeUser], at: datetime) -> None:
    """Every user's reminder on, due at ``at`` (this weekday, that minute, UTC)."""
    now_us = int(time.time() * 1_000_000)
    rows = [
        (guild_id, user.id, at.weekday(), at.strftime("%H:%M"), "UTC", 1, 0, now_us)
        for user in users
    ]
    with closing(sqlite3.connect(database, timeout=30)) as conn, conn:
        conn.executemany(
            "INSERT INTO reminder_settings (guild_id, user_id, weekday, remind_time, timezone,"
            " enabled, dm_closed, updated_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def ledger(database: Path) -> Counter[str]:
    with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=30)) as conn:
        return Counter(
            {
                state: n
                for state, n in conn.execute(
                    "SELECT state, count(*) FROM reminder_sends GROUP BY state"
                )
            }
        )


class Prober:
    """Sends probe commands at a steady rate; collects each one's latency."""

    def __init__(self, fake: ReminderFake, guild: GuildHandle, rate: float) -> None:
        self.fake = fake
        self.guild = guild
        self.rate = rate
        self.members = [guild.add_member(f"prober{n:02d}") for n in range(PROBERS)]
        self.records: list[tuple[float, InteractionRecord]] = []
        self.sent = 0

    async def run(self, until: asyncio.Event, *, max_seconds: float) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        channel = self.guild.default_channel
        while not until.is_set() and loop.time() - began < max_seconds:
            path, values = PROBES[self.sent % len(PROBES)]
            member = self.members[self.sent % len(self.members)]
            self.sent += 1
            record = await self.fake.send_interaction(
                kind=2,
                data=command_data(self.guild, path, values),
                user=member.user,
                channel=channel,
            )
            self.records.append((loop.time(), record))
            with suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), 1 / self.rate)

    async def latencies(self, *, settle: float = 10.0) -> tuple[list[float], int]:
        """Latencies (s) of the answered probes; how many were never answered."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settle
        while loop.time() < deadline and any(  # noqa: ASYNC110 (polled, see _burst_core.fire)
            self.fake.answer_latency(r.id) is None for _, r in self.records
        ):
            await asyncio.sleep(0.05)
        answered = [self.fake.answer_latency(r.id) for _, r in self.records]
        return [a for a in answered if a is not None], sum(a is None for a in answered)


async def arm_rate_limits(fake: ReminderFake, count: int, stop: asyncio.Event) -> int:
    """Arm ``count`` 429s on the DM send route, one at a time, spread over the burst."""
    armed = 0
    while armed < count and not stop.is_set():
        if not any(f.times > 0 for f in fake.faults.faults):
            armed += 1
            is_global = armed % 10 == 0
            fake.faults.rate_limit(
                CREATE_MESSAGE, retry_after=0.2 if is_global else 0.5, is_global=is_global
            )
            await asyncio.sleep(0.1)  # spread: mostly other DMs' requests, not a retry's
        await asyncio.sleep(0.02)
    return armed


async def run(args: argparse.Namespace, workdir: Path) -> int:
    fake = ReminderFake()
    fake.add_guild("ML Study Group", channels=("general", "challenges"))
    guild = GuildHandle(fake, next(iter(fake.guilds.values())))
    recipients = [fake.add_user(f"reader{n:05d}") for n in range(args.reminders)]
    prober = Prober(fake, guild, args.probe_rate)
    asker = guild.add_member("asker")
    problems: list[str] = []
    print(f"loadavg before: {loadavg()}")
    await fake.start()
    try:
        step("launching the bot")
        bot = await launch(fake, guild, workdir / "bot")
        try:
            return await measure(args, fake, guild, bot, recipients, prober, asker, problems)
        finally:
            await bot.stop()
    finally:
        await fake.close()


async def measure(
    args: argparse.Namespace,
    fake: ReminderFake,
    guild: GuildHandle,
    bot: BotProcess,
    recipients: list[FakeUser],
    prober: Prober,
    asker: Any,
    problems: list[str],
) -> int:
    await bot.wait_for_log("ready as", within=30)
    step("bot ready; posting the week's challenge")
    await post_weekly_challenge(fake, guild, bot)
    step("posted; seeding reminders")
    at = datetime.now(UTC).replace(second=0, microsecond=0)
    seed_reminders(bot.database, guild.id, recipients, at)
    for _ in range(2):  # warm-up: the first of each command is slower (imports, caches)
        for path, values in PROBES:
            await guild.invoke(path, **values)

    step("baseline")
    # Baseline: no reminders going out.
    never = asyncio.Event()
    await prober.run(never, max_seconds=args.probe_seconds)
    baseline, baseline_lost = await prober.latencies()
    if sum(fake.delivered.values()):
        problems.append("reminders went out during the baseline (the runner was not idle)")
    prober.records.clear()

    step("burst")
    # The burst: /remind on pokes the runner, and everything is due.
    bot_cpu = cpu_seconds(bot.process.pid)
    harness_cpu = os.times()
    loop = asyncio.get_running_loop()
    finished = asyncio.Event()
    probing = asyncio.create_task(prober.run(finished, max_seconds=args.within))
    limiting = asyncio.create_task(arm_rate_limits(fake, args.rate_limits, finished))
    triggered = time.monotonic()
    step("poking with /remind on")
    reply = await guild.invoke(
        "/remind on",
        as_user=asker,
        day=at.strftime("%A"),
        time=at.strftime("%H:%M"),
        timezone="UTC",
    )
    if not reply.ephemeral:
        problems.append(f"/remind on answered {reply.content!r}")
    expected = args.reminders + 1  # the asker's too
    deadline = loop.time() + args.within
    while loop.time() < deadline:
        if (
            sum(fake.delivered.values()) >= expected
            and sum(ledger(bot.database).values()) >= expected
        ) and not any(s == "claimed" for s in ledger(bot.database)):
            break
        await asyncio.sleep(0.25)
        if int(loop.time() * 4) % 20 == 0:
            step(f"{sum(fake.delivered.values())} DMs, ledger {dict(ledger(bot.database))}")
    finished.set()
    step("burst over")
    armed = await limiting
    await probing
    burst, burst_lost = await prober.latencies()
    end_cpu = cpu_seconds(bot.process.pid)
    after = os.times()
    await asyncio.sleep(2.0)  # a doubled DM would come right behind

    # Checks: ledger against the DMs the fake stored.
    states = ledger(bot.database)
    dms_by_user = {
        channel.recipients[0].id: fake.delivered[channel.id] for channel in fake.dm_by_user.values()
    }
    wanted = {u.id for u in recipients} | {asker.user.id}
    missing = [u for u in wanted if dms_by_user.get(u, 0) == 0]
    doubled = [u for u, n in dms_by_user.items() if n > 1]
    strangers = [u for u, n in dms_by_user.items() if n and u not in wanted]
    if missing:
        problems.append(f"{len(missing)} member(s) got no DM")
    if doubled:
        problems.append(f"{len(doubled)} member(s) got more than one DM")
    if strangers:
        problems.append(f"{len(strangers)} DM(s) to users who never asked")
    if states != Counter({"sent": expected}):
        problems.append(f"ledger {dict(states)}, expected {expected} sent")
    served = sum(n for c, n in fake.limited.items() if c > 0)
    limited = [c for c, n in fake.limited.items() if c > 0 and n]
    honoured = sum(1 for c in limited if fake.delivered[c] == 1)
    if honoured != len(limited):
        problems.append(f"{len(limited) - honoured} rate-limited DM(s) not delivered exactly once")
    buttons = sum(1 for m in fake.messages.values() if REMINDER_BUTTON in str(m.get("components")))
    if buttons != sum(fake.delivered.values()):
        problems.append(f"{buttons} DMs with a reminder Mark done button")
    problems += [f"fake: {f}" for f in fake.take_failures()]
    if baseline_lost or burst_lost:
        problems.append(f"probes never answered: {baseline_lost} baseline, {burst_lost} burst")

    sent = sum(fake.delivered.values())
    span = (fake.last_dm or triggered) - (fake.first_dm or triggered)
    total = (fake.last_dm or triggered) - triggered
    print(
        f"reminders: {args.reminders} (+1 asker) due at {at:%H:%M} UTC; runner concurrency as built"
    )
    print(f"DMs delivered: {sent}; ledger: {dict(states)}")
    print(f"total time (poke -> last DM): {total:.2f} s; first -> last DM: {span:.2f} s")
    print(f"throughput: {sent / total if total else float('nan'):.0f} DMs/s (poke to last DM)")
    print(
        f"429s served on DM sends: {served} of {armed} armed"
        f" ({armed // 10} global), to {len(limited)} DM channels;"
        f" honoured (retried, then delivered exactly once): {honoured}/{len(limited)}"
    )
    for name, values in (("baseline", baseline), ("during burst", burst)):
        print(
            f"command latency {name:>12}: n={len(values):4d} p50 {ms(pct(values, 50))}"
            f" p99 {ms(pct(values, 99))} max {ms(max(values) if values else float('nan'))}"
        )
    if baseline and burst:
        print(
            f"ratio burst/baseline: p50 {pct(burst, 50) / pct(baseline, 50):.2f}"
            f" p99 {pct(burst, 99) / pct(baseline, 99):.2f}"
        )
    if bot_cpu is not None and end_cpu is not None:
        harness = (after.user + after.system) - (harness_cpu.user + harness_cpu.system)
        print(f"CPU during the burst: bot {end_cpu - bot_cpu:.1f} s, fake+probes {harness:.1f} s")
    print(f"loadavg after: {loadavg()}")
    for problem in problems[:20]:
        print(f"PROBLEM: {problem}")
    if problems:
        lines = [
            line
            for line in bot.output().splitlines()
            if "remind" in line.lower() or "Error" in line
        ]
        print("bot log (reminders):", *lines[-15:], sep="\n  ")
    print("OK" if not problems else f"FAILED ({len(problems)} problem(s))")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=2000, help="reminders due at once")
    parser.add_argument("--rate-limits", type=int, default=40, help="429s to inject on DM sends")
    parser.add_argument("--probe-rate", type=float, default=10.0, help="probe commands per second")
    parser.add_argument("--probe-seconds", type=float, default=8.0, help="baseline length")
    parser.add_argument("--within", type=float, default=600.0, help="give up after (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        return asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())
