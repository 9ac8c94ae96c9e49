"""A study group's first week, on any day: what the season module and the scheduler do.

Issue 12: a moderator runs ``/admin schedule`` without a season start, then (maybe)
``/admin post-now``. On any weekday and hour, in any zone: post-now posts challenge 1 at once,
never labelled late; the next scheduled post carries challenge 2; without post-now the first
scheduled post carries challenge 1. Every reader (status, runner) agrees.

The clock is always set by the test (hypothesis draws "now"); nothing reads today's date.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from content.loader import load_catalog
from content.models import Catalog
from scheduler.jobs import Outcome
from scheduler.runner import ChallengeScheduler
from scheduler.season import (
    SEASON_RULE,
    SeasonState,
    WeekState,
    current_week,
    default_season_start,
    load_status,
    season_status,
)
from storage.models import GuildSchedule
from storage.store import Store, open_store
from tests.scheduler.doubles import FakeSleep, ScriptedPublisher, guild, utc
from tests.scheduler.fakes import FakeClock

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Kiritimati",
    "America/St_Johns",
)
CATALOG = load_catalog()

#: The instants issue 12 names: each weekday, around midnight UTC and local, the DST Sundays of
#: the US, the EU and Australia, the end of ISO week-53 year 2026, and 29 February.
FIXED_INSTANTS = (
    utc(2026, 11, 30, 12, 0),  # Monday
    utc(2026, 12, 1, 23, 30),  # Tuesday 23:30 UTC
    utc(2026, 12, 2, 15, 0),  # Wednesday afternoon
    utc(2026, 12, 3, 0, 30),  # Thursday 00:30 UTC
    utc(2026, 12, 4, 22, 30),  # Friday, 23:30 in Berlin
    utc(2026, 12, 5, 19, 0),  # Saturday evening
    utc(2026, 12, 6, 23, 30),  # Sunday 23:30 UTC, end of W49
    utc(2027, 1, 3, 23, 30),  # Sunday at the end of ISO week 2026-W53
    utc(2026, 12, 31, 23, 30),  # New Year's Eve inside W53
    utc(2026, 3, 8, 7, 0),  # US spring forward Sunday
    utc(2026, 3, 29, 1, 30),  # EU spring forward Sunday
    utc(2026, 10, 25, 0, 30),  # EU fall back Sunday
    utc(2026, 4, 4, 16, 30),  # Australian fall back Sunday (local 03:30)
    utc(2028, 2, 29, 12, 0),  # 29 February
)


def schedule_set_at(now: datetime, weekday: int, at: time, zone: str) -> GuildSchedule:
    """What ``/admin schedule`` saves at ``now`` with no season start."""
    settings = dataclasses.replace(
        guild(weekday=weekday, at=at, tz=zone, season_start=None), season_start=None
    )
    return dataclasses.replace(settings, season_start=default_season_start(settings, now))


async def scheduler_for(
    store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> ChallengeScheduler:
    scheduler = ChallengeScheduler(
        store,
        lambda: CATALOG,
        publisher,
        clock,
        retry_delays=(0.0,),
        sleep=FakeSleep(),
    )
    await scheduler.start()
    await scheduler.wait_idle()
    return scheduler


async def fire_at(scheduler: ChallengeScheduler, clock: FakeClock, when: datetime) -> None:
    clock.set(when)
    await scheduler.fire(1, when)
    await scheduler.wait_idle()


instants = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis draws naive, made UTC below
    max_value=datetime(2030, 12, 31),  # noqa: DTZ001
).map(lambda naive: naive.replace(tzinfo=UTC))
schedules = st.tuples(
    st.integers(0, 6),
    st.builds(time, st.integers(0, 23), st.sampled_from((0, 15, 30, 59))),
    st.sampled_from(ZONES),
)


@dataclasses.dataclass
class Day:
    """A guild that just ran ``/admin schedule`` with no season start, at ``clock.now()``."""

    store: Store
    scheduler: ChallengeScheduler
    clock: FakeClock
    publisher: ScriptedPublisher


@contextlib.asynccontextmanager
async def day_one(now: datetime, weekday: int, at: time, zone: str) -> AsyncIterator[Day]:
    clock = FakeClock(now)
    publisher = ScriptedPublisher(clock)
    with tempfile.TemporaryDirectory() as directory:
        store = await open_store(Path(directory) / "db.sqlite3", clock=clock.now)
        try:
            await store.settings.save(schedule_set_at(now, weekday, at, zone))
            scheduler = await scheduler_for(store, clock, publisher)
            yield Day(store, scheduler, clock, publisher)
            assert publisher.notices == []  # nothing in a first week is a problem
            await scheduler.stop()
        finally:
            await store.close()


async def _post_now_on_day_one(now: datetime, weekday: int, at: time, zone: str) -> None:
    async with day_one(now, weekday, at, zone) as day:
        store, scheduler, clock, publisher = day.store, day.scheduler, day.clock, day.publisher
        assert publisher.sent == []  # nothing goes out on its own at set-up
        before = await load_status(store, CATALOG, 1, now)
        assert before.state in (SeasonState.NOT_STARTED, SeasonState.RUNNING)
        assert before.weeks[0].post_at > now  # challenge 1 is still to come ...
        assert before.upcoming == before.weeks[0]
        assert before.schedule is not None
        assert before.weeks[0].week <= current_week(before.schedule, now).next()
        assert before.before_schedule == ()  # ... and nothing counts as "before"

        outcome = await scheduler.post_now(1)
        assert outcome.outcome is Outcome.SENT, outcome
        (first,) = publisher.sent
        assert first.post.challenge_number == 1
        assert not first.post.late
        assert first.post.week == current_week(before.schedule, now)

        after = await load_status(store, CATALOG, 1, now)
        assert after.state is SeasonState.RUNNING
        assert after.posted_this_week
        assert after.this_week is not None
        assert after.this_week.number == 1
        assert after.no_challenge_reason() is None
        upcoming = after.upcoming
        assert upcoming is not None
        assert upcoming.number == 2
        assert upcoming.week == first.post.week.next()
        assert upcoming.post_at > now

        # The runner agrees: whatever it armed, the next post that goes out is challenge 2,
        # at the status' time, on time.
        armed = scheduler.next_post_for(1)
        assert armed is not None
        if armed < upcoming.post_at:  # this week's own time: fires as "already sent"
            await fire_at(scheduler, clock, armed)
            assert len(publisher.sent) == 1
        await fire_at(scheduler, clock, upcoming.post_at)
        assert [s.post.challenge_number for s in publisher.sent] == [1, 2]
        assert not publisher.sent[1].post.late


async def _no_post_now(now: datetime, weekday: int, at: time, zone: str) -> None:
    async with day_one(now, weekday, at, zone) as day:
        status = await load_status(day.store, CATALOG, 1, now)
        first = status.weeks[0]
        assert day.scheduler.next_post_for(1) == first.post_at
        assert first.post_at - now <= timedelta(days=8)
        await fire_at(day.scheduler, day.clock, first.post_at)
        (sent,) = day.publisher.sent
        assert sent.post.challenge_number == 1  # nothing was skipped
        assert not sent.post.late


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(now=instants, schedule=schedules)
@example(now=FIXED_INSTANTS[2], schedule=(0, time(9, 0), "Europe/Berlin"))
async def test_post_now_starts_the_season_this_week_and_challenge_2_follows(
    now: datetime, schedule: tuple[int, time, str]
) -> None:
    await _post_now_on_day_one(now, *schedule)


@pytest.mark.parametrize("now", FIXED_INSTANTS, ids=lambda d: d.strftime("%a %Y-%m-%d %H:%M"))
@pytest.mark.parametrize(
    "schedule", [(0, time(9, 0), "Europe/Berlin"), (6, time(23, 30), "Australia/Sydney")]
)
async def test_first_week_at_the_issues_fixed_instants(
    now: datetime, schedule: tuple[int, time, str]
) -> None:
    await _post_now_on_day_one(now, *schedule)
    await _no_post_now(now, *schedule)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(now=instants, schedule=schedules)
async def test_without_post_now_the_first_scheduled_post_is_challenge_1(
    now: datetime, schedule: tuple[int, time, str]
) -> None:
    await _no_post_now(now, *schedule)


# --------------------------------------------------------------------------- pure status


def test_a_back_dated_start_says_which_weeks_were_before_the_schedule(catalog: Catalog) -> None:
    now = utc(2026, 12, 2, 15, 0)  # Wednesday of 2026-W49
    settings = dataclasses.replace(
        guild(season_start=date(2026, 11, 16)),  # Mondays 09:00 UTC from W47
        timing_changed_at=now,
    )
    status = season_status(catalog, settings, now)
    assert [p.state for p in status.weeks[:4]] == [
        WeekState.BEFORE_SCHEDULE,  # W47
        WeekState.BEFORE_SCHEDULE,  # W48
        WeekState.BEFORE_SCHEDULE,  # W49: this Monday, before Wednesday's set-up
        WeekState.AHEAD,
    ]
    assert status.before_schedule_note() == (
        "Weeks 1–3 passed before this server's schedule was set (not posted)."
    )
    reason = status.no_challenge_reason()
    assert reason is not None
    assert reason.startswith("This week's challenge 3 (**")
    assert "passed before the schedule was set" in reason
    assert "Next: challenge 4" in reason
    assert status.upcoming is not None
    assert status.upcoming.number == 4


def test_every_reason_is_exact(catalog: Catalog) -> None:
    now = utc(2026, 12, 2, 15, 0)
    assert "set up" in (season_status(catalog, None, now).no_challenge_reason() or "")
    later = season_status(catalog, guild(season_start=date(2027, 1, 4)), now)
    assert later.state is SeasonState.NOT_STARTED
    assert (later.no_challenge_reason() or "").startswith(
        "The season has not started: challenge 1 (**"
    )
    assert "2027-01-04 09:00 UTC" in (later.no_challenge_reason() or "")
    assert not later.can_start_now  # five weeks away: post-now does not jump the start
    soon = season_status(catalog, guild(season_start=date(2026, 12, 7)), now)
    assert soon.can_start_now
    assert "`/admin post-now`" in (soon.no_challenge_reason() or "")
    over = season_status(catalog, guild(season_start=date(2025, 1, 6)), now)
    assert over.state is SeasonState.OVER
    assert (over.no_challenge_reason() or "").startswith("The season is over")
    assert over.upcoming is None
    paused = season_status(catalog, guild(season_start=date(2026, 11, 23), enabled=False), now)
    assert "paused" in (paused.no_challenge_reason() or "")
    assert paused.upcoming is None
    assert "post time" in SEASON_RULE


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return CATALOG
