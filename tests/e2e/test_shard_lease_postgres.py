"""A bot process whose shard locks' session is lost (issue 17; ``storage/shardlock.py``).

The real bot runs on one PostgreSQL database (one process, every guild: shard 0 of 1). Its
locks' server process is terminated twice, as an operator (or a server restart) would:

* the first time nobody else wants the shard: the bot takes the same lock again on a new
  session and runs on;
* the second time another process takes the shard first: the bot logs one error line and
  shuts down as on SIGTERM (scheduler stopped, gateway and database closed), with exit
  code 1, so its supervisor does not take the stop for a clean one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from storage.shardlock import CHECK_EVERY_S, SHARD_KEY
from tests.e2e.conftest import start_bot
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord
from tests.postgres import PostgresServer

#: A check every CHECK_EVERY_S, then a clean shutdown.
NOTICED_WITHIN = CHECK_EVERY_S + 5.0


@pytest.fixture
def url(postgres_server: PostgresServer) -> Iterator[str]:
    made = postgres_server.new_database()  # locks are per database: one of its own
    yield made
    postgres_server.drop(made)


def lease_backend(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'mlebot-shards'"
    ).fetchall()
    assert len(rows) == 1, rows
    return int(str(rows[0][0]))


async def test_a_lost_lock_session_is_taken_again_or_the_bot_stops_with_exit_1(
    url: str, fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> None:
    bot = await start_bot(
        fake_discord, fake_guild, tmp_path, env={"MLEBOT_DATABASE": url}, cwd=tmp_path
    )
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            first = lease_backend(conn)
            assert conn.execute("SELECT pg_terminate_backend(%s, 5000)", (first,)).fetchone()
            await bot.wait_for_log("held again on a new database session", within=NOTICED_WITHIN)
            assert bot.process.returncode is None
            second = lease_backend(conn)
            assert second != first
            # Another process takes shard 0 the moment the session is gone (same connection:
            # no room for the bot's next check in between).
            assert conn.execute("SELECT pg_terminate_backend(%s, 5000)", (second,)).fetchone()
            taken = conn.execute("SELECT pg_try_advisory_lock(%s, 0)", (SHARD_KEY,)).fetchone()
            assert taken == (True,)
            code = await asyncio.wait_for(bot.process.wait(), NOTICED_WITHIN)
    finally:
        await bot.stop()
    output = bot.output()
    assert code == 1, output[-3000:]
    assert "Traceback" not in output, output[-6000:]
    [error] = [line for line in output.splitlines() if "no longer owns" in line]
    assert "ERROR" in error
    assert "this process no longer owns shard(s) 0 of 1: its database session was lost and " in (
        error
    )
    assert "shard(s) 0 of 1 already run in another bot process" in error
    assert "lost the shards, shutting down" in output
    order = ["no longer owns", "scheduler stopped", "bot.client: stopped"]
    positions = [output.find(text) for text in order]
    assert -1 not in positions, list(zip(order, positions, strict=True))
    assert positions == sorted(positions), list(zip(order, positions, strict=True))
