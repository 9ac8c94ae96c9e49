"""Generated cases beyond the fixed grid: any IANA zone, any minute, 1980-2037.

Half of the cases are aimed at an offset change of the drawn zone (a local time within two hours
of it, on the day it happens), because uniformly drawn times almost never land in a gap or a
repeated hour. Each case is checked against the brute-force walk at one-minute resolution.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scheduler.planning import (
    IsoWeek,
    WeeklySchedule,
    last_post_at_or_before,
    next_post_at,
    post_time_in_week,
    week_of,
)
from tests.scheduler.bruteforce import offset_changes, walk_around

pytestmark = pytest.mark.slow  # property test against a minute-by-minute walk (~4 s)

FIRST_YEAR, LAST_YEAR = 1980, 2037
ZONE_KEYS = sorted(zoneinfo.available_timezones() - {"localtime", "Factory", "posixrules"})
MINUTE = timedelta(minutes=1)


@cache
def _changes(key: str) -> list[datetime]:
    return offset_changes(ZoneInfo(key), FIRST_YEAR, LAST_YEAR)


@st.composite
def slots(draw: st.DrawFn) -> tuple[str, date, time]:
    """(zone key, local date, local time) of one weekly post."""
    key = draw(st.sampled_from(ZONE_KEYS))
    changes = _changes(key)
    aim_at_a_change = draw(st.booleans())
    if changes and aim_at_a_change:
        change = draw(st.sampled_from(changes))
        # Wall clock as it read just before the change, moved by up to two hours either way.
        before = (change - MINUTE).astimezone(ZoneInfo(key)).replace(tzinfo=None) + MINUTE
        wall = before + timedelta(minutes=draw(st.integers(-120, 120)))
        return key, wall.date(), wall.time().replace(second=0, microsecond=0)
    day = draw(st.dates(date(FIRST_YEAR, 1, 8), date(LAST_YEAR, 12, 20)))
    return key, day, time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))


def _reference(zone: ZoneInfo, day: date, at: time) -> datetime:
    walk = walk_around(zone, day, MINUTE)
    return walk.first_reaching(datetime.combine(day, at))


@settings(max_examples=150, deadline=None)
@given(slot=slots(), nudge=st.integers(-180, 180))
@example(slot=("Europe/Berlin", date(2026, 3, 29), time(2, 30)), nudge=0)
@example(slot=("America/New_York", date(2026, 11, 1), time(1, 30)), nudge=59)
@example(slot=("Pacific/Apia", date(2011, 12, 30), time(10, 0)), nudge=0)  # a skipped day
@example(slot=("Pacific/Kwajalein", date(1993, 8, 21), time(12, 0)), nudge=-1)  # also one
def test_any_zone_matches_the_minute_walk(slot: tuple[str, date, time], nudge: int) -> None:
    key, day, at = slot
    zone = ZoneInfo(key)
    schedule = WeeklySchedule(day.weekday(), at, zone)
    week = IsoWeek.of(day)

    # The drawn week and its neighbours, each against its own walk.
    weeks = [week.previous(), week, week.next()]
    expected = [_reference(zone, w.day(schedule.weekday), at) for w in weeks]
    assert [post_time_in_week(schedule, *w) for w in weeks] == expected
    assert expected[0] < expected[1] < expected[2]
    assert week_of(schedule, expected[1]) == week

    # A moment near this week's post: the next is strictly after it, the last at or before.
    now = expected[1] + timedelta(minutes=nudge)
    after = expected[2] if now >= expected[1] else expected[1]
    before = expected[1] if now >= expected[1] else expected[0]
    assert next_post_at(schedule, now) == after
    assert last_post_at_or_before(schedule, now) == before
