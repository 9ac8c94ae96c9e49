"""post_weekly_challenge against real SQLite, real content, a scripted publisher, a fake clock."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import date, timedelta
from typing import Protocol

import pytest

from content.models import Catalog
from scheduler.jobs import (
    Outcome,
    PostOutcome,
    PostPolicy,
    automatic_week,
    post_weekly_challenge,
)
from scheduler.planning import IsoWeek
from scheduler.ports import MissingPermissions, TransientPublishError
from storage.models import PostState
from storage.store import Store
from tests.scheduler.doubles import (
    DAY,
    HOUR,
    MINUTE,
    Crash,
    FakeSleep,
    ScriptedPublisher,
    crashing_store,
    guild,
    utc,
)
from tests.scheduler.fakes import FakeClock

W48 = IsoWeek(2026, 48)
MONDAY_W48 = utc(2026, 11, 23, 9, 0)  # guild()'s post time in 2026-W48: challenge 1


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_W48)


@pytest.fixture
def publisher(clock: FakeClock) -> ScriptedPublisher:
    return ScriptedPublisher(clock)


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep()


class Post(Protocol):
    """The ``post`` fixture: :func:`post_weekly_challenge` with the fixtures' objects."""

    def __call__(
        self,
        *,
        guild_id: int = 1,
        week: IsoWeek | None = None,
        on_demand: bool = False,
        use_store: Store | None = None,
    ) -> Awaitable[PostOutcome]: ...


@pytest.fixture
def post(
    store: Store,
    catalog: Catalog,
    publisher: ScriptedPublisher,
    clock: FakeClock,
    sleep: FakeSleep,
) -> Post:
    """``await post(on_demand=..., week=..., store=...)`` with the fixtures' objects."""

    async def run(
        *,
        guild_id: int = 1,
        week: IsoWeek | None = None,
        on_demand: bool = False,
        use_store: Store | None = None,
    ) -> PostOutcome:
        return await post_weekly_challenge(
            use_store or store,
            catalog,
            publisher,
            clock,
            guild_id,
            week=week,
            on_demand=on_demand,
            policy=PostPolicy(retry_delays=(5.0, 30.0, 120.0), sleep=sleep),
        )

    return run


async def test_on_time_post_is_sent_once_with_the_challenge(
    post: Post, store: Store, publisher: ScriptedPublisher, catalog: Catalog
) -> None:
    first = await post()
    assert first.outcome is Outcome.SENT
    assert first.week == W48
    assert not first.late
    [sent] = publisher.sent
    assert sent.channel_id == 100
    assert sent.post.challenge_number == 1
    assert sent.post.challenge_id == catalog.challenges[0].id
    assert sent.post.title == catalog.challenges[0].title
    assert sent.post.marker == "2026-W48"
    headings = [section.heading for section in sent.post.sections]
    assert headings[0] == "Tasks"
    assert "Points" in headings
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.SENT
    assert record.message_id == first.message_id == sent.message_id

    again = await post()
    assert again.outcome is Outcome.ALREADY_SENT
    assert again.message_id == first.message_id
    assert len(publisher.sent) == 1


