"""Exactly once across processes on PostgreSQL: the ledgers' claims are the database's.

Two :class:`~storage.store.Store` objects on one database are two bot processes as far as
the database can tell (each has its own writer connection, its own thread and its own pool;
they share nothing in memory). Racing for the same weekly post, reminder or thread, exactly
one wins; a claim another connection has made but not yet committed makes the second wait
for it (the unique key's row lock) and then lose, or win if that transaction rolled back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest

from storage.store import Store, open_store
from tests.postgres import PostgresServer

G = 1_000_000_000_000_000_001
WEEK = (2026, 49)
DUE = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
ROUNDS = 40


@pytest.fixture
async def two_stores(postgres_server: PostgresServer) -> AsyncIterator[tuple[str, Store, Store]]:
    url = postgres_server.clean_database()
    async with await open_store(url) as one, await open_store(url) as two:
        yield url, one, two


async def _claim_post(store: Store, guild_id: int, *, retry_failed: bool = False) -> bool:
    result = await store.posts.claim(
        guild_id,
        WEEK,
        challenge_id="c1",
        channel_id=55,
        scheduled_for=DUE,
        retry_failed=retry_failed,
    )
    return result.owned


async def test_two_processes_racing_to_claim_one_post_exactly_one_wins(
    two_stores: tuple[str, Store, Store],
) -> None:
    _, one, two = two_stores
    for n in range(ROUNDS):
        stores = (one, two) if n % 2 else (two, one)
        owned = await asyncio.gather(*(_claim_post(store, G + n) for store in stores))
        assert sorted(owned) == [False, True], n
        mine, theirs = [await s.posts.get(G + n, WEEK) for s in (one, two)]
        assert mine == theirs  # the loser sees the winner's row
    rows = await one.db.fetch("SELECT count(*), count(DISTINCT guild_id) FROM challenge_posts")
    assert rows == [(ROUNDS, ROUNDS)]


async def test_a_claim_waits_for_another_process_s_uncommitted_claim(
    two_stores: tuple[str, Store, Store],
) -> None:
    url, one, _ = two_stores
    insert = (
        "INSERT INTO challenge_posts (guild_id, iso_week, challenge_id, channel_id, state,"
        " scheduled_for_us, claimed_at_us) VALUES (%s, '2026-W49', 'c1', 55, 'claimed', 0, 0)"
    )
    for commit, guild_id in ((True, G), (False, G + 1)):
        with psycopg.connect(url) as other:  # another process, in the middle of its claim
            other.execute(insert, (guild_id,))
            claim = asyncio.create_task(_claim_post(one, guild_id))
            await asyncio.sleep(0.3)
            assert not claim.done()  # held by the database, not decided by anything in memory
            if commit:
                other.commit()
            else:
                other.rollback()  # that process died before committing: the claim is free
            assert await asyncio.wait_for(claim, 10) is (not commit)


async def test_racing_retries_of_a_failed_post_reclaim_it_once(
    two_stores: tuple[str, Store, Store],
) -> None:
    _, one, two = two_stores
    for n in range(ROUNDS // 2):
        assert await _claim_post(one, G + n)
        post = await one.posts.get(G + n, WEEK)
        assert post is not None
        await one.posts.mark_failed(post.post_id, error="503")
        owned = await asyncio.gather(
            *(_claim_post(store, G + n, retry_failed=True) for store in (two, one))
        )
        assert sorted(owned) == [False, True], n
        again = await two.posts.get(G + n, WEEK)
        assert again is not None
        assert (again.state, again.attempts) == ("claimed", 2)


async def test_racing_reminder_claims_remind_each_member_once(
    two_stores: tuple[str, Store, Store],
) -> None:
    _, one, two = two_stores
    claims = [
        store.reminders.claim(G, user, WEEK, due=DUE)
        for user in range(1, ROUNDS + 1)
        for store in ((one, two) if user % 2 else (two, one))
    ]
    owned = await asyncio.gather(*claims)
    assert [owned[i] + owned[i + 1] for i in range(0, len(owned), 2)] == [1] * ROUNDS
    assert await one.reminders.claimed_weeks(G, WEEK) == set(range(1, ROUNDS + 1))


async def test_racing_thread_claims_ask_discord_once(
    two_stores: tuple[str, Store, Store],
) -> None:
    """(Re-claiming a thread row found ``claimed`` takes it over from a sender presumed dead,
    after looking on Discord: that is the guild's owner's job, one process by shard.)"""
    _, one, two = two_stores
    for n in range(ROUNDS // 2):
        assert await _claim_post(one, G + n)
        post = await one.posts.get(G + n, WEEK)
        assert post is not None
        stores = (one, two) if n % 2 else (two, one)
        claims = await asyncio.gather(*(s.threads.claim(post.post_id, G + n) for s in stores))
        assert sum(record is not None for record in claims) == 1, n
