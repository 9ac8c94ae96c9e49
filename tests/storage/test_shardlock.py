"""One live process per shard on a PostgreSQL database (``storage.shardlock``).

Each lease is its own server session, as each bot process's is. (``kill -9`` of a holder
letting go is what ``tests/e2e/test_shards_postgres.py`` does to a real bot before restarting
it on the same shard.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.errors import DatabaseUnreadableError
from storage.shardlock import ShardsTakenError, hold_shards
from tests.postgres import PostgresServer


@pytest.fixture
def url(postgres_server: PostgresServer) -> Iterator[str]:
    # A database of its own: the locks are per database, and the session's shared one may
    # be used by a test in another worker at the same time.
    made = postgres_server.new_database(migrated=False)
    yield made
    postgres_server.drop(made)


def test_a_shard_has_one_process_at_a_time(url: str) -> None:
    with hold_shards(url, 2, [0]) as first, hold_shards(url, 2, [1]):
        assert (first.shard_count, first.shard_ids) == (2, (0,))
        with pytest.raises(ShardsTakenError) as refused:
            hold_shards(url, 2, [1, 0])
        message = str(refused.value)
        assert message.startswith("shard(s) 0,1 of 2 already run in another bot process on")
        assert "\n" not in message
    with hold_shards(url, 2, [0, 1]):  # both let go on leaving: one process takes both
        pass


def test_one_process_without_shards_holds_every_guild(url: str) -> None:
    with hold_shards(url) as lease:
        assert (lease.shard_count, lease.shard_ids) == (1, (0,))
        with pytest.raises(ShardsTakenError, match=r"^shard\(s\) 0 of 1 already run"):
            hold_shards(url)


def test_every_process_on_a_database_uses_the_same_shard_count(url: str) -> None:
    with hold_shards(url, 2, [0]):
        for count, ids in ((4, [3]), (1, None)):
            with pytest.raises(ShardsTakenError) as refused:
                hold_shards(url, count, ids)
            assert f"runs with 2 shard(s) in all, this one with {count}" in str(refused.value)
        with hold_shards(url, 2, [1]):  # the same count: fine
            pass
    with hold_shards(url, 4, [3]):  # once that process is gone, another count may start
        pass


def test_a_refused_process_holds_nothing(url: str) -> None:
    with hold_shards(url, 3, [1]):
        with pytest.raises(ShardsTakenError):
            hold_shards(url, 3, [0, 1, 2])  # 0 and 2 were free: taken, then let go
        with hold_shards(url, 3, [0, 2]):
            pass


def test_locks_are_per_database(postgres_server: PostgresServer, url: str) -> None:
    other = postgres_server.new_database(migrated=False)
    try:
        with (
            hold_shards(url, 2, [0]),
            hold_shards(other, 4, [0]),  # shard 0 again, and another count: another database
            pytest.raises(ShardsTakenError),
        ):
            hold_shards(other, 4, [0])
    finally:
        postgres_server.drop(other)


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(DatabaseUnreadableError) as caught:
        hold_shards("postgresql://bot:s3cret@127.0.0.1:1/mlebot?connect_timeout=2", 2, [0])
    assert "s3cret" not in str(caught.value)
