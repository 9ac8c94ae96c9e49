"""/admin: validation, autocomplete, corrections with audit, export, and the run-time check.

Pure helpers are tested directly; the command shells run with a recording stand-in for
``discord.Interaction`` (only what the commands touch) over a real SQLite store. Everything a
command sends is checked against Discord's spec and limits.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.utils import MISSING
from discord.webhook.async_ import interaction_message_response_params

from bot.cogs.admin import (
    AdminCog,
    challenge_choices,
    describe_outcome,
    describe_settings,
    export_csv,
    find_challenge,
    parse_schedule,
    parse_season_start,
    weekday_choices,
    zone_choices,
)
from bot.errors import SERVER_ONLY, NotFoundError, UserFacingError, user_message
from bot.services import Services
from content.loader import bundled_content_dir
from content.models import Catalog
from content.text import csv_cell
from scheduler.jobs import Outcome, PostOutcome
from scheduler.season import SEASON_RULE, season_status
from scheduler.zones import COMMON_ZONES
from storage.models import EXPORT_HEADER, ExportRow, GuildSchedule, IsoWeek, PostRecord, PostState
from storage.store import Store, open_store
from tests.fakediscord.validation import assert_valid, validate_interaction_callback
from tests.scheduler.fakes import RecordingPublisher
from tests.storage.conftest import FakeClock as StoreClock

GUILD = 700_000_000_000_000_001
CHANNEL = 700_000_000_000_000_002
MOD, ADA = 7001, 7002
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday, 2026-W48


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("weekday", "at", "zone", "message"),
    [
        ("Funday", "09:00", "UTC", "'Funday' is not a day of the week"),
        ("mon", "25:00", "UTC", "'25:00' is not a time of day; use the 24-hour HH:MM form"),
        ("mon", "9am", "UTC", "'9am' is not a time of day"),
        ("mon", "09:00", "Europe/Berln", "Did you mean Europe/Berlin"),
        ("mon", "09:00", "Mars/Olympus", "is not a known time zone"),
    ],
)
def test_bad_schedule_input_gets_the_planning_message(
    weekday: str, at: str, zone: str, message: str
) -> None:
    with pytest.raises(UserFacingError, match=message):
        parse_schedule(weekday, at, zone)


def test_good_schedule_input_is_normalised() -> None:
    planned = parse_schedule("tues", "7:05", "europe/berlin")
    assert (planned.weekday, planned.local_time, planned.zone.key) == (
        1,
        time(7, 5),
        "Europe/Berlin",
    )


def test_season_start_must_be_a_date() -> None:
    assert parse_season_start(" 2026-01-05 ") == date(2026, 1, 5)
    with pytest.raises(UserFacingError, match="use YYYY-MM-DD"):
        parse_season_start("05/01/2026")


# --------------------------------------------------------------------------- autocomplete


def assert_choices_valid(choices: list[app_commands.Choice[str]]) -> None:
    body = {
        "type": 8,
        "data": {"choices": [{"name": c.name, "value": c.value} for c in choices]},
    }
    assert_valid(validate_interaction_callback(body))
    assert len(choices) <= 25


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("", COMMON_ZONES[0]),
        ("berl", "Europe/Berlin"),
        ("new y", "America/New_York"),
        ("kolk", "Asia/Kolkata"),
        ("Europe/", "Europe/Amsterdam"),
    ],
)
def test_zone_autocomplete(typed: str, first: str) -> None:
    choices = zone_choices(typed)
    assert_choices_valid(choices)
    assert choices[0].value == first


def test_zone_autocomplete_of_nonsense_is_empty_and_long_input_is_fine() -> None:
    assert zone_choices("zzz-no-such-zone") == []
    assert_choices_valid(zone_choices("x" * 100))


def test_weekday_and_challenge_autocomplete(catalog: Catalog) -> None:
    assert [c.value for c in weekday_choices("tu")] == ["Tuesday"]
    assert len(weekday_choices("")) == 7
    assert len(weekday_choices("xyz")) == 7  # nothing matches: offer the whole week
    choices = challenge_choices(catalog, "math")
    assert_choices_valid(choices)
    assert choices[0].value == "math-for-ml"
    assert choices[0].name == "Week 3: Math for machine learning"
    assert_choices_valid(challenge_choices(catalog, ""))


def test_find_challenge_by_id_week_or_name(catalog: Catalog) -> None:
    assert find_challenge(catalog, "math-for-ml").week == 3
    assert find_challenge(catalog, "3").id == "math-for-ml"
    assert find_challenge(catalog, "math for machine learning").id == "math-for-ml"


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("mathh", ["3. Math for machine learning"]),
        ("math for ml", ["3. Math for machine learning"]),  # not "Apply for roles" for "for"
        ("python-foundation", ["1. Python foundations"]),
        ("no-such-challenge", []),
        ("docker", []),
    ],
)
def test_an_unknown_challenge_is_not_found_with_suggestions_for_the_moderator(
    catalog: Catalog, typed: str, suggested: list[str]
) -> None:
    with pytest.raises(NotFoundError) as raised:
        find_challenge(catalog, typed)
    assert list(raised.value.suggestions) == suggested
    message = raised.value.message
    assert message.startswith(f"No challenge matches “{typed}”.")
    assert "ask a moderator" not in message.lower()
    assert "no longer part of the season" not in message


def test_an_unknown_challenge_number_names_the_season_range(catalog: Catalog) -> None:
    season = len(catalog.challenges)
    with pytest.raises(
        UserFacingError, match=f"no challenge 99: the season has challenges 1 to {season}"
    ):
        find_challenge(catalog, "99")


# --------------------------------------------------------------------------- export, show


def test_export_csv_has_the_header_and_defuses_formulas() -> None:
    rows = [
        ExportRow(1, '=HYPERLINK("x")', "math-for-ml", "2026-W48", 15, "2026-11-25T12:00", "b", ""),
        ExportRow(2, "Lin, the 2nd", "math-for-ml", "", 15, "2026-11-25T12:01", "c", "+1 @all"),
    ]
    parsed = list(csv.reader(io.StringIO(export_csv(rows).decode("utf-8"))))
    assert tuple(parsed[0]) == EXPORT_HEADER
    assert parsed[1][1] == '\'=HYPERLINK("x")'
    assert parsed[2][1] == "Lin, the 2nd"
    assert parsed[2][7] == "'+1 @all"
    assert csv_cell(-3) == -3  # numbers are not text formulas


def test_describe_settings_says_when_and_which_challenge(catalog: Catalog) -> None:
    settings = GuildSchedule(
        guild_id=GUILD,
        channel_id=CHANNEL,
        weekday=0,
        post_time=time(9, 0),
        timezone="Europe/Berlin",
        season_start=date(2026, 11, 9),
    )
    next_at = datetime(2026, 11, 30, 8, tzinfo=UTC)  # Monday 09:00 Berlin, 2026-W49
    text = "\n".join(describe_settings(season_status(catalog, settings, NOW)))
    assert f"Monday 09:00 (Europe/Berlin) in <#{CHANNEL}>" in text
    assert "challenge 3 of" in text  # W46 gets challenge 1, so W48 (NOW) gets 3
    assert f"**Next post:** challenge 4 (**{catalog.challenges[3].name}**) " in text
    assert f"<t:{int(next_at.timestamp())}:F>" in text
    assert SEASON_RULE in text
    assert "moderators only" in text


def test_describe_settings_never_announces_a_week_already_posted(catalog: Catalog) -> None:
    settings = GuildSchedule(
        guild_id=GUILD,
        channel_id=CHANNEL,
        weekday=2,  # Wednesday 18:00: NOW (Wednesday 12:00 UTC) is before this week's time
        post_time=time(18, 0),
        timezone="UTC",
        season_start=date(2026, 11, 23),
    )
    this_week = datetime(2026, 11, 25, 18, tzinfo=UTC)
    posted_early = PostRecord(
        post_id=1,
        guild_id=GUILD,
        week=IsoWeek(2026, 48),
        challenge_id=catalog.challenges[0].id,
        channel_id=CHANNEL,
        state=PostState.SENT,
        scheduled_for=this_week,
        claimed_at=NOW,
        attempts=1,
        message_id=5,
        posted_at=NOW,
        error=None,
    )
    before = "\n".join(describe_settings(season_status(catalog, settings, NOW)))
    assert f"<t:{int(this_week.timestamp())}:F>" in before
    after = "\n".join(describe_settings(season_status(catalog, settings, NOW, [posted_early])))
    assert f"<t:{int(this_week.timestamp())}:F>" not in after
    assert f"<t:{int((this_week + timedelta(days=7)).timestamp())}:F>" in after
    assert "challenge 1 of" in after
    assert "(posted)" in after


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_post_now_outcome_reads_well(outcome: Outcome) -> None:
    text = describe_outcome(
        PostOutcome(outcome, GUILD, message_id=5, reason="no <@&123456789012345678> role")
    )
    assert not text.startswith("Result:")
    assert "<@&123456789012345678>" not in text  # a reason is echoed safely
    body = {"type": 4, "data": {"content": text, "flags": 64, "allowed_mentions": {"parse": []}}}
    assert_valid(validate_interaction_callback(body))


# --------------------------------------------------------------------------- command shells


@dataclass
class StubUser:
    id: int
    display_name: str
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Sent:
    content: str | None
    embeds: list[discord.Embed]
    file: discord.File | None
    ephemeral: bool


@dataclass
class StubResponse:
    sent: list[Sent]
    deferred: bool = False

    def is_done(self) -> bool:
        return self.deferred or bool(self.sent)

    async def send_message(
        self,
        content: str | None = None,
        *,
        embed: discord.Embed | None = None,
        file: discord.File | None = None,
        ephemeral: bool = False,
        **_: Any,
    ) -> None:
        assert not self.is_done(), "answered twice"
        self.sent.append(Sent(content, [embed] if embed else [], file, ephemeral))

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        assert ephemeral
        assert thinking
        self.deferred = True


@dataclass
class StubFollowup:
    sent: list[Sent]

    async def send(self, content: str | None = None, *, ephemeral: bool = False) -> None:
        self.sent.append(Sent(content, [], None, ephemeral))


@dataclass
class StubInteraction:
    """What the /admin commands read from a ``discord.Interaction``, recording replies."""

    user: StubUser
    permissions: discord.Permissions
    guild_id: int | None = GUILD
    guild: None = None
    sent: list[Sent] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.response = StubResponse(self.sent)
        self.followup = StubFollowup(self.sent)


def moderator() -> Any:
    return StubInteraction(StubUser(MOD, "Mod"), discord.Permissions(manage_guild=True))


def the_reply(interaction: Any) -> Sent:
    sent: Sent
    (sent,) = interaction.sent
    assert sent.ephemeral
    params = interaction_message_response_params(
        type=4,
        content=sent.content,
        embeds=sent.embeds,
        files=[sent.file] if sent.file else MISSING,
        flags=discord.MessageFlags(ephemeral=True),
        previous_allowed_mentions=discord.AllowedMentions.none(),
        allowed_mentions=MISSING,
    )
    payload = params.payload
    if payload is None:  # with a file: multipart, the JSON travels as "payload_json"
        assert params.multipart is not None
        payload = json.loads(params.multipart[0]["value"])
    assert_valid(validate_interaction_callback(payload))
    return sent


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    # Rows are stamped by the store's clock: the same instant the cog reads (NOW, ticking).
    async with await open_store(tmp_path / "bot.db", clock=StoreClock(NOW)) as opened:
        yield opened


@pytest.fixture
def cog(services: Services) -> AdminCog:
    return AdminCog(services)


async def run(command: Any, cog: AdminCog, interaction: Any, *args: Any, **kwargs: Any) -> Sent:
    await command.callback(cog, interaction, *args, **kwargs)
    return the_reply(interaction)


async def test_admin_is_checked_again_at_run_time(cog: AdminCog) -> None:
    member = StubInteraction(StubUser(ADA, "Ada"), discord.Permissions.none())
    with pytest.raises(app_commands.MissingPermissions):
        await cog.interaction_check(member)  # type: ignore[arg-type]
    assert await cog.interaction_check(moderator())


async def test_schedule_saves_defaults_the_season_and_is_audited(
    cog: AdminCog, store: Store
) -> None:
    channel = discord.Object(CHANNEL)
    interaction = moderator()
    sent = await run(AdminCog.schedule, cog, interaction, channel, "wed", "18:30", "asia/kolkata")
    saved = await store.settings.get(GUILD)
    assert saved == GuildSchedule(
        guild_id=GUILD,
        channel_id=CHANNEL,
        weekday=2,
        post_time=time(18, 30),
        timezone="Asia/Kolkata",
        season_start=date(2026, 11, 25),  # no start given: the season starts this week
    )
    assert sent.content is not None
    assert sent.content.startswith("Saved.")
    assert "challenge 1 of" in sent.content
    (entry,) = await store.audit.recent(GUILD)
    assert (entry.action, entry.actor_id) == ("settings", MOD)
    await run(AdminCog.schedule, cog, moderator(), channel, "Monday", "09:00", "UTC")
    again = await store.settings.get(GUILD)
    assert again is not None
    assert again.season_start == date(2026, 11, 25)  # kept, not reset
    with pytest.raises(UserFacingError, match="not a day of the week"):
        await AdminCog.schedule.callback(cog, moderator(), channel, "Blursday", "09:00", "UTC")  # type: ignore[arg-type]


async def test_pause_resume_visibility_and_show(cog: AdminCog, store: Store) -> None:
    with pytest.raises(UserFacingError, match="start with `/admin schedule`"):
        await AdminCog.show.callback(cog, moderator())  # type: ignore[arg-type, call-arg]
    await run(AdminCog.schedule, cog, moderator(), discord.Object(CHANNEL), "mon", "9:00", "UTC")
    assert "Paused" in (await run(AdminCog.pause, cog, moderator())).content  # type: ignore[operator]
    assert "Already paused" in (await run(AdminCog.pause, cog, moderator())).content  # type: ignore[operator]
    shown = await run(AdminCog.show, cog, moderator())
    assert "paused" in (shown.content or "")
    resumed = await run(AdminCog.resume, cog, moderator())
    assert (resumed.content or "").startswith("Resumed. Next post: <t:")
    public = app_commands.Choice(name="public", value="public")
    await run(AdminCog.leaderboard_visibility, cog, moderator(), public)
    settings = await store.settings.get(GUILD)
    assert settings is not None
    assert settings.enabled
    assert settings.leaderboard_public


async def test_mark_and_unmark_are_audited_and_idempotent(
    cog: AdminCog, store: Store, catalog: Catalog
) -> None:
    ada = StubUser(ADA, "Ada")
    marked = await run(AdminCog.mark, cog, moderator(), ada, "math-for-ml", "did it offline")
    points = catalog.challenge("math-for-ml").points
    assert f"Marked **Math for machine learning** done for <@7002> (+{points} points)" in (
        marked.content or ""
    )
    again = await run(AdminCog.mark, cog, moderator(), ada, "3")
    assert "already has" in (again.content or "")
    removed = await run(AdminCog.unmark, cog, moderator(), ada, "math-for-ml", "wrong person")
    assert "Removed <@7002>'s completion" in (removed.content or "")
    nothing = await run(AdminCog.unmark, cog, moderator(), ada, "math-for-ml")
    assert "nothing changed" in (nothing.content or "")
    entries = await store.audit.recent(GUILD)
    assert [(e.action, e.actor_id, e.target_user_id, e.detail) for e in entries] == [
        ("unmark", MOD, ADA, "wrong person"),
        ("mark", MOD, ADA, "did it offline"),
    ]
    with pytest.raises(UserFacingError, match="Bots do not take part"):
        await AdminCog.mark.callback(cog, moderator(), StubUser(9, "bot", bot=True), "3")  # type: ignore[arg-type]


async def test_mark_and_unmark_store_notes_cleaned_like_challenge_done(
    cog: AdminCog, store: Store
) -> None:
    """Notes and reasons are trimmed and lose control characters, as ``/challenge done``'s."""
    ada = StubUser(ADA, "Ada")
    await run(AdminCog.mark, cog, moderator(), ada, "math-for-ml", "  did it\n\toffline\x00  ")
    await run(AdminCog.unmark, cog, moderator(), ada, "math-for-ml", " wrong\r\nperson ")
    await run(AdminCog.mark, cog, moderator(), ada, "math-for-ml", " \n ")
    entries = await store.audit.recent(GUILD)
    assert [(e.action, e.detail) for e in entries] == [
        ("mark", None),
        ("unmark", "wrong person"),
        ("mark", "did it offline"),
    ]


