"""planning.py against the brute-force walk, every ISO week of 2024-2030, many zones.

For each zone: 7 weekdays x 8 local times (midnight, the 01:00-03:00 band where clocks change,
and 23:30) x every ISO week of 2024-2030 (365 weeks). For every post this checks:

* ``post_time_in_week`` equals the brute-force reference (``bruteforce.py``);
* chaining ``next_post_at`` from one post to the next, the way the runner re-arms its timer,
  yields exactly the reference posts: exactly one per ISO week, none skipped, none twice;
* ``next_post_at`` just before a post returns it, ``last_post_at_or_before`` at a post returns it
  and just before returns the previous one (the strict / inclusive boundaries);
* the post falls in its own ISO week on the local calendar, on the scheduled local weekday;
* consecutive posts are 7 days apart, give or take the zone's change of UTC offset;
* the local wall time is the scheduled one, except for a time inside a spring-forward gap,
  which posts after the gap, later by less than the gap.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.planning import (
    WeeklySchedule,
    last_post_at_or_before,
    next_post_at,
    post_time_in_week,
    week_of,
)
from tests.scheduler.bruteforce import WallClockWalk, iso_week_day, iso_weeks, walk_years

pytestmark = pytest.mark.slow  # brute force: every week of 14 years in 17 zones (~13 s)

FIRST_YEAR, LAST_YEAR = 2024, 2030
WEEKS = iso_weeks(FIRST_YEAR, LAST_YEAR)
TIMES = [time(0), time(0, 30), time(1), time(1, 30), time(2), time(2, 30), time(3), time(23, 30)]
TICK = timedelta(microseconds=1)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Zone:
    key: str
    why: str
    # Of the 7 x 8 x 365 slots checked, how many fall in a spring-forward gap / a repeated hour.
    # Pinned so that a change in tzdata or in the walk that stops exercising DST is noticed.
    gaps: int
    repeats: int
    # Sampling step of the walk: offsets and changes must fall on it (the walk checks).
    step: timedelta = timedelta(minutes=30)


ZONES = [
    Zone("Europe/Berlin", "EU rules, 02:00->03:00 and back", 14, 14),
    Zone("Europe/London", "EU rules at 01:00 UTC, 01:00->02:00", 14, 14),
    Zone("America/New_York", "US rules, fall-back 02:00->01:00", 14, 14),
    Zone("America/Sao_Paulo", "DST abolished in 2019: must stay plain -03:00", 0, 0),
    Zone("Australia/Sydney", "southern hemisphere", 14, 14),
    Zone("Australia/Lord_Howe", "30-minute DST shift", 7, 7),
    Zone("Asia/Kolkata", "+05:30, no DST", 0, 0),
    Zone("Asia/Kathmandu", "+05:45, no DST", 0, 0, timedelta(minutes=15)),
    Zone("America/St_Johns", "-03:30 with DST", 14, 14),
    Zone("Pacific/Auckland", "southern hemisphere, +13 in summer", 14, 14),
    Zone("Pacific/Chatham", "+12:45/+13:45", 7, 7, timedelta(minutes=15)),
    # Ramadan moves 11 days a year: 8 fall-backs (2030 has two) but 7 spring-forwards in range.
    Zone("Africa/Casablanca", "+01 suspended for Ramadan, 02:00<->03:00 local", 14, 16),
    Zone("Asia/Tehran", "DST abolished in 2022: must stay plain +03:30", 0, 0),
    Zone("UTC", "no offset at all", 0, 0),
]


@dataclass
class Tally:
    posts: int = 0
    gaps: int = 0
    repeats: int = 0
    offsets: set[timedelta] = field(default_factory=set)


def _first_mismatch(actual: list[datetime], expected: list[datetime]) -> str:
    for (year, week), got, want in zip(WEEKS, actual, expected, strict=True):
        if got != want:
            return f"{year}-W{week:02d}: got {got}, reference {want}"
    return "lengths differ"


def _check_schedule(schedule: WeeklySchedule, walk: WallClockWalk, tally: Tally) -> None:
    weekday, at, zone = schedule.weekday, schedule.local_time, schedule.zone
    expected = [walk.post(year, week, weekday, at) for year, week in WEEKS]

    actual = [post_time_in_week(schedule, year, week) for year, week in WEEKS]
    assert actual == expected, f"{schedule.describe()}: {_first_mismatch(actual, expected)}"

    chained, now = [], expected[0] - timedelta(days=1)
    for _ in WEEKS:  # the runner's loop: fire, then arm the timer for the next post
        now = next_post_at(schedule, now)
        chained.append(now)
    assert chained == expected, f"{schedule.describe()}: {_first_mismatch(chained, expected)}"

    for index, ((year, week), post) in enumerate(zip(WEEKS, expected, strict=True)):
        where = f"{schedule.describe()} {year}-W{week:02d} ({post})"
        assert next_post_at(schedule, post - TICK) == post, where
        assert last_post_at_or_before(schedule, post) == post, where
        if index:
            assert last_post_at_or_before(schedule, post - TICK) == expected[index - 1], where
            spacing = post - expected[index - 1]
            assert abs(spacing - WEEK) <= timedelta(hours=2), where
            same_offset = post.astimezone(zone).utcoffset() == (
                expected[index - 1].astimezone(zone).utcoffset()
            )
            if same_offset and spacing != WEEK:
                # Same offset but not 7 days: only a gap on one side may explain it.
                assert walk.skips(datetime.combine(iso_week_day(year, week, weekday), at)) or (
                    walk.skips(datetime.combine(iso_week_day(*WEEKS[index - 1], weekday), at))
                ), where

        assert week_of(schedule, post) == (year, week), where
        local = post.astimezone(zone)
        target = datetime.combine(iso_week_day(year, week, weekday), at)
        wall = local.replace(tzinfo=None)
        if wall == target:
            assert local.weekday() == weekday, where
            tally.repeats += walk.repeats(target)
        else:
            assert walk.skips(target), f"{where}: wall time {wall} but {target} exists"
            assert timedelta(0) < wall - target <= timedelta(hours=1), where
            tally.gaps += 1
        tally.posts += 1
        tally.offsets.add(local.utcoffset())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def tallies() -> dict[str, Tally]:
    return {}


@pytest.mark.parametrize("zone", ZONES, ids=[zone.key for zone in ZONES])
def test_every_week_matches_the_bruteforce_reference(zone: Zone, tallies: dict[str, Tally]) -> None:
    tz = ZoneInfo(zone.key)
    walk = walk_years(tz, FIRST_YEAR, LAST_YEAR, zone.step)
    tally = Tally()
    for weekday, at in itertools.product(range(7), TIMES):
        _check_schedule(WeeklySchedule(weekday, at, tz), walk, tally)
    tallies[zone.key] = tally
    assert tally.posts == 7 * len(TIMES) * len(WEEKS)
    assert (tally.gaps, tally.repeats) == (zone.gaps, zone.repeats), zone.why


def test_the_period_is_what_the_docstring_says() -> None:
    assert len(WEEKS) == 365  # 2024..2030 has 365 ISO weeks (2026 has a week 53)
    assert WEEKS[0] == (2024, 1)
    assert WEEKS[-1] == (2030, 52)
    assert (2026, 53) in WEEKS
