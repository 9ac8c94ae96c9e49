"""Helpers for the process tests (shutdown, kill -9): the real bot as a subprocess.

Built on ``tests/e2e/conftest.py`` (``start_bot``, ``BotProcess``) and the fake Discord; these
add what the process tests need on top: the weekly post made due now, signals with a stopwatch,
a way to hold a request in the fake *after* it has been handled (the fake's ``slow`` fault
delays *before*), and a read-only look at the bot's SQLite file with the standard library.
"""

from __future__ import annotations

import asyncio
import calendar
import json
import signal
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.health import heartbeat_path
from storage.models import GuildSchedule
from storage.store import open_store
from tests.e2e.conftest import REPO_ROOT, BotProcess, start_bot
from tests.fakediscord.harness import GuildHandle, weekly_post_week
from tests.fakediscord.server import FakeDiscord

Json = dict[str, Any]
CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"
CREATE_MESSAGE = "POST /channels/{channel_id}/messages"
CHANNEL = "challenges"
EXIT_WITHIN = 10.0  # issue 8: exit 0 within 10 s of SIGTERM/SIGINT
POST_WITHIN = 15.0
#: The instant the process tests run at (``pytest.mark.bot_clock(BOT_CLOCK)``): a Wednesday
#: afternoon in UTC, hours from midnight and days from a week boundary.
BOT_CLOCK = "2026-12-02 15:00:00"


def weekly_posts(guild: GuildHandle) -> list[Json]:
    """The bot's weekly posts in #challenges (found by the week in their Mark done button)."""
    return [m for m in guild.messages(CHANNEL) if weekly_post_week(m) is not None]


def moderator_notices(fake: FakeDiscord) -> list[str]:
    """Every "needs a moderator" notice the bot sent (channel or DM to the owner)."""
    return [
        str(m.get("content"))
        for m in fake.messages.values()
        if "needs a moderator" in str(m.get("content") or "")
    ]


async def schedule_due_now(
    bot: BotProcess,
    guild: GuildHandle,
    moderator: Any,
    *,
    database: Path | str | None = None,
    **options: Any,
) -> str:
    """This week's post due three minutes ago under an hour-old schedule: it goes out at once.

    A schedule set *after* its post time never posts that week on its own
    (``scheduler/season.py``), so the schedule is stored as a moderator would have set it an
    hour ago; the moderator then saves it again, unchanged, with ``/admin schedule``, which
    re-arms the guild. The scheduler's catch-up sends the post the way a post that fell due
    during downtime goes out: the real automatic job. "Now" is the bot's: tests using this are
    marked ``bot_clock(BOT_CLOCK)``, so this process and the bot share a clock and the schedule
    is the same on every day. ``options`` go to the ``/admin schedule`` command only (a
    change that leaves the timing alone); returns its reply. ``database``: the bot's
    ``postgresql://`` URL when it runs on one (default its SQLite file, ``bot.database``).
    """
    now = datetime.now(UTC)
    settings = due_now_schedule(guild, now)
    where = bot.database if database is None else database
    async with await open_store(where, clock=lambda: now - timedelta(hours=1)) as store:
        await store.settings.save(settings)
    assert settings.season_start is not None
    saved = await guild.invoke(
        "/admin schedule",
        as_user=moderator,
        channel=CHANNEL,
        weekday=calendar.day_name[settings.weekday],
        time=settings.post_time.strftime("%H:%M"),
        timezone="UTC",
        season_start=settings.season_start.isoformat(),
        **options,  # further /admin schedule options, e.g. threads=False
    )
    assert saved.content.startswith("Saved."), saved.content
    return saved.content


def due_now_schedule(guild: GuildHandle, now: datetime) -> GuildSchedule:
    """The guild's schedule with this week's post due three minutes before ``now`` (challenge 1
    this week), as :func:`schedule_due_now` stores it."""
    at = (now - timedelta(minutes=3)).replace(second=0, microsecond=0)
    return GuildSchedule(
        guild_id=guild.id,
        channel_id=guild.channel(CHANNEL).id,
        weekday=at.weekday(),
        post_time=at.time(),
        timezone="UTC",
        # Challenge 1 this week: no season week lies before the schedule, so a restart has
        # nothing earlier to settle (test_soak.py checks that case on its own).
        season_start=at.date(),
    )


async def store_schedules_due_now(database: Path | str, guilds: list[GuildHandle]) -> None:
    """Before the bot starts: every guild's post due three minutes ago under an hour-old
    schedule, so the bot's start-up catch-up sends each at once (the real automatic job).

    ``database`` (a SQLite file or a ``postgresql://`` URL) is opened with
    :func:`storage.store.open_store` (created and migrated).
    """
    now = datetime.now(UTC)
    async with await open_store(database, clock=lambda: now - timedelta(hours=1)) as store:
        for guild in guilds:
            await store.settings.save(due_now_schedule(guild, now))


def shard_env(shard_count: int, shard_ids: list[int] | None = None) -> dict[str, str]:
    """The settings of a process running ``shard_ids`` (default: all) of ``shard_count``."""
    env = {"MLEBOT_SHARD_COUNT": str(shard_count)}
    if shard_ids is not None:
        env["MLEBOT_SHARD_IDS"] = ",".join(str(shard) for shard in shard_ids)
    return env


