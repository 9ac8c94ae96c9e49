"""The weekly post as Discord receives it, and the persistent Mark done button."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.lag import LagMeter
from bot.services import Services
from bot.weekly import (
    DONE_TEMPLATE,
    MarkDoneButton,
    carries_marker,
    done_custom_id,
    record_done,
    render_weekly_post,
    services_of,
    time_to_defer,
)
from content.models import Catalog
from scheduler.digest import WeekRecap, build_post
from scheduler.planning import IsoWeek
from scheduler.ports import ChallengePost, PostSection
from scheduler.season import challenge_for_week
from storage.models import CompletionSource, GuildSchedule, LeaderboardRow
from storage.store import Store, open_store
from tests.bot.fakes import FakeInteraction
from tests.fakediscord.validation import assert_valid, validate_message_payload
from tests.storage.conftest import FakeClock

GUILD = 111_222_333_444_555_666
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 2026-W48
WEEK = IsoWeek(2026, 48)


def post(**changes: Any) -> ChallengePost:
    values: dict[str, Any] = {
        "guild_id": GUILD,
        "week": WEEK,
        "challenge_id": "python-foundations",
        "challenge_number": 1,
        "title": "Python foundations",
        "summary": "Get comfortable with Python, its data libraries and Git.",
        "sections": (
            PostSection("Tasks", "1. Set up Python\n2. Solve five exercises\n3. Push to GitHub"),
            PostSection("Points", "10"),
            PostSection("Last week", "7 members finished. Top: <@1>, Ada, Lin"),
        ),
    }
    values.update(changes)
    return ChallengePost(**values)


def message_body(embed: discord.Embed, view: discord.ui.View) -> dict[str, Any]:
    """What ``channel.send(embed=..., view=..., allowed_mentions=none)`` POSTs."""
    return {
        "embeds": [embed.to_dict()],
        "components": view.to_components(),
        "allowed_mentions": {"parse": []},
    }


def embed_size(embed: discord.Embed) -> int:
    return len(embed)


def assert_marked(weekly: ChallengePost, embed: discord.Embed, view: discord.ui.View) -> None:
    """The post's marker rides in the Mark done button, and nothing internal is shown."""
    (button,) = view.children
    assert isinstance(button, MarkDoneButton)
    assert button.custom_id == f"mlebot:done:{weekly.challenge_id}:{weekly.marker}"
    assert carries_marker(button.custom_id, weekly.marker)
    assert "mle-roadmap:" not in (embed.footer.text or "")


def test_weekly_post_is_valid_and_carries_the_marker_and_button() -> None:
    weekly = post()
    embed, view = render_weekly_post(weekly)
    assert_valid(validate_message_payload(message_body(embed, view)))
    assert embed.footer.text == "Challenge 1 · 2026-W48 · Press Mark done when finished"
    assert_marked(weekly, embed, view)
    assert embed.title == "Challenge 1: Python foundations"
    assert [f.name for f in embed.fields] == ["Tasks", "Points", "Last week"]
    assert view.timeout is None
    assert view.is_persistent()
    (button,) = view.children
    assert isinstance(button, MarkDoneButton)
    assert button.custom_id == "mlebot:done:python-foundations:2026-W48"
    assert button.item.label == "Mark done"
    assert not carries_marker(button.custom_id, "2026-W49")
    assert not carries_marker("mlebot:done:python-foundations", "2026-W48")


def test_late_post_says_so() -> None:
    embed, _ = render_weekly_post(post(late=True))
    assert "Posted late" in (embed.description or "")


def test_a_huge_post_stays_within_discords_limits_and_keeps_the_marker() -> None:
    sections = tuple(PostSection(f"Section {n} " + "h" * 300, "word " * 700) for n in range(40))
    weekly = post(title="T" * 400, summary="s " * 3000, sections=sections)
    embed, view = render_weekly_post(weekly)
    assert_valid(validate_message_payload(message_body(embed, view)))
    assert embed_size(embed) <= 6000
    assert len(embed.fields) <= 25
    assert embed.fields[-1].name == "More"  # the overflow is said, not silently dropped
    assert_marked(weekly, embed, view)


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=300),
    summary=st.text(max_size=5000),
    sections=st.lists(st.tuples(st.text(max_size=300), st.text(max_size=3000)), max_size=30),
)
def test_any_post_renders_to_a_valid_message(
    title: str, summary: str, sections: list[tuple[str, str]]
) -> None:
    weekly = post(
        title=title, summary=summary, sections=tuple(PostSection(h, t) for h, t in sections)
    )
    embed, view = render_weekly_post(weekly)
    assert_valid(validate_message_payload(message_body(embed, view)))
    assert embed_size(embed) <= 6000
    assert_marked(weekly, embed, view)


def test_custom_id_template_round_trips_every_bundled_challenge(catalog: Catalog) -> None:
    for challenge in catalog.challenges:
        custom_id = done_custom_id(challenge.id)
        assert len(custom_id) <= 100
        match = re.fullmatch(DONE_TEMPLATE, custom_id)
        assert match is not None
        assert match["challenge"] == challenge.id


def test_custom_id_refuses_what_discord_would_reject() -> None:
    with pytest.raises(ValueError, match="custom_id"):
        done_custom_id("x" * 100)
    with pytest.raises(ValueError, match="custom_id"):
        done_custom_id("Not A Slug")


