"""Fixtures that run the real bot (``python -m bot run``) against the fake Discord.

``mlebot`` starts the bot as a subprocess pointed at the fake through ``MLEBOT_DISCORD_API_BASE``
and ``MLEBOT_DISCORD_GATEWAY``, with a fresh SQLite file, and waits until it has synced its
commands to the fake's guild. At teardown it sends SIGTERM (SIGKILL after 10 s) and fails the
test if the bot's output shows a traceback or the fake saw anything Discord would reject.

The bot's clock: by default the real one. ``start_bot(..., fake_time=instant)`` runs that one
process under libfaketime (``LD_PRELOAD``), its wall clock running on from ``instant``; a test
marked ``@pytest.mark.bot_clock(instant)`` moves this process's wall clock there too
(time-machine, ticking) and every bot it starts follows it, so the bot, the fake Discord's
snowflakes and the test agree on the time. Without libfaketime such tests skip, saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import signal
import sys
import sysconfig
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import time_machine

from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord

REPO_ROOT = Path(__file__).resolve().parents[2]
START_WITHIN = 20.0  # seconds for the bot to log in and sync
STOP_WITHIN = 10.0  # seconds for the bot to exit after SIGTERM

# ----------------------------------------------------------------------------- the bot's clock

#: Where Debian/Ubuntu (package ``faketime``), Fedora and Homebrew-on-Linux put the library;
#: ``LIBFAKETIME=/path/to/libfaketime.so.1`` overrides the search.
LIBFAKETIME_GLOBS = (
    f"/usr/lib/{sysconfig.get_config_var('MULTIARCH') or '*'}/faketime/libfaketime.so.1",
    "/usr/lib/*/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/lib64/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
    "/home/linuxbrew/.linuxbrew/lib/faketime/libfaketime.so.1",
)
NO_LIBFAKETIME = (
    "libfaketime not found (apt-get install faketime, or set LIBFAKETIME=<path to"
    " libfaketime.so.1>): this test runs the bot at a fixed instant"
)
_pinned: list[datetime] = []  # the instants of the bot_clock pins in force (innermost last)


def libfaketime() -> Path | None:
    """The libfaketime shared library, or None where it is not installed."""
    override = os.environ.get("LIBFAKETIME")
    if override:
        return Path(override) if Path(override).is_file() else None
    for pattern in LIBFAKETIME_GLOBS:
        for found in sorted(glob.glob(pattern)):
            return Path(found)
    return None


def require_libfaketime() -> Path:
    """The library, or skip the test with :data:`NO_LIBFAKETIME`."""
    found = libfaketime()
    if found is None:
        pytest.skip(NO_LIBFAKETIME)
    return found


def as_instant(when: datetime | str) -> datetime:
    """An aware instant from a datetime or an ISO string (naive means UTC)."""
    instant = datetime.fromisoformat(when) if isinstance(when, str) else when
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def faketime_environment(env: dict[str, str], when: datetime | str) -> dict[str, str]:
    """``env`` with libfaketime preloaded and the wall clock running on from ``when``.

    ``FAKETIME="@<epoch seconds>"`` with ``FAKETIME_FMT=%s`` does not depend on the process's
    time zone. ``FAKETIME_DONT_FAKE_MONOTONIC=1``: with CLOCK_MONOTONIC faked too, every timed
    wait on a lock (``threading.Event.wait(timeout)``, which discord.py's heartbeat thread uses;
    Python 3.11 calls ``sem_clockwait``, which libfaketime 0.9.10 does not intercept) would never
    time out. ``FAKETIME_FORCE_MONOTONIC_FIX=0``: the fix is for a faked monotonic clock, and
    costs ~2.5x CPU on every GIL hand-over between threads. The bot never calls ``time.sleep``,
    which libfaketime 0.9.10 breaks (EINVAL) when the monotonic clock is left alone.
    """
    library = require_libfaketime()
    kept = {k: v for k, v in env.items() if not k.startswith("FAKETIME")}
    preload = [p for p in env.get("LD_PRELOAD", "").split(":") if p and "faketime" not in p]
    kept.update(
        LD_PRELOAD=":".join([str(library), *preload]),
        FAKETIME=f"@{int(as_instant(when).timestamp())}",
        FAKETIME_FMT="%s",
        FAKETIME_DONT_FAKE_MONOTONIC="1",
        FAKETIME_FORCE_MONOTONIC_FIX="0",
    )
    return kept


@contextlib.contextmanager
def pinned_clock(when: datetime | str) -> Iterator[datetime]:
    """This process's wall clock at ``when`` (ticking), and every bot started meanwhile with it.

    What the ``bot_clock`` marker does for a whole test (``tests/conftest.py``).
    """
    instant = as_instant(when)
    require_libfaketime()
    with time_machine.travel(instant, tick=True):
        _pinned.append(instant)
        try:
            yield instant
        finally:
            _pinned.pop()


@dataclass
class BotProcess:
    """The running bot process, its output files and the command tree it synced."""

    process: asyncio.subprocess.Process
    stdout: Path
    stderr: Path
    database: Path
    synced: list[dict[str, Any]]
    #: The instant the bot's clock started from (libfaketime), or None for the real clock.
    fake_time: datetime | None = None
    #: Set by a test that provokes a logged traceback on purpose (teardown fails on one otherwise).
    allow_traceback: bool = False

    def output(self) -> str:
        """Everything the bot printed so far (stdout then stderr)."""
        return _read(self.stdout) + _read(self.stderr)

    async def wait_for_log(self, text: str, *, within: float = 10.0) -> str:
        """Wait until the bot's output contains ``text``; return the first line with it.

        For moments nothing on the wire marks, such as ``on_ready`` (the bot logs
        ``ready as ...``), which comes about 2 s after the last GUILD_CREATE.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            for line in self.output().splitlines():
                if text in line:
                    return line
            if self.process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"the bot never logged {text!r}:\n{self.output()[-3000:]}")

    async def stop(self) -> int:
        """SIGTERM, wait up to 10 s, then SIGKILL; returns the exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_WITHIN)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
                raise AssertionError(
                    f"the bot did not exit within {STOP_WITHIN:.0f}s of SIGTERM"
                ) from None
        return self.process.returncode or 0


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def bot_environment(fake: FakeDiscord, guild_id: int, database: Path) -> dict[str, str]:
    """The environment for ``python -m bot run``: the fake's URLs, a fresh DB, DEBUG logs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(("MLEBOT_", "DISCORD_"))  # settings are case-insensitive
    }
    env.update(
        DISCORD_TOKEN=fake.token,
        MLEBOT_DISCORD_API_BASE=fake.api_base,
        MLEBOT_DISCORD_GATEWAY=fake.gateway_url,
        MLEBOT_DATABASE=str(database),
        MLEBOT_DEV_GUILD_ID=str(guild_id),
        MLEBOT_LOG_LEVEL="DEBUG",
        PYTHONUNBUFFERED="1",
    )
    return env