async def test_mark_and_unmark_of_an_unknown_challenge_say_not_found_and_change_nothing(
    cog: AdminCog, store: Store
) -> None:
    ada = StubUser(ADA, "Ada")
    for command in (AdminCog.mark, AdminCog.unmark):
        with pytest.raises(NotFoundError, match=re.escape("Did you mean: **3. Math for machine")):
            await command.callback(cog, moderator(), ada, "mathh")  # type: ignore[arg-type]
    assert await store.progress.summary(GUILD, ADA) is None
    assert await store.audit.recent(GUILD) == []


async def test_export_attaches_the_seasons_csv(cog: AdminCog, catalog: Catalog) -> None:
    await run(AdminCog.mark, cog, moderator(), StubUser(ADA, "=cmd|Ada"), "python-foundations")
    sent = await run(AdminCog.export, cog, moderator())
    assert sent.file is not None
    assert sent.file.filename == "mlebot-season-20261125.csv"
    rows = list(csv.reader(io.StringIO(sent.file.fp.read().decode("utf-8"))))
    assert tuple(rows[0]) == EXPORT_HEADER
    points = str(catalog.challenge("python-foundations").points)
    assert rows[1][:5] == [str(ADA), "'=cmd|Ada", "python-foundations", "", points]
    assert rows[1][6] == "moderator"
    week = app_commands.Choice(name="week", value="week")
    empty = await run(AdminCog.export, cog, moderator(), week)
    assert (empty.content or "").startswith("0 completions")
    del catalog


