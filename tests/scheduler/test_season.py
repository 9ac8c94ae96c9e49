"""Season arithmetic: the guild's local week, and which challenge it gets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from content.loader import load_catalog
from content.models import Catalog
from scheduler.planning import IsoWeek, WeeklySchedule
from scheduler.season import (
    SeasonChallenge,
    challenge_for_week,
    current_week,
    planning_week,
    season_length,
    weekly_schedule,
)
from storage.models import GuildSchedule
from storage.models import IsoWeek as StorageIsoWeek


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def guild(season_start: date | None = date(2026, 11, 25), tz: str = "UTC") -> GuildSchedule:
    return GuildSchedule(
        guild_id=1,
        channel_id=2,
        weekday=0,
        post_time=time(9, 0),
        timezone=tz,
        season_start=season_start,
    )


def test_weekly_schedule_converts_the_zone_key() -> None:
    converted = weekly_schedule(guild(tz="Europe/Berlin"))
    assert converted == WeeklySchedule.from_strings("Mon", "09:00", "Europe/Berlin")


def test_current_week_is_the_guild_local_week() -> None:
    # Sunday 23:30 UTC is already Monday in Berlin and still Sunday in New York.
    now = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert current_week(guild(tz="UTC"), now) == IsoWeek(2026, 48)
    assert current_week(guild(tz="Europe/Berlin"), now) == IsoWeek(2026, 49)
    assert current_week(guild(tz="America/New_York"), now) == IsoWeek(2026, 48)


def test_the_week_of_season_start_gets_challenge_one(catalog: Catalog) -> None:
    # 2026-11-25 is a Wednesday of 2026-W48.
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
