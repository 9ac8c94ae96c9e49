"""Rank counts (migration 0007, storage/ranks.py) against a slow recount, over random histories.

Every step goes through the real repositories on a real file, several of them at once (so
they share group commits). After each step: the stored counts equal a GROUP BY over the
member rows, and every member's rank from :meth:`LeaderboardRepository.rank` equals the
slow definition: one plus the ranked members with more points (ties share a rank).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storage.models import GuildSchedule, Period
from storage.store import Store, open_store
from tests.storage.conftest import FreshDatabase

GUILDS = (1, 2)
USERS = (1, 2, 3, 4, 5)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SEASONS = (None, date(2026, 3, 3), date(2026, 3, 5))
PERIODS = (Period.ALL_TIME, Period.SEASON)
TOTALS = {Period.ALL_TIME: "points_all", Period.SEASON: "points_season"}
COUNTED = {Period.ALL_TIME: "completions_all", Period.SEASON: "completions_season"}


async def slow_counts(store: Store) -> list[tuple[int, str, int, int]]:
    rows: list[tuple[int, str, int, int]] = []
    for period in PERIODS:
        rows += await store.db.fetch(
            f"SELECT guild_id, ?, {TOTALS[period]}, count(*) FROM members"
            f" WHERE {COUNTED[period]} > 0 AND opted_out = 0"
            f" GROUP BY guild_id, {TOTALS[period]}",
            (period.value,),
        )
    return sorted(rows)


async def slow_rank(store: Store, guild: int, user: int, period: Period) -> tuple[int, int] | None:
    """(rank, points) by counting members, or None if unranked."""
    total, counted = TOTALS[period], COUNTED[period]
    mine = await store.db.fetch(
        f"SELECT {total} FROM members WHERE guild_id = ? AND user_id = ?"
        f" AND {counted} > 0 AND opted_out = 0",
        (guild, user),
    )
    if not mine:
        return None
    above = await store.db.fetch(
        f"SELECT count(*) FROM members WHERE guild_id = ? AND {counted} > 0"
        f" AND opted_out = 0 AND {total} > ?",
        (guild, mine[0][0]),
    )
    return above[0][0] + 1, mine[0][0]


async def check(store: Store) -> None:
    stored = await store.db.fetch(
        "SELECT guild_id, period, points, members FROM rank_counts ORDER BY 1, 2, 3"
    )
    assert sorted(stored) == await slow_counts(store)
    for guild in GUILDS:
        for period in PERIODS:
            ranked = 0
            for user in USERS:
                expected = await slow_rank(store, guild, user, period)
                got = await store.leaderboards.rank(guild, user, period)
                assert (None if got is None else (got.rank, got.points)) == expected
                ranked += expected is not None
                standing = await store.leaderboards.standing(guild, user, period, radius=1)
                assert (None if standing is None else standing.row.rank) == (
                    None if expected is None else expected[0]
                )
            assert await store.leaderboards.count_ranked(guild, period) == ranked


async def apply(store: Store, step: tuple[str, int, int, int]) -> None:
    action, guild, user, n = step
    at = T0 + timedelta(days=n)
    if action == "done":
        await store.progress.record_completion(
            guild, user, f"c{n}", points=(n % 3) * 10, completed_at=at
        )
    elif action == "mod":
        await store.progress.record_completion(
            guild, user, f"c{n}", points=10, completed_at=at, actor_id=99
        )
    elif action == "undo":
        await store.progress.undo_completion(guild, user, f"c{n}")
    elif action in ("hide", "show"):
        await store.members.set_opted_out(guild, user, action == "hide")
    elif action == "forget":
        await store.members.forget_member(user, guild_id=guild)
    elif action == "forget-everywhere":
        await store.members.forget_member(user)
    elif action == "season":
        season = SEASONS[n % len(SEASONS)]
        await store.settings.save(GuildSchedule(guild, timezone="UTC", season_start=season))


async def play(database: Path | str, script: list[list[tuple[str, int, int, int]]]) -> None:
    async with await open_store(database) as store:
        for together in script:
            # The steps of one batch race each other into the same group commits.
            await asyncio.gather(*(apply(store, step) for step in together))
            await check(store)


steps = st.tuples(
    st.sampled_from(["done", "done", "done", "done", "undo", "undo", "mod", "hide", "show"])
    | st.sampled_from(["forget", "forget-everywhere", "season"]),
    st.sampled_from(GUILDS),
    st.sampled_from(USERS),
    st.integers(0, 6),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@pytest.mark.slow  # a property test: 60 scripts, a database each
@given(st.lists(st.lists(steps, min_size=1, max_size=4), min_size=1, max_size=12))
@example(
    [
        [("done", 1, 1, 1), ("done", 1, 2, 2), ("done", 1, 3, 1)],
        [("season", 1, 1, 1)],
        [("hide", 1, 2, 0), ("undo", 1, 3, 1)],
        [("forget-everywhere", 1, 1, 0), ("show", 1, 2, 0)],
    ]
)
def test_rank_counts_match_a_slow_count(
    fresh_database: FreshDatabase, script: list[list[tuple[str, int, int, int]]]
) -> None:
    with fresh_database() as database:
        asyncio.run(play(database, script))


async def test_ties_share_a_rank(store: Store) -> None:
    for user, points in ((1, 30), (2, 20), (3, 20), (4, 10)):
        await store.progress.record_completion(1, user, "c1", points=points)
    ranks = [await store.leaderboards.rank(1, user, Period.ALL_TIME) for user in (1, 2, 3, 4)]
    assert [(r.rank, r.points, r.ranked) for r in ranks if r is not None] == [
        (1, 30, 4),
        (2, 20, 4),
        (2, 20, 4),
        (4, 10, 4),
    ]
    assert await store.leaderboards.rank(1, 5, Period.ALL_TIME) is None


@pytest.mark.parametrize("period", [Period.WEEK])
async def test_week_rank_falls_back_to_the_standing(store: Store, period: Period) -> None:
    assert await store.leaderboards.rank(1, 1, period) is None