async def test_settings_rearm_the_scheduler_and_post_now_defers(
    cog: AdminCog, services: Services
) -> None:
    scheduler = services.scheduler  # never started: it arms, but no timer runs
    monday = datetime(2026, 11, 30, 9, tzinfo=UTC)
    saved = await run(
        AdminCog.schedule, cog, moderator(), discord.Object(CHANNEL), "mon", "9:00", "UTC"
    )
    assert scheduler.next_post_for(GUILD) == monday
    # Set up on Wednesday 2026-11-25 (NOW) with no season start: challenge 1 comes next
    # Monday 09:00 UTC (the season module's answer, not whatever the scheduler armed).
    assert "**Next post:** challenge 1 (**Python foundations**) <t:1796029200:F>" in (
        saved.content or ""
    )
    await run(AdminCog.pause, cog, moderator())
    assert scheduler.next_post_for(GUILD) is None
    await run(AdminCog.resume, cog, moderator())
    assert scheduler.next_post_for(GUILD) == monday
    interaction = moderator()
    posted = await run(AdminCog.post_now, cog, interaction)
    assert interaction.response.deferred
    # In the week before the season, post-now starts it: challenge 1 goes out now, once.
    assert (posted.content or "").startswith("The season starts this week (season start: 2026-")
    assert "✅ Posted this week's challenge." in (posted.content or "")
    publisher = services.publisher
    assert isinstance(publisher, RecordingPublisher)
    assert [sent.post.challenge_number for sent in publisher.sent] == [1]
    assert scheduler.next_post_for(GUILD) == monday
    shown = await run(AdminCog.show, cog, moderator())
    assert "**Next post:** challenge 2 (**Efficient code and SQL**) <t:1796029200:F>" in (
        shown.content or ""
    )
    again = await run(AdminCog.post_now, cog, moderator())
    assert (again.content or "").startswith("This week's challenge is already posted")
    assert len(publisher.sent) == 1


