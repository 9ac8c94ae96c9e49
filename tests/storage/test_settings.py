"""Guild settings round-trip, validation, and audit of moderators' changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from storage.models import GuildSchedule
from storage.store import Store, open_store


async def test_round_trip_and_replace(store: Store) -> None:
    assert await store.settings.get(1) is None
    schedule = GuildSchedule(
        guild_id=1,
        channel_id=2**63 - 1,
        weekday=3,
        post_time=time(18, 30),
        timezone="America/Sao_Paulo",
        season_start=date(2026, 9, 1),
        enabled=True,
        leaderboard_public=True,
    )
    await store.settings.save(schedule)
    assert await store.settings.get(1) == schedule
    paused = dataclasses.replace(schedule, enabled=False, season_start=None)
    await store.settings.save(paused)
    assert await store.settings.get(1) == paused


async def test_defaults() -> None:
    schedule = GuildSchedule(guild_id=1)
    assert (schedule.enabled, schedule.leaderboard_public, schedule.channel_id) == (
        True,
        False,
        None,
    )


async def test_list_all(store: Store) -> None:
    await store.settings.save(GuildSchedule(guild_id=2))
    await store.settings.save(GuildSchedule(guild_id=1, enabled=False))
    assert [s.guild_id for s in await store.settings.list_all()] == [1, 2]
    assert [s.guild_id for s in await store.settings.list_all(enabled_only=True)] == [2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekday": 7}, "weekday"),
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"post_time": time(9, 0, 30)}, "hour:minute"),
    ],
)
def test_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GuildSchedule(guild_id=1, **kwargs)  # type: ignore[arg-type]


async def test_moderator_changes_are_audited(store: Store) -> None:
    await store.settings.save(GuildSchedule(guild_id=1), actor_id=42)
    await store.settings.save(GuildSchedule(guild_id=1, weekday=4), actor_id=42)
    await store.settings.save(GuildSchedule(guild_id=1, weekday=4), actor_id=42)  # no change
    await store.settings.save(GuildSchedule(guild_id=1, weekday=5))  # no actor: not audited
    entries = await store.audit.recent(1)
    assert [e.action for e in entries] == ["settings", "settings"]
    assert entries[0].detail == "weekday: 0 -> 4"
    assert entries[1].detail is not None
    assert entries[1].detail.startswith("created")


async def test_timing_changed_at_moves_only_when_the_timing_changes(
    database: Path | str,
) -> None:
    now = [datetime(2026, 11, 2, 9, 0, tzinfo=UTC)]
    async with await open_store(database, clock=lambda: now[0]) as store:
        schedule = GuildSchedule(guild_id=1, channel_id=10, weekday=0)
        await store.settings.save(schedule)
        first = now[0]

        async def saved_after(days: int, **changes: object) -> datetime | None:
            now[0] = first + timedelta(days=days)
            current = await store.settings.get(1)
            assert current is not None
            await store.settings.save(dataclasses.replace(current, **changes))  # type: ignore[arg-type]
            stored = await store.settings.get(1)
            assert stored is not None
            return stored.timing_changed_at

        assert await saved_after(1, channel_id=11) == first
        assert await saved_after(2, leaderboard_public=True) == first
        assert await saved_after(3, weekday=2) == first + timedelta(days=3)
        assert await saved_after(4, enabled=False) == first + timedelta(days=4)
        assert await saved_after(5, enabled=True) == first + timedelta(days=5)
        assert await saved_after(6, timezone="Europe/Berlin") == first + timedelta(days=6)
        assert await saved_after(7, season_start=date(2026, 11, 9)) == first + timedelta(days=7)
        assert await saved_after(8, post_time=time(10, 0)) == first + timedelta(days=8)
