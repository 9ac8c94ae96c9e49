"""A lease whose session is lost (``ShardLease.keep`` / ``watch``, ``storage.shardlock``).

The session is ended as an operator or a server restart would: ``pg_terminate_backend`` from
another connection. The lease then takes the same locks again on a new session, unless
another process took one meanwhile or the server stays unreachable: then it reports, once,
that this process no longer owns its shards.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg
import pytest

from storage.shardlock import ShardLease, ShardsTakenError, hold_shards
from tests.postgres import PostgresServer

WITHIN = 10.0  # seconds a watcher checking every 0.05 s gets to notice


@pytest.fixture
def url(postgres_server: PostgresServer) -> Iterator[str]:
    made = postgres_server.new_database(migrated=False)  # locks are per database
    yield made
    postgres_server.drop(made)


def end_session(url: str, lease: ShardLease) -> None:
    """Terminate the lease's server process and wait until it is gone (its locks with it)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_terminate_backend(%s, 5000)", (lease.backend_pid(),)
        ).fetchone()
    assert row == (True,)


def wait_for(condition: threading.Event, what: str) -> None:
    assert condition.wait(WITHIN), f"no {what} within {WITHIN} s"


def test_a_lost_session_takes_the_same_locks_again(url: str) -> None:
    lost: list[str] = []
    with hold_shards(url, 2, [0]) as lease:
        held_before = lease.backend_pid()
        with lease.watch(lost.append, every=0.05):
            end_session(url, lease)
            deadline = time.monotonic() + WITHIN
            while lease.renewals == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert lease.renewals == 1
        assert lost == []
        assert lease.backend_pid() != held_before
        assert lease.keep(grace=1) is None  # held: nothing to do
        with pytest.raises(ShardsTakenError, match=r"^shard\(s\) 0 of 2 already run"):
            hold_shards(url, 2, [0])  # the same locks, on the new session
        with pytest.raises(ShardsTakenError, match="runs with 2 shard"):
            hold_shards(url, 3, [2])  # the shard count's too
        with hold_shards(url, 2, [1]):  # and nothing more
            pass
    with hold_shards(url, 2, [0]):  # closing lets the new session's locks go
        pass


def test_a_shard_taken_while_the_session_was_down_is_lost_for_good(url: str) -> None:
    reported = threading.Event()
    lost: list[str] = []

    def on_lost(reason: str) -> None:
        lost.append(reason)
        reported.set()

    with hold_shards(url, 2, [0, 1]) as lease:
        end_session(url, lease)
        with hold_shards(url, 2, [1]), lease.watch(on_lost, every=0.05) as watch:
            wait_for(reported, "report of the lost shards")
            assert watch.lost == lost[0]
            time.sleep(0.2)  # reported once: the watcher has stopped
        assert len(lost) == 1
        assert lost[0].startswith("this process no longer owns shard(s) 0,1 of 2: its database")
        assert "shard(s) 1 of 2 already run in another bot process" in lost[0]
        assert lost[0].endswith("; stopping")
        assert "\n" not in lost[0]
        with hold_shards(url, 2, [0, 1]):  # the failed attempt holds nothing, shard 0 included
            pass


def test_a_server_unreachable_past_the_grace_loses_the_shards(
    postgres_server: PostgresServer, url: str
) -> None:
    name = urlsplit(url).path.lstrip("/")
    with hold_shards(url, 1) as lease:
        end_session(url, lease)
        with psycopg.connect(postgres_server.admin_url, autocommit=True) as admin:
            # Connecting again fails ("does not exist") as it would with the server away.
            admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{name}_away"'.encode())
            try:
                began = time.monotonic()
                reason = lease.keep(grace=0.5)
                assert 0.5 <= time.monotonic() - began < 5
            finally:
                admin.execute(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"'.encode())
    assert reason is not None
    assert reason.startswith("this process no longer owns shard(s) 0 of 1: its database")
    assert "the server stayed unreachable for 0.5 s (" in reason
    assert "\n" not in reason
