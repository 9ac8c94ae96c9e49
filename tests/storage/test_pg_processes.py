"""Two processes writing one PostgreSQL database at once (issue 17): each "process" is a store
of its own (its own writer connection and group commits) on one database.

* Completions for the same members recorded in opposite orders: the two processes' group
  commits take the member locks in opposite orders and PostgreSQL aborts one side with a
  deadlock (40P01). The aborted job is run again alone (``storage.db._run_alone``): every
  write is acknowledged, stored once, and the rank counts stay exact.
* A new season start (``ranks.recount`` after the trigger recounted the members' totals)
  while the other process records completions in that guild: the guild lock keeps them apart,
  so the rank counts equal a count from scratch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from storage.models import CompletionStatus, GuildSchedule
from storage.store import Store, open_store
from tests.postgres import PostgresServer
from tests.storage.test_ranks import slow_counts

pytestmark = pytest.mark.slow  # two stores, many transactions, deadlocks on purpose

GUILD = 1
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def url(postgres_server: PostgresServer) -> Iterator[str]:
    """A database of its own, where PostgreSQL looks for deadlocks after 20 ms, not 1 s."""
    made = postgres_server.new_database()
    # Superuser only; elsewhere the server's own setting: slower, the same outcome.
    with (
        psycopg.connect(made, autocommit=True) as conn,
        contextlib.suppress(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(f'ALTER DATABASE "{conn.info.dbname}" SET deadlock_timeout = 20')
    yield made
    postgres_server.drop(made)


def deadlocks(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        row = conn.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


async def stored_counts(store: Store) -> list[tuple[int, str, int, int]]:
    return sorted(await store.db.fetch("SELECT guild_id, period, points, members FROM rank_counts"))


async def test_opposite_lock_orders_deadlock_and_the_loser_is_run_again(url: str) -> None:
    users = range(1, 9)
    rounds = 12
    async with await open_store(url) as one, await open_store(url) as two:

        async def burst(store: Store, name: str, order: list[int], round_: int) -> list[object]:
            # One gather: the jobs share this store's group commits, members in this order.
            return list(
                await asyncio.gather(
                    *(
                        store.progress.record_completion(
                            GUILD,
                            user,
                            f"{name}{round_}",
                            points=1 + (user + round_) % 4,
                            completed_at=T0 + timedelta(hours=round_),
                        )
                        for user in order
                    ),
                    return_exceptions=True,
                )
            )

        before = deadlocks(url)
        results: list[object] = []
        for round_ in range(rounds):
            first, second = await asyncio.gather(
                burst(one, "a", list(users), round_), burst(two, "b", list(users)[::-1], round_)
            )
            results += first + second
        errors = [r for r in results if isinstance(r, BaseException)]
        assert errors == []
        assert all(r.status is CompletionStatus.RECORDED for r in results)  # type: ignore[attr-defined]
        rows = await one.db.fetch(
            "SELECT user_id, challenge_id, count(*) FROM completions GROUP BY 1, 2"
        )
        assert len(rows) == len(users) * rounds * 2
        assert {row[2] for row in rows} == {1}
        assert await stored_counts(one) == await slow_counts(one)
        totals = await one.db.fetch("SELECT user_id, completions_all FROM members ORDER BY 1")
        assert totals == [(user, rounds * 2) for user in users]
    # The test is about something: the orders did deadlock, and the retries won.
    assert deadlocks(url) > before


@pytest.mark.parametrize("named", [False, True], ids=["no-name", "with-display-name"])
async def test_a_season_recount_and_the_other_process_s_writes_keep_the_counts_exact(
    url: str, named: bool
) -> None:
    # With a display name, a completion also upserts the member row: a row lock that must
    # come after the guild lock, as the season start's, or the two deadlock.
    seasons = [date(2026, 3, 3), None, date(2026, 3, 5), date(2026, 3, 4)]
    async with await open_store(url) as one, await open_store(url) as two:
        await one.settings.save(GuildSchedule(GUILD, timezone="UTC"))

        async def seasons_change() -> None:
            for round_ in range(24):
                season = seasons[round_ % len(seasons)]
                await one.settings.save(GuildSchedule(GUILD, timezone="UTC", season_start=season))
                await asyncio.sleep(0)

        async def members_write() -> list[object]:
            done: list[object] = []
            for n in range(24):
                done += await asyncio.gather(
                    *(
                        two.progress.record_completion(
                            GUILD,
                            user,
                            f"c{n}",
                            points=1 + (user * n) % 5,
                            completed_at=T0 + timedelta(hours=6 * n + user),
                            display_name=f"member {user}" if named else None,
                        )
                        for user in range(1, 7)
                    ),
                    return_exceptions=True,
                )
            return done

        _, written = await asyncio.gather(seasons_change(), members_write())
        assert [r for r in written if isinstance(r, BaseException)] == []
        assert await stored_counts(one) == await slow_counts(one)
        # The season totals themselves match the season in force at the end.
        season = (await one.settings.get(GUILD)).season_start  # type: ignore[union-attr]
        start_us = (
            0
            if season is None
            else int(datetime.combine(season, datetime.min.time(), UTC).timestamp() * 1e6)
        )
        expected = await one.db.fetch(
            "SELECT user_id, count(*), sum(points) FROM completions"
            " WHERE guild_id = ? AND completed_at_us >= ? GROUP BY 1 ORDER BY 1",
            (GUILD, start_us),
        )
        got = await one.db.fetch(
            "SELECT user_id, completions_season, points_season FROM members"
            " WHERE guild_id = ? AND completions_season > 0 ORDER BY 1",
            (GUILD,),
        )
        assert got == expected
