"""Daylight-saving weeks spelled out by hand, so the rules read as examples.

2026 transitions used below:
Europe/Berlin     Sun 29 Mar 02:00 CET -> 03:00 CEST;   Sun 25 Oct 03:00 CEST -> 02:00 CET
America/New_York  Sun  8 Mar 02:00 EST -> 03:00 EDT;    Sun  1 Nov 02:00 EDT -> 01:00 EST
Australia/Sydney  Sun  5 Apr 03:00 AEDT -> 02:00 AEST;  Sun  4 Oct 02:00 AEST -> 03:00 AEDT
Australia/Lord_Howe Sun 4 Oct 02:00 +10:30 -> 02:30 +11 (a 30-minute gap)
America/St_Johns  Sun  8 Mar 02:00 -03:30 -> 03:00 -02:30
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.planning import (
    IsoWeek,
    WeeklySchedule,
    last_post_at_or_before,
    next_post_at,
    post_time_in_week,
    week_of,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SUNDAY, MONDAY = 6, 0


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- Europe/Berlin ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected_utc", "expected_wall"),
    [
        (time(1, 30), utc(2026, 3, 29, 0, 30), time(1, 30)),  # before the gap: CET
        (time(2, 0), utc(2026, 3, 29, 1, 0), time(3, 0)),  # gap: 02:00 -> 03:00 CEST
        (time(2, 30), utc(2026, 3, 29, 1, 30), time(3, 30)),  # gap: 02:30 -> 03:30 CEST
        (time(3, 0), utc(2026, 3, 29, 1, 0), time(3, 0)),  # first instant after the gap
        (time(9, 0), utc(2026, 3, 29, 7, 0), time(9, 0)),  # CEST
    ],
)
def test_berlin_spring_forward_sunday(
    at: time, expected_utc: datetime, expected_wall: time
) -> None:
    schedule = WeeklySchedule(SUNDAY, at, BERLIN)
    post = post_time_in_week(schedule, 2026, 13)
    assert post == expected_utc
    assert post.astimezone(BERLIN).time() == expected_wall
    assert week_of(schedule, post) == IsoWeek(2026, 13)
    # Arming the timer on the Monday before finds this post; after it comes next Sunday.
    assert next_post_at(schedule, utc(2026, 3, 23, 0, 0)) == post
    assert next_post_at(schedule, post).astimezone(BERLIN).date().isoformat() == "2026-04-05"


@pytest.mark.parametrize(
    ("at", "first", "second"),
    [
        (time(2, 0), utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 1, 0)),
        (time(2, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
    ],
)
def test_berlin_fall_back_posts_once_at_the_first_occurrence(
    at: time, first: datetime, second: datetime
) -> None:
    schedule = WeeklySchedule(SUNDAY, at, BERLIN)
    assert first.astimezone(BERLIN).time() == second.astimezone(BERLIN).time() == at
    assert post_time_in_week(schedule, 2026, 43) == first
    # Neither just before the second occurrence nor at it is there another post this week.
    assert next_post_at(schedule, first) == utc(2026, 11, 1, at.hour - 1, at.minute)
    assert next_post_at(schedule, second - timedelta(minutes=1)) == next_post_at(schedule, first)
    assert last_post_at_or_before(schedule, second) == first


def test_berlin_monday_midnight_after_spring_forward_is_not_skipped() -> None:
    # The week APScheduler 3.11's CronTrigger skips (see test_crontrigger_defect.py).
    schedule = WeeklySchedule(MONDAY, time(0, 0), BERLIN)
    before = utc(2026, 3, 22, 23, 0)  # Mon 23 Mar 00:00 CET
    after = utc(2026, 3, 29, 22, 0)  # Mon 30 Mar 00:00 CEST
    assert next_post_at(schedule, before) == after
    assert after - before == timedelta(days=7, hours=-1)
    assert week_of(schedule, after) == IsoWeek(2026, 14)  # UTC says Sunday, Berlin says Monday


# --- America/New_York ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected_utc", "expected_wall"),
    [
        (time(1, 30), utc(2026, 3, 8, 6, 30), time(1, 30)),  # EST
        (time(2, 0), utc(2026, 3, 8, 7, 0), time(3, 0)),  # gap
        (time(2, 30), utc(2026, 3, 8, 7, 30), time(3, 30)),  # gap
        (time(3, 0), utc(2026, 3, 8, 7, 0), time(3, 0)),  # EDT
    ],
)
def test_new_york_spring_forward(at: time, expected_utc: datetime, expected_wall: time) -> None:
    post = post_time_in_week(WeeklySchedule(SUNDAY, at, NEW_YORK), 2026, 10)
    assert post == expected_utc
    assert post.astimezone(NEW_YORK).time() == expected_wall


@pytest.mark.parametrize(
    ("at", "expected_utc"),
    [
        (time(0, 30), utc(2026, 11, 1, 4, 30)),  # EDT, before the repeat
        (time(1, 0), utc(2026, 11, 1, 5, 0)),  # 01:00 EDT, not 01:00 EST (06:00 UTC)
        (time(1, 30), utc(2026, 11, 1, 5, 30)),  # 01:30 EDT, not 01:30 EST (06:30 UTC)
        (time(2, 0), utc(2026, 11, 1, 7, 0)),  # EST
    ],
)
def test_new_york_fall_back(at: time, expected_utc: datetime) -> None:
    schedule = WeeklySchedule(SUNDAY, at, NEW_YORK)
    assert post_time_in_week(schedule, 2026, 44) == expected_utc
    assert next_post_at(schedule, utc(2026, 10, 31, 12, 0)) == expected_utc
    following = next_post_at(schedule, expected_utc).astimezone(NEW_YORK)
    assert following.replace(tzinfo=None) == datetime.combine(date(2026, 11, 8), at)


def test_new_york_weekday_post_keeps_local_time_across_both_changes() -> None:
    schedule = WeeklySchedule(2, time(18, 0), NEW_YORK)  # Wednesdays 18:00
    assert post_time_in_week(schedule, 2026, 10) == utc(2026, 3, 4, 23, 0)  # EST
    assert post_time_in_week(schedule, 2026, 11) == utc(2026, 3, 11, 22, 0)  # EDT
    assert post_time_in_week(schedule, 2026, 44) == utc(2026, 10, 28, 22, 0)  # EDT
    assert post_time_in_week(schedule, 2026, 45) == utc(2026, 11, 4, 23, 0)  # EST


# --- Southern hemisphere and fractional offsets -------------------------------------------


def test_sydney_springs_forward_in_october() -> None:
    schedule = WeeklySchedule(SUNDAY, time(2, 30), ZoneInfo("Australia/Sydney"))
    post = post_time_in_week(schedule, 2026, 40)
    assert post == utc(2026, 10, 3, 16, 30)  # 02:30 AEST would be 16:30 UTC; reads 03:30 AEDT
    assert post.astimezone(schedule.zone).time() == time(3, 30)


def test_lord_howe_thirty_minute_gap() -> None:
    zone = ZoneInfo("Australia/Lord_Howe")
    schedule = WeeklySchedule(SUNDAY, time(2, 0), zone)
    post = post_time_in_week(schedule, 2026, 40)
    assert post == utc(2026, 10, 3, 15, 30)
    assert post.astimezone(zone).time() == time(2, 30)
    assert post.astimezone(zone).utcoffset() == timedelta(hours=11)


def test_st_johns_half_hour_offset_with_dst() -> None:
    zone = ZoneInfo("America/St_Johns")
    post = post_time_in_week(WeeklySchedule(SUNDAY, time(2, 30), zone), 2026, 10)
    assert post == utc(2026, 3, 8, 6, 0)  # 02:30 at -03:30 = 06:00 UTC, reads 03:30 NDT
    assert post.astimezone(zone).time() == time(3, 30)


@pytest.mark.parametrize(
    ("key", "expected_utc"),
    [
        ("Asia/Kolkata", utc(2026, 11, 22, 18, 30)),  # +05:30
        ("Asia/Kathmandu", utc(2026, 11, 22, 18, 15)),  # +05:45
        ("Pacific/Chatham", utc(2026, 11, 22, 10, 15)),  # +13:45 in (southern) summer
    ],
)
def test_fractional_offsets_monday_midnight_is_sunday_in_utc(
    key: str, expected_utc: datetime
) -> None:
    schedule = WeeklySchedule(MONDAY, time(0, 0), ZoneInfo(key))
    post = post_time_in_week(schedule, 2026, 48)
    assert post == expected_utc
    assert post.weekday() == SUNDAY  # in UTC ...
    assert week_of(schedule, post) == IsoWeek(2026, 48)  # ... but week 48 where the guild is
    assert next_post_at(schedule, post) == post + timedelta(days=7)
