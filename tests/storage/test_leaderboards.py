"""Leaderboards against a slow reference: fair ties, neighbours, pages, periods."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from storage.leaderboards import LeaderboardRepository, _Reuse
from storage.models import GuildSchedule, IsoWeek, LeaderboardRow, Period
from storage.store import Store, open_store
from tests.storage.streak_reference import reference_streaks

G = 1
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # Monday of 2026-W02


@dataclass
class Done:
    user: int
    challenge: str
    week: str
    points: int
    at: datetime


def reference(
    done: list[Done],
    period: Period,
    *,
    season_start: datetime,
    week: str,
    opted_out: set[int],
    sent_weeks: list[str],
) -> list[tuple[int, int, int, int, datetime, int, int]]:
    """(rank, user, points, completions, reached, current, best) in leaderboard order."""
    per_user: dict[int, list[Done]] = {}
    for d in done:
        if d.user in opted_out:
            continue
        if period is Period.SEASON and d.at < season_start:
            continue
        if period is Period.WEEK and d.week != week:
            continue
        per_user.setdefault(d.user, []).append(d)
    board = sorted(
        (
            (sum(d.points for d in ds), max(d.at for d in ds), user, len(ds))
            for user, ds in per_user.items()
        ),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    rows = []
    for points, reached, user, count in board:
        rank = 1 + sum(1 for other in board if other[0] > points)
        weeks = [d.week for d in done if d.user == user]
        current, best = reference_streaks(sent_weeks, weeks)
        rows.append((rank, user, points, count, reached, current, best))
    return rows


def as_tuples(rows: list[LeaderboardRow]) -> list[tuple[int, int, int, int, datetime, int, int]]:
    return [
        (r.rank, r.user_id, r.points, r.completions, r.reached_at, r.current_streak, r.best_streak)
        for r in rows
    ]


async def populate(store: Store, seed: int) -> tuple[list[Done], set[int], list[str], datetime]:
    rng = random.Random(seed)
    season = date(2026, 2, 2)
    await store.settings.save(GuildSchedule(G, timezone="Europe/Berlin", season_start=season))
    weeks = [IsoWeek(2026, n) for n in range(2, 12)]
    for i, week in enumerate(weeks):
        claim = await store.posts.claim(
            G,
            week,
            challenge_id=f"c{week.week}",
            channel_id=1,
            scheduled_for=T0 + timedelta(weeks=i),
        )
        if i != 4:  # one week's post failed: not a challenge week
            await store.posts.mark_sent(claim.post.post_id, message_id=1000 + i)
        else:
            await store.posts.mark_failed(claim.post.post_id, error="503")
    done: list[Done] = []
    users = list(range(100, 140))
    for i, week in enumerate(weeks):
        if i == 4:
            continue
        for user in users:
            if rng.random() < 0.55:
                # Coarse times and few point values: plenty of exact ties on both.
                at = T0 + timedelta(weeks=i, hours=rng.randrange(3))
                points = rng.choice((10, 20))
                await store.progress.record_completion(
                    G,
                    user,
                    f"c{week.week}",
                    points=points,
                    completed_at=at,
                    display_name=f"user{user}",
                )
                done.append(Done(user, f"c{week.week}", str(week), points, at))
    opted_out = set(rng.sample(users, 4))
    for user in opted_out:
        await store.members.set_opted_out(G, user, True)
    sent = [str(w) for i, w in enumerate(weeks) if i != 4]
    season_start = datetime(2026, 2, 2, tzinfo=UTC) - timedelta(hours=1)  # Berlin midnight
    return done, opted_out, sent, season_start


@pytest.mark.slow_on_postgres  # ~1.5 s per case there (random histories, many writes)
@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("period", list(Period))
async def test_matches_reference(store: Store, seed: int, period: Period) -> None:
    done, opted_out, sent, season_start = await populate(store, seed)
    expected = reference(
        done,
        period,
        season_start=season_start,
        week=sent[-1],
        opted_out=opted_out,
        sent_weeks=sent,
    )
    assert len(expected) > 10
    lb = store.leaderboards
    # Whole board, then every page of 7: pages concatenate to the board.
    assert as_tuples(await lb.top(G, period, limit=1000)) == expected
    paged: list[LeaderboardRow] = []
    for offset in range(0, len(expected), 7):
        paged += await lb.top(G, period, limit=7, offset=offset)
    assert as_tuples(paged) == expected
    assert await lb.count_ranked(G, period) == len(expected)
    # Every member's standing, with two neighbours each side.
    positions = {row[1]: i for i, row in enumerate(expected)}
    for user, position in positions.items():
        standing = await lb.standing(G, user, period, radius=2)
        assert standing is not None
        assert standing.position == position
        assert as_tuples([standing.row]) == [expected[position]]
        window = expected[max(0, position - 2) : position + 3]
        assert as_tuples(list(standing.neighbours)) == window
    for user in opted_out:
        assert await lb.standing(G, user, period) is None


async def test_ties_share_a_rank_and_earlier_completion_lists_first(store: Store) -> None:
    for user, hour, points in ((1, 3, 10), (2, 1, 10), (3, 2, 10), (4, 0, 5), (5, 0, 30)):
        await store.progress.record_completion(
            G, user, "c1", points=points, completed_at=T0 + timedelta(hours=hour)
        )
    rows = await store.leaderboards.top(G, Period.ALL_TIME)
    assert [(r.rank, r.user_id) for r in rows] == [(1, 5), (2, 2), (2, 3), (2, 1), (5, 4)]
    # A page starting inside a tie still ranks it fairly.
    page = await store.leaderboards.top(G, Period.ALL_TIME, limit=2, offset=2)
    assert [(r.rank, r.user_id) for r in page] == [(2, 3), (2, 1)]


async def test_neighbours_at_the_edges(store: Store) -> None:
    for user in range(1, 6):
        await store.progress.record_completion(G, user, "c1", points=user * 10)
    top = await store.leaderboards.standing(G, 5, Period.ALL_TIME, radius=2)
    assert top is not None
    assert top.row.rank == 1
    assert [r.user_id for r in top.neighbours] == [5, 4, 3]
    bottom = await store.leaderboards.standing(G, 1, Period.ALL_TIME, radius=2)
    assert bottom is not None
    assert bottom.position == 4
    assert [r.user_id for r in bottom.neighbours] == [3, 2, 1]
    alone = await store.leaderboards.standing(G, 3, Period.ALL_TIME, radius=0)
    assert alone is not None
    assert [r.user_id for r in alone.neighbours] == [3]


async def test_empty_and_unknown(store: Store) -> None:
    assert await store.leaderboards.top(G, Period.ALL_TIME) == []
    assert await store.leaderboards.top(G, Period.WEEK) == []
    assert await store.leaderboards.count_ranked(G, Period.SEASON) == 0
    assert await store.leaderboards.standing(G, 1, Period.ALL_TIME) is None
    await store.progress.record_completion(G, 1, "c1", points=1)
    assert await store.leaderboards.standing(G, 2, Period.ALL_TIME) is None


async def test_week_board_defaults_to_latest_sent_week_and_takes_any_week(store: Store) -> None:
    for i, n in enumerate((47, 48)):
        claim = await store.posts.claim(
            G, IsoWeek(2026, n), challenge_id=f"c{n}", channel_id=1, scheduled_for=T0
        )
        await store.posts.mark_sent(claim.post.post_id, message_id=i + 1)
    await store.progress.record_completion(G, 1, "c47", points=10)
    await store.progress.record_completion(G, 2, "c48", points=10)
    assert [r.user_id for r in await store.leaderboards.top(G, Period.WEEK)] == [2]
    old = await store.leaderboards.top(G, Period.WEEK, week=IsoWeek(2026, 47))
    assert [r.user_id for r in old] == [1]


async def test_negative_sizes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="limit"):
        await store.leaderboards.top(G, Period.ALL_TIME, limit=-1)
    with pytest.raises(ValueError, match="radius"):
        await store.leaderboards.standing(G, 1, Period.ALL_TIME, radius=-1)


async def write_behind_the_back(database: Path | str, user: int, points: int) -> None:
    """A completion written by another connection, as another process would (through its
    own repositories, which keep the rank counts)."""
    async with await open_store(database, verify=False) as other:
        await other.progress.record_completion(G, user, "c9", points=points)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# The page cache relies on one writer process: it is off on PostgreSQL (see the next test).
@pytest.mark.sqlite_only
async def test_pages_and_counts_are_reused_until_a_write_or_for_a_few_seconds(
    store: Store, database: Path | str
) -> None:
    ticks = Ticks()
    lb = LeaderboardRepository(store.db, reuse_for=5.0, monotonic=ticks)
    await store.progress.record_completion(G, 1, "c1", points=10)
    assert [r.user_id for r in await lb.top(G, Period.ALL_TIME)] == [1]
    assert await lb.count_ranked(G, Period.ALL_TIME) == 1
    # Written around this process's Database: the kept page and count are served...
    await write_behind_the_back(database, 2, 50)
    ticks.now += 4.9
    assert [r.user_id for r in await lb.top(G, Period.ALL_TIME)] == [1]
    assert await lb.count_ranked(G, Period.ALL_TIME) == 1
    # ...for at most reuse_for seconds.
    ticks.now += 0.1
    assert [r.user_id for r in await lb.top(G, Period.ALL_TIME)] == [2, 1]
    assert await lb.count_ranked(G, Period.ALL_TIME) == 2
    # Any write through the Database makes the next read fresh, at once.
    await store.progress.record_completion(G, 3, "c1", points=99)
    assert [r.user_id for r in await lb.top(G, Period.ALL_TIME)] == [3, 2, 1]
    assert await lb.count_ranked(G, Period.ALL_TIME) == 3
    # Other pages, periods and guilds are kept apart.
    assert [r.user_id for r in await lb.top(G, Period.ALL_TIME, limit=1, offset=1)] == [2]
    assert await lb.top(G + 1, Period.ALL_TIME) == []
    # A caller may change the list it got; the kept page does not change.
    (await lb.top(G, Period.ALL_TIME)).clear()
    assert len(await lb.top(G, Period.ALL_TIME)) == 3


async def test_nothing_is_kept_when_kept_is_zero(store: Store, database: Path | str) -> None:
    lb = LeaderboardRepository(store.db, kept=0)
    await store.progress.record_completion(G, 1, "c1", points=10)
    assert [r.user_id for r in await lb.top(G, Period.ALL_TIME)] == [1]
    await write_behind_the_back(database, 2, 50)
    assert [r.user_id for r in await lb.top(G, Period.ALL_TIME)] == [2, 1]


async def test_nothing_is_reused_where_other_processes_write(
    store: Store, database: Path | str, engine: str
) -> None:
    if engine != "postgres":
        pytest.skip("SQLite has one writer process: its reuse is tested above")
    lb = LeaderboardRepository(store.db, reuse_for=3600.0)
    await store.progress.record_completion(G, 1, "c1", points=10)
    assert store.db.write_epoch() is None
    assert [r.user_id for r in await lb.top(G, Period.ALL_TIME)] == [1]
    await write_behind_the_back(database, 2, 50)
    assert [r.user_id for r in await lb.top(G, Period.ALL_TIME)] == [2, 1]
    assert await lb.count_ranked(G, Period.ALL_TIME) == 2


@pytest.mark.sqlite_only  # the write epoch is SQLite's alone
async def test_a_read_overtaken_by_a_write_is_not_kept(store: Store) -> None:
    reuse = _Reuse[int](store.db, 8, 3600.0, time.monotonic)

    async def count() -> int:
        rows = await store.db.fetch("SELECT count(*) FROM completions")
        return int(rows[0][0])

    read_done, gate = asyncio.Event(), asyncio.Event()

    async def count_then_wait() -> int:
        value = await count()
        read_done.set()
        await gate.wait()
        return value

    first = asyncio.create_task(reuse.get("a", count_then_wait))
    await read_done.wait()
    # While "a" is still on its way back: a write, and a fresh read of "b".
    await store.progress.record_completion(G, 1, "c1", points=10)
    assert await reuse.get("b", count) == 1
    gate.set()
    assert await first == 0  # its caller gets what it read...
    assert await reuse.get("a", count) == 1  # ...but it was not kept for anyone else
