"""Bad input for every option of every registered command, with hypothesis (issue 8).

One real bot process (``python -m bot run``) and one fake Discord for the module, running in an
event loop on a background thread; hypothesis drives them from plain synchronous tests, one
invocation per example. Commands and options are read from the tree the bot synced, so a new
command is fuzzed the day it lands.

What an example may send is what Discord's client would: strings within the option's
``min_length``/``max_length`` (6000 when unset), integers within ``min_value``/``max_value``,
registered choices only, existing members, channels and roles. Inside those bounds anything
goes: empty, huge, control characters, right-to-left marks, zero-width and combining
characters, emoji, markdown, ``@everyone``/``@here``, user/role/channel mentions, CSV formulas,
SQL. The member invoking has a display name drawn from the same kind of text.

Every example must get: an answer within 3 s that the fake accepts (it validates against
Discord's spec and limits), no "something went wrong" (an unexpected exception), no message
that could ping @everyone/@here or a role (``allowed_mentions``), and no traceback or ERROR
line in the bot's log.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import time
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench._burst_core import done_button, launch, new_world, post_weekly_challenge
from storage.models import GuildSchedule
from storage.store import open_store
from tests.e2e.commands import assert_answered, leaf_commands
from tests.e2e.conftest import BotProcess
from tests.fakediscord.harness import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    USER,
    GuildHandle,
    Reply,
)
from tests.fakediscord.instrumented import InstrumentedFakeDiscord, mention_problems
from tests.fakediscord.state import FakeMember, FakeRole, FakeUser, snowflake

Json = dict[str, Any]
T = TypeVar("T")

#: Hypothesis examples over all commands, and over all autocomplete options (issue 8: ~150).
#: ``FUZZ_EXAMPLES=3000 pytest tests/ops/test_fuzz_commands.py`` for a deeper run.
COMMAND_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
AUTOCOMPLETE_EXAMPLES = max(1, COMMAND_EXAMPLES * 3 // 10)
MIN_PER_PATH = 4
STRING_LIMIT = 6000  # Discord's limit for a string option without max_length
INTEGER_LIMIT = 2**53  # Discord's integer option range without min/max_value
CALL_TIMEOUT = 30.0
UNEXPECTED = "Something went wrong on my side"

HOSTILE = (
    "@everyone",
    "@here",
    "@everyone please look",
    "<@&{role}>",
    "<@{user}>",
    "<@!{user}>",
    "<#{channel}>",
    "</challenge done:{command}>",
    "**bold** __under__ ~~strike~~ ||spoiler|| `code`",
    "```py\nprint('x')\n```",
    "> quote\n# heading\n- item",
    "[link](https://example.com) https://example.com/@everyone",
    "\u202eevil\u202c",
    "zero\u200bwidth\u200d\ufeff",
    "e\u0301\u0301\u0301\u0301\u0301",
    "🧑‍💻🏳️‍🌈👍🏽",
    "\x00\x01\x07\x1b[31m\x7f",
    "\r\n\t \u00a0\u2028\u2029",
    "   ",
    "'; DROP TABLE completions; --",
    '=HYPERLINK("http://x")',
    "+1-1@SUM(A1)",
    "%s %d {0} {name} ${x}",
    "../../etc/passwd",
    "None",
    "null",
    "-1",
    "0",
    "99999999999999999999999999",
    "NaN",
)
#: Values a member might plausibly type for some options (so the happy paths get fuzzed too).
PLAUSIBLE: dict[str, tuple[str, ...]] = {
    "weekday": ("Monday", "sunday", "Mon", "7", "Funday"),
    "time": ("09:30", "9:5", "23:59", "24:00", "00:00", "12:60", "noon"),
    "timezone": ("UTC", "Europe/Berlin", "europe/berlin", "Mars/Olympus", "Etc/GMT+14"),
    "season_start": ("2026-11-23", "2026-02-30", "0001-01-01", "9999-12-31", "23/11/2026"),
    "challenge": ("python-foundations", "1", "week 2", "zzz-no-such-thing"),
    "name": ("pytorch", "ml engineer", "aws", "k8s", "data scienist"),
    "category": ("mlops", "deployment"),
    "region": ("India", "deutschland", "US"),
    "step": ("3", "0", "-1", "deployment"),
    "note": ("notebook link", "https://github.com/x/y"),
    "reason": ("duplicate",),
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def well_formed(name: str) -> st.SearchStrategy[str] | None:
    """Well-formed values for options with a format, so the fuzz gets past the parsers."""
    if name == "weekday":
        return st.sampled_from(WEEKDAYS + tuple(d.lower()[:3] for d in WEEKDAYS))
    if name == "time":
        return st.times().map(lambda t: t.strftime("%H:%M"))
    if name == "timezone":
        return st.timezone_keys()
    if name == "season_start":
        return st.dates().map(str)  # hypothesis favours the ends: 0001-01-01, 9999-12-31
    return None


#: Any character but lone surrogates (JSON from Discord never carries them).
ANY_CHAR = st.characters(exclude_categories=["Cs"])

#: Display names of members that user options can point at (and of nobody else).
MEMBER_NAMES = ("@everyone", "<@&{role}>", "**Bold**", "x" * 32, "\u202eevil", "e\u0301", "Ann")


# --------------------------------------------------------------------------- the world


class NamedUser(FakeUser):
    """A user whose display name (``global_name``) is exactly ``display`` (the fake's own users
    title-case their username, which would turn ``@everyone`` into a harmless ``@Everyone``)."""

    def __init__(self, user_id: int, username: str, display: str) -> None:
        super().__init__(user_id, username)
        self.display = display

    def to_payload(self) -> dict[str, Any]:
        return {**super().to_payload(), "global_name": self.display}


@dataclass
class World:
    """The fake and the bot, living in an event loop on a background thread."""

    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    fake: InstrumentedFakeDiscord = field(init=False)
    guild: GuildHandle = field(init=False)
    bot: BotProcess = field(init=False)
    admin_role: FakeRole = field(init=False)
    targets: list[FakeMember] = field(default_factory=list)
    examples: int = 0
    _log_offsets: dict[Path, int] = field(default_factory=dict)
    _thread: threading.Thread | None = None
    _members: int = 0

    def __post_init__(self) -> None:
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="fuzz-world", daemon=True
        )
        self._thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        """Run ``work`` in the world's loop and wait for its result (bounded)."""
        future = asyncio.run_coroutine_threadsafe(work, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise AssertionError(f"no result within {timeout:g}s") from None

    async def start(self, workdir: Path) -> None:
        self.fake = InstrumentedFakeDiscord()
        self.fake.add_guild("ML Study Group", channels=("general", "challenges"))
        self.guild = GuildHandle(self.fake, next(iter(self.fake.guilds.values())))
        self.admin_role = self.guild.add_role("fuzz-admin", permissions=1 << 3)
        guild = self.guild.guild
        for name in MEMBER_NAMES:
            self.targets.append(self._new_member(self.format(name)))
        self.targets += [guild.member(self.fake.bot.id), guild.member(guild.owner_id)]
        await self.fake.start()
        self.bot = await launch(self.fake, self.guild, workdir)
        # A weekly post, so /challenge and the admin corrections act on a real challenge.
        await post_weekly_challenge(self.fake, self.guild, self.bot)
        self.fake.take_failures()
        self.new_log()

    async def stop(self) -> None:
        try:
            if hasattr(self, "bot"):  # not if start() failed before the bot was up
                await self.bot.stop()
        finally:
            if hasattr(self, "fake"):
                await self.fake.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self.loop.close()

    def format(self, text: str) -> str:
        """Fill ``{role}``/``{user}``/``{channel}``/``{command}`` with ids from this world."""
        guild = self.guild.guild
        commands = self.guild.registered_commands()
        return (
            text.replace("{role}", str(guild.everyone.id))
            .replace("{user}", str(guild.owner_id))
            .replace("{channel}", str(guild.channels[0].id))
            .replace("{command}", str(commands[0]["id"]) if commands else "1")
        )

    def _new_member(self, display: str, *, admin: bool = False) -> FakeMember:
        self._members += 1
        user = NamedUser(snowflake(), f"fuzz{self._members}", display)
        self.fake.users[user.id] = user
        member = FakeMember(user, self.guild.id, [self.admin_role] if admin else [])
        self.guild.guild.members.append(member)
        return member

    async def add_member(self, display: str, *, admin: bool) -> FakeMember:
        """A fresh member (no cooldown carries over), announced to the bot like Discord does."""
        member = self._new_member(display, admin=admin)
        payload = {**member.to_payload(), "guild_id": str(self.guild.id)}
        await self.fake.dispatch("GUILD_MEMBER_ADD", payload)
        return member

    def new_log(self) -> str:
        """What the bot logged since the last call."""
        out = []
        for path in (self.bot.stdout, self.bot.stderr):
            with path.open("rb") as handle:
                handle.seek(self._log_offsets.get(path, 0))
                data = handle.read()
            self._log_offsets[path] = self._log_offsets.get(path, 0) + len(data)
            out.append(data.decode("utf-8", errors="replace"))
        return "".join(out)

    async def attempt(
        self,
        path: str,
        values: Json,
        *,
        display: str,
        admin: bool,
        focused: str | None = None,
    ) -> list[str]:
        """Invoke (or autocomplete) once as a fresh member; the problems seen, if any."""
        self.examples += 1
        member = await self.add_member(display, admin=admin)
        sent_from = len(self.fake.sent)
        interactions_from = len(self.fake.interactions)
        problems: list[str] = []
        try:
            if focused is None:
                reply = await self.guild.invoke(path, as_user=member, **values)
                assert_answered(reply, path)
                if UNEXPECTED in reply.text:
                    problems.append(f"unexpected error: {reply.text[:300]!r}")
                # What the answer shows (hostile names and notes included) may have buttons:
                # the first one is pressed too, by the same member.
                buttons = [b for b in reply.buttons if "custom_id" in b and not b.get("disabled")]
                if buttons:
                    clicked = await reply.click(buttons[0]["custom_id"], as_user=member)
                    assert_answered(clicked, f"{path} -> {buttons[0]['custom_id']}")
                    if UNEXPECTED in clicked.text:
                        problems.append(f"unexpected error on a click: {clicked.text[:300]!r}")
            else:
                others = {k: v for k, v in values.items() if k != focused}
                choices = await self.guild.autocomplete(
                    path, option=focused, value=values[focused], as_user=member, **others
                )
                assert len(choices) <= 25, f"{len(choices)} choices"
        except AssertionError as error:
            problems.append(f"{type(error).__name__}: {error}")
        for record_id in list(self.fake.interactions)[interactions_from:]:
            latency = self.fake.answer_latency(record_id)
            if latency is not None and latency > 3.0:
                problems.append(f"interaction {record_id} answered after {latency:.2f}s")
        problems += [f"fake: {failure}" for failure in self.fake.take_failures()]
        problems += mention_problems(self.fake.sent[sent_from:])
        # The error handler logs before it answers, so an error is in the log by now; lines
        # written later still fail the module at teardown.
        log = self.new_log()
        bad_lines = [line for line in log.splitlines() if "Traceback" in line or " ERROR " in line]
        if bad_lines:
            problems.append("bot log: " + " | ".join(bad_lines[:5]) + "\n" + log[-3000:])
        if self.bot.process.returncode is not None:
            problems.append(f"the bot exited with {self.bot.process.returncode}")
        return problems


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One fake and one bot for the module (a fresh member per example avoids cooldowns)."""
    world = World()
    try:
        world.run(world.start(tmp_path_factory.mktemp("fuzz")), timeout=90)
        yield world
    finally:
        try:
            world.run(world.stop(), timeout=30)
        finally:
            world.close()
    output = world.bot.output() if hasattr(world, "bot") else ""
    assert "Traceback" not in output, output[-6000:]


# --------------------------------------------------------------------------- strategies


def fit(text: str, low: int, high: int) -> str:
    """``text`` cut or padded to a length Discord's client would send for the option."""
    return text[:high].ljust(low, "x")


def text_values(world: World, name: str, low: int, high: int) -> st.SearchStrategy[str]:
    """Strings of ``low``-``high`` characters, bad ones first."""
    hostile = st.sampled_from([world.format(h) for h in HOSTILE])
    pieces = st.one_of(hostile, st.text(ANY_CHAR, min_size=1, max_size=20))
    strategies = [
        hostile.map(lambda h: fit(h, low, high)),
        st.text(ANY_CHAR, min_size=low, max_size=min(high, 80)),
        # At the bounds: exactly the shortest and the longest the option allows.
        pieces.map(lambda p: fit(p, low, low) if low else ""),
        pieces.map(lambda p: fit(p * (high // len(p) + 1), high, high)),
        # Somewhere in between, long.
        st.tuples(pieces, st.integers(low, high)).map(lambda t: fit(t[0] * (t[1] + 1), low, t[1])),
    ]
    if name in PLAUSIBLE:
        strategies.append(st.sampled_from(PLAUSIBLE[name]).map(lambda p: fit(p, low, high)))
    formatted = well_formed(name)
    if formatted is not None:  # weighted: half of the values parse
        strategies += [formatted.map(lambda p: fit(p, low, high))] * len(strategies)
    return st.one_of(strategies)


def option_values(world: World, option: Json) -> st.SearchStrategy[Any]:
    kind = option["type"]
    if option.get("choices"):
        return st.sampled_from([choice["value"] for choice in option["choices"]])
    if kind == STRING:
        low = option.get("min_length", 0)
        high = option.get("max_length", STRING_LIMIT)
        return text_values(world, option["name"], low, high)
    if kind in {INTEGER, NUMBER}:
        low = option.get("min_value", -INTEGER_LIMIT)
        high = option.get("max_value", INTEGER_LIMIT)
        edges = st.sampled_from(sorted({low, high, min(low + 1, high), max(high - 1, low)}))
        if kind == INTEGER:
            return st.one_of(edges, st.integers(low, high))
        floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
        return st.one_of(edges.map(float), floats)
    if kind == BOOLEAN:
        return st.booleans()
    if kind in {USER, MENTIONABLE}:
        return st.sampled_from(world.targets)
    if kind == CHANNEL:
        return st.sampled_from(world.guild.guild.channels)
    if kind == ROLE:
        return st.sampled_from(world.guild.guild.roles)
    raise AssertionError(f"no strategy for option type {kind} ({option['name']})")


@st.composite
def invocation(draw: st.DrawFn, world: World, options: list[Json]) -> Json:
    """Values for the required options and a random subset of the others."""
    values: Json = {}
    for option in options:
        if option.get("required") or draw(st.booleans(), label=f"send {option['name']}"):
            values[option["name"]] = draw(option_values(world, option), label=option["name"])
    return values


def display_names(world: World) -> st.SearchStrategy[str]:
    hostile = st.sampled_from([world.format(h)[:32] or "x" for h in HOSTILE])
    return st.one_of(hostile, st.text(ANY_CHAR, min_size=1, max_size=32))


FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def fuzz_one(
    world: World, path: str, options: list[Json], focused: str | None, examples: int
) -> None:
    """Hypothesis over one command path (or one autocomplete option of it)."""
    top = world.guild.command(path.lstrip("/").split()[0])
    needs_admin = top.get("default_member_permissions") is not None

    @settings(FUZZ, max_examples=examples)
    @given(
        values=invocation(world, options),
        display=display_names(world),
        admin=st.just(True) if needs_admin else st.booleans(),
    )
    def check(values: Json, display: str, admin: bool) -> None:
        if focused is not None:
            values = {**values, focused: values.get(focused, "")}
        problems = world.run(
            world.attempt(path, values, display=display, admin=admin, focused=focused)
        )
        shown = {k: v if len(repr(v)) < 120 else f"{repr(v)[:120]}..." for k, v in values.items()}
        assert not problems, f"{path} {shown} as {display!r}:\n" + "\n".join(problems)

    check()


def fuzz_each(
    world: World, targets: Sequence[tuple[str, list[Json], str | None]], total: int
) -> None:
    """Run :func:`fuzz_one` over each ``(path, options, focused)``; report every path that broke."""
    per_path = max(MIN_PER_PATH, total // max(1, len(targets)))
    failures: list[str] = []
    for path, options, focused in targets:
        try:
            fuzz_one(world, path, options, focused, per_path)
        except AssertionError as error:
            where = f"{path} (autocomplete {focused})" if focused else path
            failures.append(f"{where}: {error}")
    assert not failures, "\n\n".join(failures)


# --------------------------------------------------------------------------- tests


def test_every_command_option_survives_bad_input(world: World) -> None:
    started, before = time.perf_counter(), world.examples
    targets = [
        (path, options, None)
        for command in world.guild.registered_commands()
        for path, options in leaf_commands(command)
    ]
    assert len(targets) >= 20, [t[0] for t in targets]
    fuzz_each(world, targets, COMMAND_EXAMPLES)
    print(  # shown with -s: how much was fuzzed
        f"fuzzed {len(targets)} command paths: {world.examples - before} invocations "
        f"in {time.perf_counter() - started:.1f}s"
    )


def test_every_autocomplete_survives_bad_input(world: World) -> None:
    started, before = time.perf_counter(), world.examples
    targets = [
        (path, options, option["name"])
        for command in world.guild.registered_commands()
        for path, options in leaf_commands(command)
        for option in options
        if option.get("autocomplete")
    ]
    assert targets, "no autocomplete option registered"
    fuzz_each(world, targets, AUTOCOMPLETE_EXAMPLES)
    print(
        f"fuzzed {len(targets)} autocomplete options: {world.examples - before} requests "
        f"in {time.perf_counter() - started:.1f}s"
    )


# --------------------------------------------------------------------------- bugs it found
# (fixed in 488fd56; kept as regression tests)


async def _schedule(guild: GuildHandle, moderator: FakeMember, season_start: str) -> Reply:
    return await guild.invoke(
        "/admin schedule",
        as_user=moderator,
        channel="challenges",
        weekday="Monday",
        time="09:00",
        timezone="UTC",
        season_start=season_start,
    )


@pytest.mark.parametrize("season_start", ["0001-01-01", "9999-12-31"])
async def test_admin_schedule_answers_a_season_start_at_the_ends_of_the_calendar(
    tmp_path: Path, season_start: str
) -> None:
    fake, guild, _ = new_world(0)
    moderator = guild.add_member("mod", admin=True)
    await fake.start()
    try:
        bot = await launch(fake, guild, tmp_path)
        try:
            saved = await _schedule(guild, moderator, season_start)
            assert UNEXPECTED not in saved.text, saved.text
            shown = await guild.invoke("/admin show", as_user=moderator)
            assert UNEXPECTED not in shown.text, shown.text
        finally:
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()[-3000:]
    finally:
        await fake.close()


@pytest.mark.bot_clock("2026-12-02 15:00:00")  # "due now" is the same on every day
@pytest.mark.parametrize(
    "first_guild_season",
    [
        pytest.param(date(2026, 1, 5), id="control"),
        pytest.param(date(1, 1, 1), id="0001-01-01"),
    ],
)
async def test_one_guild_with_a_broken_season_start_does_not_stop_the_others_posts(
    tmp_path: Path, first_guild_season: date
) -> None:
    """Guild A (lower id, armed first) has a stored season start; guild B is due now."""
    fake, guild_a, _ = new_world(0)
    guild_b = GuildHandle(fake, fake.add_guild("Second Study Group", ("general", "challenges")))
    at = datetime.now(UTC) - timedelta(minutes=2)  # the pinned clock: Wednesday 14:58
    database = tmp_path / "bot.sqlite3"
    # Saved an hour ago: guild B's post time came while the bot was down, so it is due now
    # (a schedule saved after its post time would not post that week on its own).
    async with await open_store(database, clock=lambda: at - timedelta(hours=1)) as store:
        await store.settings.save(
            GuildSchedule(
                guild_id=guild_a.id,
                channel_id=guild_a.channel("challenges").id,
                season_start=first_guild_season,
            )
        )
        await store.settings.save(
            GuildSchedule(
                guild_id=guild_b.id,
                channel_id=guild_b.channel("challenges").id,
                weekday=at.weekday(),
                post_time=at.time().replace(second=0, microsecond=0),
                season_start=at.date() - timedelta(days=7),
            )
        )
    await fake.start()
    try:
        bot = await launch(fake, guild_a, tmp_path)
        try:
            await fake.wait_until(
                lambda: any(done_button(m) for m in guild_b.messages("challenges")),
                within=8,  # on_ready (~2 s after GUILD_CREATE), then the catch-up post
                what="guild B's weekly post",
            )
        finally:
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()[-3000:]
    finally:
        await fake.close()
