"""Season arithmetic: the guild's local week, and which challenge it gets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from content.models import Catalog
from scheduler.planning import IsoWeek, WeeklySchedule
from scheduler.season import (
    SeasonChallenge,
    challenge_for_week,
    current_week,
    first_season_post,
    planning_week,
    season_length,
    season_start_instant,
    season_status,
    weekly_schedule,
)
from storage.models import GuildSchedule
from storage.models import IsoWeek as StorageIsoWeek


def guild(
    season_start: date | None = date(2026, 11, 25), tz: str = "UTC", weekday: int = 4
) -> GuildSchedule:
    """Fridays 09:00 by default; the season starts on Wednesday 2026-11-25 (2026-W48)."""
    return GuildSchedule(
        guild_id=1,
        channel_id=2,
        weekday=weekday,
        post_time=time(9, 0),
        timezone=tz,
        season_start=season_start,
    )


def test_weekly_schedule_converts_the_zone_key() -> None:
    converted = weekly_schedule(guild(tz="Europe/Berlin", weekday=0))
    assert converted == WeeklySchedule.from_strings("Mon", "09:00", "Europe/Berlin")


def test_current_week_is_the_guild_local_week() -> None:
    # Sunday 23:30 UTC is already Monday in Berlin and still Sunday in New York.
    now = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert current_week(guild(tz="UTC"), now) == IsoWeek(2026, 48)
    assert current_week(guild(tz="Europe/Berlin"), now) == IsoWeek(2026, 49)
    assert current_week(guild(tz="America/New_York"), now) == IsoWeek(2026, 48)


def test_the_week_of_season_start_gets_challenge_one(catalog: Catalog) -> None:
    # 2026-11-25 is a Wednesday of 2026-W48; its Friday post is the season's first.
    found = challenge_for_week(catalog, guild(), IsoWeek(2026, 48))
    assert found == SeasonChallenge(IsoWeek(2026, 48), 1, catalog.challenges[0])
    second = challenge_for_week(catalog, guild(), IsoWeek(2026, 49))
    assert second is not None
    assert second.number == 2
    assert second.challenge.id == catalog.challenges[1].id


def test_no_challenge_before_the_season_or_without_a_start(catalog: Catalog) -> None:
    assert challenge_for_week(catalog, guild(), IsoWeek(2026, 47)) is None
    assert challenge_for_week(catalog, guild(season_start=None), IsoWeek(2026, 48)) is None


def test_the_season_ends_after_its_last_challenge(catalog: Catalog) -> None:
    last = IsoWeek(2026, 48)
    for _ in range(season_length(catalog) - 1):
        last = last.next()
    found = challenge_for_week(catalog, guild(), last)
    assert found is not None
    assert found.number == season_length(catalog) == 15
    assert challenge_for_week(catalog, guild(), last.next()) is None


def test_season_crosses_the_year_and_accepts_storage_weeks(catalog: Catalog) -> None:
    # 2026 has 53 ISO weeks; season started in W48 -> 2027-W01 is challenge 7.
    found = challenge_for_week(catalog, guild(), StorageIsoWeek(2027, 1))
    assert found is not None
    assert found.number == 7
    assert isinstance(found.week, IsoWeek)
    assert planning_week(StorageIsoWeek(2027, 1)) == IsoWeek(2027, 1)


def test_a_post_day_before_the_start_day_moves_challenge_one_to_the_next_week(
    catalog: Catalog,
) -> None:
    # Monday posts, season from Wednesday: W48's Monday post would precede the season (and
    # its completions would not count for it), so W49 gets challenge 1 and none is skipped.
    monday = guild(weekday=0)
    assert first_season_post(monday) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert challenge_for_week(catalog, monday, IsoWeek(2026, 48)) is None
    found = challenge_for_week(catalog, monday, IsoWeek(2026, 49))
    assert found is not None
    assert found.number == 1
    # A post on the start day itself, at any time after midnight, belongs to the season.
    wednesday = guild(weekday=2)
    assert first_season_post(wednesday) == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    found = challenge_for_week(catalog, wednesday, IsoWeek(2026, 48))
    assert found is not None
    assert found.number == 1


def test_season_start_is_local_midnight() -> None:
    assert season_start_instant(guild(tz="Asia/Tokyo")) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert season_start_instant(guild(season_start=None)) is None
    assert first_season_post(guild(season_start=None)) is None


def test_the_kept_season_weeks_follow_the_schedule_and_a_reloaded_catalog(
    catalog: Catalog,
) -> None:
    now = datetime(2026, 12, 9, 12, tzinfo=UTC)  # Wednesday of 2026-W50
    fridays = season_status(catalog, guild(), now)
    assert season_status(catalog, guild(), now) == fridays  # the same answer when kept
    assert [p.post_at.weekday() for p in fridays.weeks[:3]] == [4, 4, 4]
    # Another schedule (the moderator moved the post day): its own weeks, not the kept ones.
    mondays = season_status(catalog, guild(weekday=0), now)
    assert [p.post_at.weekday() for p in mondays.weeks[:3]] == [0, 0, 0]
    # A reloaded catalog with fewer challenges: a new season length at once.
    shorter = catalog.model_copy(update={"challenges": catalog.challenges[:3]})
    assert len(season_status(shorter, guild(), now).weeks) == 3
    assert len(season_status(catalog, guild(), now).weeks) == len(catalog.challenges)