async def test_reload_content_reports_and_swaps(services: Services, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), content)
    settings = services.settings.model_copy(update={"content_dir": content})
    cog = AdminCog(dataclasses.replace(services, settings=settings))
    unchanged = await run(AdminCog.reload_content_command, cog, moderator())
    assert unchanged.content == "Content reloaded: no changes."

    before = services.catalog
    (content / "tools.yaml").write_text("tools: [{id: 1}]\n", encoding="utf-8")
    refused = await run(AdminCog.reload_content_command, cog, moderator())
    assert (refused.content or "").startswith("Content NOT reloaded (")
    assert "tools.yaml:1:" in (refused.content or "")
    assert services.catalog is before


@pytest.mark.parametrize("text", ["0001-01-01", "1999-12-31", "2200-01-01", "9999-12-31"])
def test_season_start_far_from_now_is_refused_kindly(text: str) -> None:
    with pytest.raises(UserFacingError, match=r"A season must start between 2000-01-01 and 2199"):
        parse_season_start(text)


async def test_admin_in_a_dm_fails_its_check_and_is_answered_server_only(cog: AdminCog) -> None:
    dm = StubInteraction(StubUser(MOD, "Mod"), discord.Permissions.none(), guild_id=None)
    with pytest.raises(app_commands.CheckFailure) as raised:
        await cog.interaction_check(dm)  # type: ignore[arg-type]
    assert user_message(raised.value, in_server=False) == SERVER_ONLY