async def send_and_time(bot: BotProcess, sig: signal.Signals, *, within: float = 30.0) -> float:
    """Send ``sig``; wait (at most ``within`` s) for the exit; return the seconds it took."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    bot.process.send_signal(sig)
    await asyncio.wait_for(bot.process.wait(), within)
    return loop.time() - began


async def kill_9(bot: BotProcess) -> None:
    """SIGKILL: no handler runs, nothing is flushed or closed."""
    bot.process.send_signal(signal.SIGKILL)
    await bot.process.wait()


async def restart_after_kill(
    fake: FakeDiscord,
    guild: GuildHandle,
    workdir: Path,
    bot: BotProcess,
    *,
    name: str = "bot",
    shard_ids: Sequence[int] | None = None,
    shard_count: int = 1,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
) -> BotProcess:
    """Start a new bot on the same database once the fake has seen the old socket close.

    One of several processes: ``shard_ids`` of ``shard_count`` are the killed process's
    shards, whose sessions must drop (the other processes stay connected); ``name``, ``env``
    and ``cwd`` are what it was started with.
    """
    if shard_ids is None:
        await fake.wait_until(
            lambda: not fake.connected, within=10, what="the old gateway to close"
        )
    else:

        def dropped() -> bool:
            sessions = [fake.shard_session(shard, shard_count) for shard in shard_ids]
            return not any(session is not None and session.live for session in sessions)

        await fake.wait_until(
            dropped, within=10, what=f"the gateway of shard(s) {list(shard_ids)} to close"
        )
    # New log files: the killed process's output stays for the report.
    for log in (f"{name}.stdout.log", f"{name}.stderr.log"):
        old = workdir / log
        if old.exists():
            old.rename(workdir / f"{log}.{bot.process.pid}")
    return await start_bot(
        fake,
        guild,
        workdir,
        env=env,
        name=name,
        shard_ids=shard_ids,
        database=bot.database,
        cwd=cwd,
    )


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord, guild: GuildHandle, workdir: Path
) -> AsyncIterator[BotProcess]:
    """``tests/e2e``'s ``mlebot`` fixture as a context manager (that conftest is not ours).

    At the end: SIGTERM if still running (SIGKILL after 10 s); fails on a traceback unless the
    test set ``allow_traceback``.
    """
    bot = await start_bot(fake, guild, workdir)
    try:
        yield bot
    finally:
        await bot.stop()
    if "Traceback" in bot.output() and not bot.allow_traceback:
        raise AssertionError(f"the bot logged a traceback:\n{bot.output()[-6000:]}")


def heartbeat(database: Path) -> Json:
    """The heartbeat file the bot writes beside its database."""
    beat: Json = json.loads(heartbeat_path(database).read_text(encoding="utf-8"))
    return beat


def query(database: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the bot's database: a SQLite file with the standard library (read-only), or a
    ``postgresql://`` URL with psycopg (autocommit: committed rows only; ``%s`` parameters)."""
    if isinstance(database, str):
        import psycopg  # noqa: PLC0415  (only the PostgreSQL tests have it for sure)

        with psycopg.connect(database, autocommit=True) as conn:
            return [tuple(row) for row in conn.execute(sql.encode(), params).fetchall()]
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return list(connection.execute(sql, params))


async def rows_settle(
    database: Path | str,
    sql: str,
    settled: Callable[[tuple[Any, ...]], bool],
    *,
    what: str,
    within: float = 10.0,
    params: tuple[Any, ...] = (),
) -> list[tuple[Any, ...]]:
    """``sql``'s rows once there are some and every one is ``settled`` (a ledger after the
    restarted bot's catch-up); ``AssertionError`` naming ``what`` after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        rows = query(database, sql, params)
        if rows and all(settled(row) for row in rows):
            return rows
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not settle: {rows}")
        await asyncio.sleep(0.1)


@dataclass
class Hold:
    """Holds the next request of one route in the fake: a request "in flight".

    ``before=True`` holds it before the fake handles it (nothing stored yet);
    ``before=False`` lets the fake handle it (the message is stored) and holds the *answer*, so
    the bot never learns the message id. Only the first request is held; later ones (the
    restarted bot's) pass. ``arrived`` is set once the request is held; :meth:`drop` ends the
    hold without the fake handling a ``before`` request (its client died; Discord never got it).
    """

    before: bool
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: bool = False
    used: bool = False

    def release(self) -> None:
        self.released.set()

    def drop(self) -> None:
        self.dropped = True
        self.released.set()


def hold_route(
    fake: FakeDiscord, route: str, *, before: bool, channel_id: int | None = None
) -> Hold:
    """Wrap the fake's handler of ``route`` (e.g. :data:`CREATE_MESSAGE`) with a :class:`Hold`.

    ``channel_id``: hold the first request for that channel only (others pass), e.g. one
    guild's weekly post among many.

    Reaches into ``FakeDiscord._routes`` (its handler table) because the fake's own ``slow``
    fault only delays *before* handling, and a fixed delay is a race where an event is not.
    """
    table: dict[str, Callable[..., Awaitable[web.StreamResponse]]] = fake._routes
    handler = table[route]
    hold = Hold(before)

    async def held(request: web.Request, params: dict[str, str], body: Any) -> web.StreamResponse:
        if hold.used or (channel_id is not None and params.get("channel_id") != str(channel_id)):
            return await handler(request, params, body)
        hold.used = True
        if before:
            hold.arrived.set()
            await hold.released.wait()
            if hold.dropped:
                return web.Response(status=503, text="dropped by the test")
            return await handler(request, params, body)
        response = await handler(request, params, body)
        hold.arrived.set()
        await hold.released.wait()
        return response

    table[route] = held
    return hold