async def test_from_custom_id_rebuilds_the_button_after_a_restart() -> None:
    match = MarkDoneButton.__discord_ui_compiled_template__.fullmatch("mlebot:done:math-for-ml")
    assert match is not None
    template = discord.ui.Button[discord.ui.View](custom_id="mlebot:done:math-for-ml")
    rebuilt = await MarkDoneButton.from_custom_id(None, template, match)  # type: ignore[arg-type]
    assert rebuilt.challenge_id == "math-for-ml"
    assert rebuilt.custom_id == "mlebot:done:math-for-ml"


def test_services_are_found_on_the_client_or_a_friendly_error(services: Services) -> None:
    class Client:
        pass

    client: Any = Client()
    with pytest.raises(UserFacingError, match="starting up"):
        services_of(client)
    client.services = services
    assert services_of(client) is services


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    # Completions are stamped by the store's clock: a fixed Wednesday, not today.
    async with await open_store(tmp_path / "bot.db", clock=FakeClock(WEDNESDAY)) as opened:
        yield opened


async def test_record_done_twice_says_already_and_changes_nothing(
    store: Store, catalog: Catalog
) -> None:
    kwargs: dict[str, Any] = {
        "guild_id": GUILD,
        "user_id": 42,
        "display_name": "Ada",
        "challenge_id": "python-foundations",
        "source": CompletionSource.BUTTON,
    }
    points = catalog.challenge("python-foundations").points
    first = await record_done(store, catalog, **kwargs)
    assert "Recorded **Python foundations**" in first
    assert f"+{points} points" in first
    again = await record_done(store, catalog, **{**kwargs, "source": CompletionSource.COMMAND})
    assert "already marked" in again
    summary = await store.progress.summary(GUILD, 42)
    assert summary is not None
    assert (summary.points, summary.completions) == (points, 1)


async def test_record_done_of_a_challenge_gone_from_content(store: Store, catalog: Catalog) -> None:
    with pytest.raises(UserFacingError, match="no longer part of the season"):
        await record_done(
            store,
            catalog,
            guild_id=GUILD,
            user_id=42,
            display_name=None,
            challenge_id="removed-challenge",
            source=CompletionSource.BUTTON,
        )


def test_every_bundled_challenge_with_a_full_recap_renders_valid(catalog: Catalog) -> None:
    schedule = GuildSchedule(
        guild_id=GUILD,
        channel_id=1,
        weekday=0,
        post_time=time(9),
        timezone="UTC",
        season_start=date(2026, 1, 5),
        leaderboard_public=True,
    )
    rows = tuple(
        LeaderboardRow(
            rank=n,
            user_id=10**17 + n,
            display_name=("Ꮇ" * 32 if n % 2 else None),
            points=100 - n,
            completions=5,
            current_streak=5 - n,
            best_streak=6,
            reached_at=datetime(2026, 3, 1, tzinfo=UTC),
        )
        for n in range(1, 4)
    )
    week = IsoWeek(2026, 2)
    for number in range(1, len(catalog.challenges) + 1):
        season = challenge_for_week(catalog, schedule, week)
        assert season is not None
        assert season.number == number
        recap = WeekRecap(week.previous(), "Previous " * 20, 250, rows, rows)
        weekly = build_post(catalog, schedule, season, recap, late=number % 2 == 0)
        embed, view = render_weekly_post(weekly)
        assert_valid(validate_message_payload(message_body(embed, view)))
        assert all(field.name != "More" for field in embed.fields)  # nothing had to be left out
        assert_marked(weekly, embed, view)
        week = week.next()


def test_a_long_section_continues_in_cont_fields_whole() -> None:
    """The digest passes sections whole; the renderer splits them, and nothing is lost."""
    text = "\n".join(f"{n}. " + "step " * 30 for n in range(1, 20))  # ~3,000 characters
    weekly = post(sections=(PostSection("Tasks", text),))
    embed, view = render_weekly_post(weekly)
    assert_valid(validate_message_payload(message_body(embed, view)))
    names = [field.name for field in embed.fields]
    assert names[0] == "Tasks"
    assert names[1:] == ["Tasks (cont.)"] * (len(names) - 1)
    assert len(names) >= 3
    shown = " ".join(field.value or "" for field in embed.fields)
    assert shown.split() == text.split()  # every word, in order (only cut whitespace goes)


@pytest.mark.parametrize(
    ("late", "wait"),
    [
        (-5.0, 2.0),  # earlier than any seen: the new "on time", never more than 2 s
        (0.0, 2.0),
        (0.5, 1.5),  # defers at 2 s of age, a second before Discord's limit
        (1.0, 1.0),
        (1.75, 0.25),
        (2.0, 0.0),  # at 2 s of age already: defer at once
        (2.5, 0.0),
    ],
)
@pytest.mark.parametrize("offset", [0.0, 30.0, -30.0])  # our clock against Discord's
def test_a_write_defers_sooner_the_later_its_handler_starts(
    late: float, wait: float, offset: float
) -> None:
    meter = LagMeter()
    on_time: Any = FakeInteraction(created_at=datetime.now(UTC) - timedelta(seconds=offset))
    assert time_to_defer(on_time, meter=meter) == pytest.approx(2.0, abs=0.1)
    created = datetime.now(UTC) - timedelta(seconds=late + offset)
    interaction: Any = FakeInteraction(created_at=created)
    assert time_to_defer(interaction, meter=meter) == pytest.approx(wait, abs=0.1)