REAL_BOT = ("-m", "bot", "run")


async def spawn_bot(
    fake: FakeDiscord,
    guild: GuildHandle,
    workdir: Path,
    *,
    argv: Sequence[str] = REAL_BOT,
    log_level: str = "DEBUG",
    fake_time: datetime | str | None = None,
    database: Path | None = None,
    env: Mapping[str, str] | None = None,
    name: str = "bot",
    cwd: Path = REPO_ROOT,
) -> BotProcess:
    """Start ``python <argv>`` (the bot, by default) and return at once (see :func:`start_bot`,
    which waits for it to connect; this is for a process expected to be refused)."""
    stdout, stderr = workdir / f"{name}.stdout.log", workdir / f"{name}.stderr.log"
    database = database or workdir / "bot.sqlite3"
    environment = bot_environment(fake, guild.id, database)
    environment["MLEBOT_LOG_LEVEL"] = log_level
    environment.update(env or {})
    if fake_time is None and _pinned:
        fake_time = datetime.now(UTC)  # time-machine's: the pinned clock, ticking
    started_at = as_instant(fake_time) if fake_time is not None else None
    if started_at is not None:
        environment = faketime_environment(environment, started_at)
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *argv,
            cwd=cwd,
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    return BotProcess(process, stdout, stderr, database, [], fake_time=started_at)