async def test_late_within_grace_is_sent_and_flagged(
    post: Post, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    clock.set(MONDAY_W48 + 3 * HOUR)
    outcome = await post()
    assert outcome.outcome is Outcome.SENT
    assert outcome.late
    assert publisher.sent[0].post.late


async def test_exactly_at_the_grace_boundary_is_still_sent(
    post: Post, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    clock.set(MONDAY_W48 + DAY)
    outcome = await post()
    assert outcome.outcome is Outcome.SENT
    assert outcome.late
    assert publisher.notices == []


async def test_past_the_grace_window_is_recorded_missed_and_reported_once(
    post: Post, clock: FakeClock, publisher: ScriptedPublisher, store: Store
) -> None:
    clock.set(MONDAY_W48 + DAY + timedelta(microseconds=1))
    outcome = await post()
    assert outcome.outcome is Outcome.MISSED
    assert publisher.sent == []
    [notice] = publisher.notices_for(1)
    assert "2026-W48" in notice
    assert "missed" in notice
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.MISSED
    # Asking again (another restart) neither sends nor nags.
    again = await post()
    assert again.outcome is Outcome.MISSED
    assert len(publisher.notices) == 1
    assert publisher.sent == []


async def test_crash_between_send_and_record_is_settled_by_finding_the_message(
    post: Post, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    with pytest.raises(Crash):
        await post(use_store=crashing_store(store, clock))
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.CLAIMED
    assert len(publisher.sent) == 1

    clock.advance(10 * MINUTE)  # "restart"
    outcome = await post()
    assert outcome.outcome is Outcome.SENT
    assert outcome.recovered
    assert outcome.message_id == publisher.sent[0].message_id
    assert len(publisher.sent) == 1
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.SENT


async def test_crash_before_the_send_resends_after_looking(
    post: Post, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    publisher.crash_before_send = True
    with pytest.raises(Crash):
        await post()
    clock.advance(MINUTE)
    outcome = await post()
    assert outcome.outcome is Outcome.SENT
    assert not outcome.recovered
    assert publisher.lookups == 1
    assert len(publisher.sent) == 1
    record = await store.posts.get(1, W48)
    assert record is not None
    assert (record.state, record.attempts) == (PostState.SENT, 2)


async def test_crash_then_downtime_past_grace_still_finds_the_sent_message(
    post: Post, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    with pytest.raises(Crash):
        await post(use_store=crashing_store(store, clock))
    clock.advance(3 * DAY)
    outcome = await post(week=W48)
    assert outcome.outcome is Outcome.SENT
    assert outcome.recovered
    assert publisher.notices == []


async def test_missing_channel_fails_at_once_and_says_what_to_do(
    post: Post, store: Store, publisher: ScriptedPublisher, sleep: FakeSleep
) -> None:
    publisher.missing_channels.add(100)
    outcome = await post()
    assert outcome.outcome is Outcome.FAILED
    assert publisher.attempts == 1
    assert sleep.delays == []
    [notice] = publisher.notices_for(1)
    assert "/admin schedule" in notice
    assert "<#100>" in notice
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.FAILED


async def test_missing_permission_names_the_permission(
    post: Post, publisher: ScriptedPublisher
) -> None:
    publisher.missing_permission[100] = "embed_links"
    outcome = await post()
    assert outcome.outcome is Outcome.FAILED
    assert publisher.attempts == 1
    [notice] = publisher.notices_for(1)
    assert "'Embed Links' permission" in notice


async def test_transient_errors_are_retried_with_backoff(
    post: Post, publisher: ScriptedPublisher, sleep: FakeSleep
) -> None:
    publisher.fail_next = [
        TransientPublishError("503"),
        TransientPublishError("rate limited", retry_after=60.0),
    ]
    outcome = await post()
    assert outcome.outcome is Outcome.SENT
    assert sleep.delays == [5.0, 60.0]  # Discord's retry_after wins when longer
    assert len(publisher.sent) == 1
    assert publisher.notices == []


async def test_transient_errors_give_up_mark_failed_and_report(
    post: Post, store: Store, publisher: ScriptedPublisher, sleep: FakeSleep
) -> None:
    publisher.fail_next = [TransientPublishError("503") for _ in range(4)]
    outcome = await post()
    assert outcome.outcome is Outcome.FAILED
    assert publisher.attempts == 4
    assert sleep.delays == [5.0, 30.0, 120.0]
    [notice] = publisher.notices_for(1)
    assert "4 attempts" in notice
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.FAILED


async def test_a_timed_out_send_that_went_through_is_not_sent_again(
    post: Post, publisher: ScriptedPublisher
) -> None:
    publisher.deliver_then_fail = [TransientPublishError("timeout")]
    outcome = await post()
    assert outcome.outcome is Outcome.SENT
    assert outcome.recovered
    assert len(publisher.sent) == 1


async def test_failed_posts_are_retried_automatically_a_bounded_number_of_times(
    post: Post, store: Store, publisher: ScriptedPublisher
) -> None:
    publisher.missing_permission[100] = "send_messages"
    for attempt in range(1, 4):
        outcome = await post()
        assert outcome.outcome is Outcome.FAILED
        record = await store.posts.get(1, W48)
        assert record is not None
        assert record.attempts == attempt
    assert len(publisher.notices) == 3
    # The cap is reached: automatic runs stop trying (and stop nagging) ...
    assert (await post()).outcome is Outcome.FAILED
    assert len(publisher.notices) == 3
    assert publisher.attempts == 3
    # ... until a moderator fixes it and asks.
    del publisher.missing_permission[100]
    outcome = await post(on_demand=True)
    assert outcome.outcome is Outcome.SENT
    assert len(publisher.sent) == 1


async def test_a_new_channel_after_a_missing_one_is_used(
    post: Post, store: Store, publisher: ScriptedPublisher
) -> None:
    publisher.missing_channels.add(100)
    assert (await post()).outcome is Outcome.FAILED
    await store.settings.save(guild(channel_id=200))
    outcome = await post()
    assert outcome.outcome is Outcome.SENT
    assert [sent.channel_id for sent in publisher.sent] == [200]


async def test_post_now_twice_posts_once(post: Post, publisher: ScriptedPublisher) -> None:
    first = await post(on_demand=True)
    second = await post(on_demand=True)
    assert first.outcome is Outcome.SENT
    assert second.outcome is Outcome.ALREADY_SENT
    assert second.message_id == first.message_id
    assert len(publisher.sent) == 1


async def test_post_now_before_the_post_time_then_the_timer_does_nothing(
    post: Post, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    clock.set(MONDAY_W48 - 8 * HOUR)  # Monday 01:00, the post is at 09:00
    assert (await post()).outcome is Outcome.NO_CHALLENGE  # automatic: nothing due yet
    assert (await post(on_demand=True)).outcome is Outcome.SENT
    clock.set(MONDAY_W48)
    assert (await post()).outcome is Outcome.ALREADY_SENT
    assert len(publisher.sent) == 1


async def test_automatic_run_for_a_future_week_is_not_due(
    post: Post, publisher: ScriptedPublisher
) -> None:
    outcome = await post(week=W48.next())
    assert outcome.outcome is Outcome.NOT_DUE
    assert publisher.sent == []


async def test_season_not_started_and_season_over(
    post: Post, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    await store.settings.save(guild(season_start=date(2026, 12, 7)))  # W50
    assert (await post()).outcome is Outcome.NO_CHALLENGE
    outcome = await post(on_demand=True)
    assert outcome.outcome is Outcome.NO_CHALLENGE
    assert outcome.reason is not None
    assert "2026-12-07" in outcome.reason

    await store.settings.save(guild(season_start=date(2026, 1, 5)))  # 46 weeks ago
    outcome = await post(on_demand=True)
    assert outcome.outcome is Outcome.NO_CHALLENGE
    assert outcome.reason is not None
    assert "over" in outcome.reason

    await store.settings.save(guild(season_start=None))
    assert (await post(on_demand=True)).outcome is Outcome.NO_CHALLENGE
    assert publisher.sent == []
    assert await store.posts.get(1, W48) is None


async def test_last_week_of_the_season_gets_challenge_15(
    post: Post, store: Store, clock: FakeClock, publisher: ScriptedPublisher, catalog: Catalog
) -> None:
    week = W48
    for _ in range(14):
        week = week.next()
    assert week == IsoWeek(2027, 9)  # 2026 has 53 ISO weeks
    clock.set(utc(2027, 3, 1, 9, 0))  # its Monday
    assert automatic_week(guild(), clock.now()) == week
    outcome = await post()
    assert outcome.outcome is Outcome.SENT
    assert publisher.sent[0].post.challenge_number == 15
    assert publisher.sent[0].post.challenge_id == catalog.challenges[-1].id
    clock.advance(7 * DAY)
    assert (await post()).outcome is Outcome.NO_CHALLENGE


async def test_paused_and_unconfigured_guilds(
    post: Post, store: Store, publisher: ScriptedPublisher
) -> None:
    await store.settings.save(guild(enabled=False))
    outcome = await post()
    assert outcome.outcome is Outcome.NOT_CONFIGURED
    assert outcome.reason is not None
    assert "resume" in outcome.reason
    # An explicit /admin post-now is a moderator's decision, even while paused.
    assert (await post(on_demand=True)).outcome is Outcome.SENT

    await store.settings.save(guild(2, channel_id=None))
    outcome = await post(guild_id=2, on_demand=True)
    assert outcome.outcome is Outcome.NOT_CONFIGURED
    assert (await post(guild_id=3)).outcome is Outcome.NOT_CONFIGURED
    assert len(publisher.sent) == 1


async def test_unreadable_channel_when_settling_does_not_risk_a_duplicate(
    post: Post, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    with pytest.raises(Crash):
        await post(use_store=crashing_store(store, clock))
    publisher.find_errors = [MissingPermissions("read_message_history", channel_id=100)]
    outcome = await post()
    assert outcome.outcome is Outcome.FAILED
    assert len(publisher.sent) == 1
    assert "Read Message History" in publisher.notices_for(1)[0]
    publisher.find_errors = [TransientPublishError("503")]
    assert (await post(on_demand=True)).outcome is Outcome.FAILED
    assert len(publisher.sent) == 1
    # Once the channel can be read, the message is found: still one post.
    outcome = await post(on_demand=True)
    assert outcome.outcome is Outcome.SENT
    assert outcome.recovered
    assert len(publisher.sent) == 1


async def test_every_outcome_is_one_structured_event_without_contents(
    post: Post, catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="scheduler"):
        await post()
        await post()
    events = [r for r in caplog.records if getattr(r, "event", None) == "weekly_post"]
    assert [(r.guild_id, r.week, r.outcome) for r in events] == [  # type: ignore[attr-defined]
        (1, "2026-W48", "sent"),
        (1, "2026-W48", "already_sent"),
    ]
    title = catalog.challenges[0].title
    task = catalog.challenges[0].tasks[0]
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        assert title not in text
        assert task not in text


async def _complete(store: Store, user_id: int, challenge_id: str, name: str) -> None:
    await store.progress.record_completion(1, user_id, challenge_id, points=10, display_name=name)


async def test_recap_of_last_week_counts_names_streaks_and_a_shout_out(
    post: Post, store: Store, clock: FakeClock, publisher: ScriptedPublisher, catalog: Catalog
) -> None:
    first, second = catalog.challenges[0].id, catalog.challenges[1].id
    assert (await post()).outcome is Outcome.SENT  # W48
    clock.advance(HOUR)
    await _complete(store, 11, first, "Ada")
    clock.advance(HOUR)
    await _complete(store, 12, first, "Grace")
    clock.set(MONDAY_W48 + 7 * DAY)
    assert (await post()).outcome is Outcome.SENT  # W49
    clock.advance(HOUR)
    await _complete(store, 12, second, "Grace")
    clock.advance(HOUR)
    await _complete(store, 11, second, "Ada")
    clock.set(MONDAY_W48 + 14 * DAY)
    assert (await post()).outcome is Outcome.SENT  # W50

    week_one_post, week_two_post, week_three_post = [sent.post for sent in publisher.sent]
    assert not any(s.heading.startswith("Last week") for s in week_one_post.sections)
    sections = {s.heading: s.text for s in week_three_post.sections}
    last_week = f"Last week ({catalog.challenges[1].title})"
    assert sections[last_week] == "2 members completed it."
    assert sections["Shout-out"].startswith("Grace was the first")
    assert sections["Longest streaks"] == "Grace: 2 weeks in a row\nAda: 2 weeks in a row"
    assert sections["Season leaders"].splitlines()[0] in (
        "1. Ada: 20 points",
        "1. Grace: 20 points",
    )
    assert week_two_post.challenge_number == 2
    assert week_three_post.challenge_number == 3


async def test_private_leaderboard_recap_gives_numbers_only(
    post: Post, store: Store, clock: FakeClock, publisher: ScriptedPublisher, catalog: Catalog
) -> None:
    await store.settings.save(guild(leaderboard_public=False))
    assert (await post()).outcome is Outcome.SENT
    await _complete(store, 11, catalog.challenges[0].id, "Ada")
    clock.set(MONDAY_W48 + 7 * DAY)
    assert (await post()).outcome is Outcome.SENT
    text = "\n".join(f"{s.heading}: {s.text}" for s in publisher.sent[1].post.sections)
    assert "1 member completed it." in text
    assert "Ada" not in text
    assert "<@11>" not in text


async def test_a_missing_channel_is_reported_once_however_often_the_bot_restarts(
    post: Post, store: Store, publisher: ScriptedPublisher
) -> None:
    publisher.missing_channels.add(100)
    for _ in range(6):  # e.g. six restarts in a row
        assert (await post()).outcome is Outcome.FAILED
    assert len(publisher.notices_for(1)) == 1
    assert publisher.attempts == 1  # sending there cannot work until it is readable again
    record = await store.posts.get(1, W48)
    assert record is not None
    assert (record.state, record.attempts) == (PostState.FAILED, 1)
