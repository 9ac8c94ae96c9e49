"""``/admin report``'s counts: completions per challenge this season, active members per week."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from storage.models import CompletionSource, GuildSchedule
from storage.reports import WeekWindow
from storage.store import Store
from tests.storage.conftest import FakeClock

GUILD, OTHER = 10, 11
START = datetime(2026, 11, 9, tzinfo=UTC)  # a Monday


def window(challenge: str, week: int) -> WeekWindow:
    begin = START + timedelta(weeks=week)
    return WeekWindow(challenge, begin, begin + timedelta(weeks=1))


async def done(store: Store, guild: int, user: int, challenge: str, at: datetime) -> None:
    result = await store.progress.record_completion(
        guild, user, challenge, points=10, source=CompletionSource.BUTTON, completed_at=at
    )
    assert result.recorded


async def test_counts_per_challenge_per_window_and_participants(
    store: Store, clock: FakeClock
) -> None:
    await store.settings.save(
        GuildSchedule(
            guild_id=GUILD,
            channel_id=1,
            weekday=0,
            post_time=time(9),
            timezone="UTC",
            season_start=date(2026, 11, 9),
        )
    )
    # Before the season: counts for nobody (neither completions nor participants).
    await done(store, GUILD, 9, "a", START - timedelta(days=1))
    # Week 0: two members do "a"; one of them does it at the very end of the week.
    await done(store, GUILD, 1, "a", START + timedelta(hours=10))
    await done(store, GUILD, 2, "a", START + timedelta(weeks=1) - timedelta(microseconds=1))
    # Week 1: member 4 does "b" at its very start; member 3 catches up on "a" (active in
    # week 1, counts for "a") and does "b".
    await done(store, GUILD, 4, "b", START + timedelta(weeks=1))
    await done(store, GUILD, 3, "a", START + timedelta(weeks=1, days=2))
    await done(store, GUILD, 3, "b", START + timedelta(weeks=1, days=3))
    # Another guild never counts.
    await done(store, OTHER, 1, "b", START + timedelta(weeks=1))

    activity = await store.reports.season_activity(
        GUILD, [window("a", 0), window("b", 1), window("c", 2)]
    )
    assert activity.completions == (3, 2, 0)
    assert activity.active == (2, 2, 0)  # the end of a window is excluded, its start included
    assert activity.participants == 4


async def test_a_guild_without_settings_counts_everything_and_no_windows_is_fine(
    store: Store,
) -> None:
    await done(store, GUILD, 1, "a", START)
    activity = await store.reports.season_activity(GUILD, [])
    assert (activity.completions, activity.active, activity.participants) == ((), (), 1)
    empty = await store.reports.season_activity(OTHER, [window("a", 0)])
    assert (empty.completions, empty.active, empty.participants) == ((0,), (0,), 0)