async def start_bot(
    fake: FakeDiscord,
    guild: GuildHandle,
    workdir: Path,
    *,
    argv: Sequence[str] = REAL_BOT,
    log_level: str = "DEBUG",
    fake_time: datetime | str | None = None,
    database: Path | None = None,
    env: Mapping[str, str] | None = None,
    name: str = "bot",
    shard_ids: Sequence[int] | None = None,
    cwd: Path = REPO_ROOT,
) -> BotProcess:
    """Start ``python <argv>`` (the bot, by default); wait for its guild command sync and
    gateway identify.

    ``fake_time`` (e.g. ``"2026-12-02 15:00:00"``, UTC unless it says otherwise): the process's
    wall clock starts there and runs on (libfaketime; the test skips without it). Under a
    ``bot_clock`` pin the default is this process's (pinned) now.

    Several processes: ``env`` adds or overrides settings (``MLEBOT_SHARD_COUNT``,
    ``MLEBOT_SHARD_IDS``, a ``MLEBOT_DATABASE`` URL), ``name`` keeps each process's log files
    apart in one ``workdir``, ``database`` is the SQLite file (default ``workdir/bot.sqlite3``),
    and ``shard_ids`` are the shards to wait for (default: every shard of the count). On
    PostgreSQL, ``env`` sets ``MLEBOT_DATABASE`` to the URL (``database`` is then unused), and
    ``cwd`` (default: the repository) is where the process's relative paths land, such as its
    heartbeat file ``data/mlebot-postgres-shards-<ids>.heartbeat``.

    Not for ``on_ready``: nothing on the wire marks it, and interactions work before it.
    """
    bot = await spawn_bot(
        fake,
        guild,
        workdir,
        argv=argv,
        log_level=log_level,
        fake_time=fake_time,
        database=database,
        env=env,
        name=name,
        cwd=cwd,
    )
    process = bot.process
    synced = asyncio.create_task(fake.wait_for_sync(guild.id, within=START_WITHIN))
    exited = asyncio.create_task(process.wait())
    await asyncio.wait([synced, exited], return_when=asyncio.FIRST_COMPLETED)
    if not synced.done():
        synced.cancel()
        raise AssertionError(
            f"{' '.join(argv)} exited with {process.returncode} before syncing its commands:\n"
            + bot.output()[-4000:]
        )
    exited.cancel()
    try:
        bot.synced = synced.result()
        await fake.wait_for_gateway(within=START_WITHIN, shard_ids=shard_ids)
    except AssertionError as error:
        await bot.stop()
        raise AssertionError(f"{error}\nbot output:\n{bot.output()[-4000:]}") from None
    return bot


@pytest.fixture
async def mlebot(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The real bot, logged in to the fake and synced to its guild."""
    bot = await start_bot(fake_discord, fake_guild, tmp_path)
    try:
        yield bot
    finally:
        await bot.stop()
    output = bot.output()
    if "Traceback" in output and not bot.allow_traceback:
        pytest.fail(f"the bot logged a traceback:\n{output[-6000:]}")


# ----------------------------------------------------------------------------- one bot per module


@dataclass
class SharedWorld:
    """A fake Discord and one bot process shared by the tests of a module (opt-in, faster)."""

    fake: FakeDiscord
    guild: GuildHandle
    bot: BotProcess


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SharedWorld]:
    """Started once per module: for tests that only read (state carries over between them).

    A module using it runs its tests in the module's event loop::

        pytestmark = pytest.mark.asyncio(loop_scope="module")

        async def test_x(shared_guild: GuildHandle) -> None: ...
    """
    fake = FakeDiscord()
    fake.add_guild("ML Study Group", channels=("general", "challenges"))
    await fake.start()
    guild = GuildHandle(fake, next(iter(fake.guilds.values())))
    try:
        bot = await start_bot(fake, guild, tmp_path_factory.mktemp("mlebot"))
        try:
            yield SharedWorld(fake, guild, bot)
        finally:
            await bot.stop()
    finally:
        await fake.close()
    if "Traceback" in bot.output() and not bot.allow_traceback:
        pytest.fail(f"the bot logged a traceback:\n{bot.output()[-6000:]}")


@pytest.fixture
def shared_guild(shared_world: SharedWorld) -> Iterator[GuildHandle]:
    """The shared world's guild; fails the test on anything the fake saw during it."""
    world = shared_world
    earlier = world.fake.take_failures()
    if earlier:
        pytest.fail("fake Discord saw problems before this test:\n  " + "\n  ".join(earlier))
    yield world.guild
    world.fake.faults.clear()
    if world.bot.process.returncode is not None:
        pytest.fail(f"the bot exited with {world.bot.process.returncode}:\n{world.bot.output()}")
    failures = world.fake.take_failures()
    unanswered = [r for r in world.fake.interactions.values() if not r.callbacks and not r.errors]
    for record in unanswered:
        record.errors.append("never answered")
    if failures or unanswered:
        problems = failures + [f"interaction {r.id} was never answered" for r in unanswered]
        pytest.fail("fake Discord saw problems:\n  " + "\n  ".join(problems))
