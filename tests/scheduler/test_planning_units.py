"""Parsing, ISO weeks, season arithmetic and the catch-up decision."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.planning import (
    DEFAULT_GRACE,
    DEFAULT_ON_TIME,
    IsoWeek,
    WeeklySchedule,
    challenge_index_for_week,
    classify_due_post,
    last_post_at_or_before,
    next_post_at,
    week_of,
)

BERLIN = ZoneInfo("Europe/Berlin")


# --- WeeklySchedule.from_strings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monday", 0),
        ("Mon", 0),
        ("MON", 0),
        ("  tuesday ", 1),
        ("tue", 1),
        ("tues", 1),
        ("Wed", 2),
        ("thu", 3),
        ("Thurs", 3),
        ("fri", 4),
        ("saturday", 5),
        ("sun", 6),
        ("SUNDAY", 6),
    ],
)
def test_weekday_names_and_abbreviations(text: str, expected: int) -> None:
    assert WeeklySchedule.from_strings(text, "09:00", "UTC").weekday == expected


@pytest.mark.parametrize("text", ["", "mo", "m", "1", "0", "funday", "mondays", "lundi"])
def test_bad_weekday_is_a_friendly_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not a day of the week; use a name such as Monday"):
        WeeklySchedule.from_strings(text, "09:00", "UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:30", time(9, 30)), ("9:30", time(9, 30)), ("00:00", time(0)), ("23:59", time(23, 59))],
)
def test_times(text: str, expected: time) -> None:
    assert WeeklySchedule.from_strings("mon", text, "UTC").local_time == expected


@pytest.mark.parametrize(
    "text", ["24:00", "9:60", "9", "9am", "09:30:00", "9.30", "", "-1:00", "123:00", "09:5"]
)
def test_bad_time_is_a_friendly_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a time of day; use the 24-hour HH:MM form"):
        WeeklySchedule.from_strings("mon", text, "UTC")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        (" America/New York ", "America/New_York"),
        ("UTC", "UTC"),
        ("Asia/Kathmandu", "Asia/Kathmandu"),
    ],
)
def test_zones_are_found_case_insensitively(text: str, key: str) -> None:
    assert WeeklySchedule.from_strings("mon", "09:00", text).zone is ZoneInfo(key)


def test_unknown_zone_suggests_close_names() -> None:
    with pytest.raises(ValueError, match=r"'Europe/Berln' is not a known time zone\. Did you mean"):
        WeeklySchedule.from_strings("mon", "09:00", "Europe/Berln")


@pytest.mark.parametrize(
    "text", ["", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "localtime", "Factory"]
)
def test_unknown_or_unsafe_zone_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="is not a known time zone"):
        WeeklySchedule.from_strings("mon", "09:00", text)


def test_schedule_validates_direct_construction() -> None:
    with pytest.raises(ValueError, match="weekday must be 0"):
        WeeklySchedule(7, time(9), BERLIN)
    with pytest.raises(TypeError):
        WeeklySchedule(True, time(9), BERLIN)
    with pytest.raises(ValueError, match="naive"):
        WeeklySchedule(0, time(9, tzinfo=UTC), BERLIN)
    assert WeeklySchedule(0, time(9, 30), BERLIN).describe() == "Monday 09:30 (Europe/Berlin)"


# --- IsoWeek -----------------------------------------------------------------------------


def test_iso_week_str_parse_and_order() -> None:
    week = IsoWeek(2026, 48)
    assert str(week) == "2026-W48"
    assert str(IsoWeek(2027, 1)) == "2027-W01"
    assert IsoWeek.parse("2026-W48") == week
    assert IsoWeek(2026, 53) < IsoWeek(2027, 1) < IsoWeek(2027, 2)
    for bad in ["2026-48", "2026-W4", "2025-W53", "2026-W00", "W48"]:
        with pytest.raises(ValueError, match="ISO week"):
            IsoWeek.parse(bad)


def test_iso_week_next_and_previous_cross_years_and_week_53() -> None:
    assert IsoWeek(2026, 52).next() == IsoWeek(2026, 53)  # 2026 has 53 ISO weeks
    assert IsoWeek(2026, 53).next() == IsoWeek(2027, 1)
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    assert IsoWeek(2025, 52).next() == IsoWeek(2026, 1)
    assert IsoWeek(2026, 1).previous() == IsoWeek(2025, 52)
    assert IsoWeek(2026, 1).monday() == date(2025, 12, 29)
    assert IsoWeek.of(date(2027, 1, 3)) == IsoWeek(2026, 53)
    assert IsoWeek(2026, 48).day(6) == date(2026, 11, 29)


def test_week_of_uses_the_guild_calendar_not_utc() -> None:
    # 2026-11-22 20:00 UTC is Sunday (W47) in London but already Monday (W48) in Sydney.
    instant = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    assert week_of(WeeklySchedule(0, time(9), ZoneInfo("Europe/London")), instant) == (2026, 47)
    assert week_of(WeeklySchedule(0, time(9), ZoneInfo("Australia/Sydney")), instant) == (2026, 48)


# --- Season ------------------------------------------------------------------------------


def test_challenge_index_counts_weeks_from_the_season_start_week() -> None:
    start = date(2026, 11, 25)  # a Wednesday in 2026-W48
    assert challenge_index_for_week(start, IsoWeek(2026, 47)) is None
    assert challenge_index_for_week(start, IsoWeek(2026, 48)) == 0  # the Monday before counts
    assert challenge_index_for_week(start, IsoWeek(2026, 49)) == 1
    assert challenge_index_for_week(start, IsoWeek(2026, 53)) == 5
    assert challenge_index_for_week(start, IsoWeek(2027, 1)) == 6
    assert challenge_index_for_week(start, IsoWeek(2025, 48)) is None


# --- Catch-up decision -------------------------------------------------------------------

SCHEDULED = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("lateness", "expected"),
    [
        (-timedelta(hours=3), "not_due"),
        (-TICK, "not_due"),
        (timedelta(0), "due"),
        (DEFAULT_ON_TIME, "due"),
        (DEFAULT_ON_TIME + TICK, "late_ok"),
        (timedelta(hours=5), "late_ok"),
        (DEFAULT_GRACE, "late_ok"),
        (DEFAULT_GRACE + TICK, "missed"),
        (timedelta(days=8), "missed"),
    ],
)
def test_classify_due_post_boundaries(lateness: timedelta, expected: str) -> None:
    assert classify_due_post(SCHEDULED, SCHEDULED + lateness) == expected


def test_classify_due_post_custom_grace_and_zones() -> None:
    grace = timedelta(hours=2)
    later_in_berlin = (SCHEDULED + timedelta(hours=2)).astimezone(BERLIN)  # same instant
    assert classify_due_post(SCHEDULED, later_in_berlin, grace) == "late_ok"
    assert classify_due_post(SCHEDULED, later_in_berlin + TICK, grace) == "missed"
    assert classify_due_post(SCHEDULED, SCHEDULED + TICK, grace, on_time=timedelta(0)) == "late_ok"


def test_classify_due_post_rejects_naive_and_inverted_windows() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        classify_due_post(SCHEDULED, datetime(2026, 11, 23, 9))  # noqa: DTZ001
    with pytest.raises(ValueError, match="on_time <= grace"):
        classify_due_post(SCHEDULED, SCHEDULED, timedelta(minutes=1))


# --- next / last basics ------------------------------------------------------------------


def test_next_is_strict_and_last_is_inclusive() -> None:
    schedule = WeeklySchedule(0, time(9, 0), BERLIN)  # Monday 09:00 CET = 08:00 UTC
    assert next_post_at(schedule, SCHEDULED - TICK) == SCHEDULED
    assert next_post_at(schedule, SCHEDULED) == SCHEDULED + timedelta(days=7)
    assert last_post_at_or_before(schedule, SCHEDULED) == SCHEDULED
    assert last_post_at_or_before(schedule, SCHEDULED - TICK) == SCHEDULED - timedelta(days=7)
    assert next_post_at(schedule, SCHEDULED.astimezone(BERLIN)).tzinfo is UTC


def test_last_post_respects_not_before() -> None:
    schedule = WeeklySchedule(0, time(9, 0), BERLIN)
    configured = SCHEDULED + timedelta(hours=1)  # configured an hour after this week's slot
    now = SCHEDULED + timedelta(hours=2)
    assert last_post_at_or_before(schedule, now, not_before=configured) is None
    assert last_post_at_or_before(schedule, now, not_before=SCHEDULED) == SCHEDULED
    assert last_post_at_or_before(schedule, now) == SCHEDULED


def test_naive_now_is_rejected() -> None:
    schedule = WeeklySchedule(0, time(9, 0), BERLIN)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_post_at(schedule, datetime(2026, 11, 23))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        last_post_at_or_before(schedule, datetime(2026, 11, 23))  # noqa: DTZ001


def test_from_strings_keyword_names_and_non_ascii_digits() -> None:
    schedule = WeeklySchedule.from_strings(weekday="Fri", time="18:00", tz="Asia/Kolkata")
    assert schedule.describe() == "Friday 18:00 (Asia/Kolkata)"
    with pytest.raises(ValueError, match="not a time of day"):
        WeeklySchedule.from_strings("fri", "١٨:٠٠", "UTC")  # Arabic-Indic digits
