"""The ports: the real clock, the message the publisher gets, and the error family."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduler.planning import IsoWeek
from scheduler.ports import (
    ChallengePost,
    ChannelMissing,
    Clock,
    MissingPermissions,
    PostSection,
    PublishError,
    SystemClock,
    TransientPublishError,
    legacy_post_marker,
    post_marker,
)
from tests.scheduler.fakes import FakeClock, RecordingPublisher

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WEEK_48 = IsoWeek(2026, 48)


def make_post(guild_id: int = 42, week: IsoWeek = WEEK_48) -> ChallengePost:
    return ChallengePost(
        guild_id=guild_id,
        week=week,
        challenge_id="linear-regression-from-scratch",
        challenge_number=3,
        title="Linear regression from scratch",
        summary="Fit a line with NumPy only.",
        sections=(PostSection("Task", "Implement gradient descent."),),
    )


def test_system_clock_is_aware_utc() -> None:
    with time_machine.travel(datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))):
        now = SystemClock().now()
    assert now == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert now.tzinfo is UTC
    assert isinstance(SystemClock(), Clock)


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(MONDAY.astimezone(ZoneInfo("Asia/Kolkata")))
    assert clock.now() == MONDAY
    assert clock.now().tzinfo is UTC
    assert clock.advance(timedelta(hours=1)) == MONDAY + timedelta(hours=1)
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2026, 1, 1))  # noqa: DTZ001


def test_marker_names_the_week_and_the_legacy_footer_form_the_guild() -> None:
    post = make_post()
    assert post.marker == "2026-W48" == post_marker(IsoWeek(2026, 48))
    assert make_post(week=IsoWeek(2026, 49)).marker != post.marker
    assert legacy_post_marker(42, post.marker) == "mle-roadmap:42:2026-W48"


def test_errors_carry_what_a_moderator_needs() -> None:
    missing = MissingPermissions("embed_links", channel_id=7, guild_id=42)
    assert missing.permission == "embed_links"
    assert str(missing) == "the bot needs the 'embed_links' permission in channel 7"
    gone = ChannelMissing(7, guild_id=42)
    assert gone.channel_id == 7
    assert "channel 7" in str(gone)
    transient = TransientPublishError("503 from Discord", retry_after=2.5)
    assert transient.retry_after == 2.5
    for error in (missing, gone, transient):
        assert isinstance(error, PublishError)
    assert not isinstance(missing, TransientPublishError)


async def test_recording_publisher_posts_finds_and_fails_on_demand() -> None:
    clock = FakeClock(MONDAY)
    publisher = RecordingPublisher(clock, fail_next=[TransientPublishError("502")])
    post = make_post()

    with pytest.raises(TransientPublishError):
        await publisher.post_challenge(42, 7, post)
    assert await publisher.find_own_post(42, 7, post.marker, MONDAY - timedelta(hours=1)) is None

    clock.advance(timedelta(minutes=1))
    published = await publisher.post_challenge(42, 7, post)
    assert publisher.attempts == 2
    found = await publisher.find_own_post(42, 7, post.marker, MONDAY)
    assert found == published.message_id
    assert await publisher.find_own_post(42, 8, post.marker, MONDAY) is None
    assert await publisher.find_own_post(42, 7, post.marker, clock.now()) is None

    await publisher.notify_moderators(42, "I need the Embed Links permission in #challenges.")
    assert publisher.notices == [(42, "I need the Embed Links permission in #challenges.")]
