"""One bot process per SQLite file: the ``flock`` on ``<database>.lock`` (``bot.dblock``)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from bot.dblock import lock_path, one_process_per_shard, one_process_per_sqlite_file
from bot.settings import Settings, SettingsError
from tests.postgres import PostgresServer


def test_a_second_holder_is_refused_until_the_first_lets_go(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    with one_process_per_sqlite_file(database):
        assert lock_path(database) == tmp_path / "bot.sqlite3.lock"
        # flock belongs to the open file: a second open, even in this process, is refused.
        with pytest.raises(SettingsError) as caught, one_process_per_sqlite_file(database):
            pass
        message = str(caught.value)
        assert message.startswith("MLEBOT_DATABASE: another bot process is already running on")
        assert "use PostgreSQL" in message
        assert "\n" not in message
    with one_process_per_sqlite_file(database):  # released on leaving: taken again
        pass


def test_other_files_and_postgresql_urls_are_not_locked(tmp_path: Path) -> None:
    with (
        one_process_per_sqlite_file(tmp_path / "a.sqlite3"),
        one_process_per_sqlite_file(tmp_path / "b.sqlite3"),
        one_process_per_sqlite_file("postgresql://bot@db/mlebot"),
        one_process_per_sqlite_file("postgresql://bot@db/mlebot"),
    ):
        assert not Path("postgresql:").exists()


def test_an_unwritable_directory_is_one_line(tmp_path: Path) -> None:
    with (
        pytest.raises(SettingsError, match=r"^MLEBOT_DATABASE: cannot create the lock file"),
        one_process_per_sqlite_file(tmp_path / "missing" / "bot.sqlite3"),
    ):
        pass


HOLD = """
import sys, time
from bot.dblock import one_process_per_sqlite_file
with one_process_per_sqlite_file(sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.mark.slow  # a subprocess
async def test_kill_9_of_the_holder_releases_the_lock(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD, str(database), stdout=asyncio.subprocess.PIPE
    )
    assert holder.stdout is not None
    try:
        assert await asyncio.wait_for(holder.stdout.readline(), 20) == b"held\n"
        with pytest.raises(SettingsError), one_process_per_sqlite_file(database):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
    with one_process_per_sqlite_file(database):  # no stale lock after kill -9
        assert lock_path(database).exists()


def test_a_second_process_for_a_shard_of_a_postgresql_database_is_refused(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.new_database(migrated=False)
    try:
        shard_0 = Settings(database=url, shard_count=2, shard_ids=(0,))
        shard_1 = Settings(database=url, shard_count=2, shard_ids=(1,))
        with one_process_per_shard(shard_0), one_process_per_shard(shard_1):
            with pytest.raises(SettingsError) as caught, one_process_per_shard(shard_0):
                pass
            message = str(caught.value)
            assert message.startswith("MLEBOT_SHARD_IDS: shard(s) 0 of 2 already run in another")
            assert "\n" not in message
            unsharded = Settings(database=url)  # every guild: overlaps both, another count
            with (
                pytest.raises(SettingsError, match=r"^MLEBOT_DATABASE: another bot process"),
                one_process_per_shard(unsharded),
            ):
                pass
        with one_process_per_shard(shard_0):  # let go on leaving
            pass
    finally:
        postgres_server.drop(url)


def test_sqlite_takes_no_shard_lock(tmp_path: Path) -> None:
    settings = Settings(database=tmp_path / "bot.sqlite3", shard_count=2, shard_ids=(0, 1))
    with one_process_per_shard(settings), one_process_per_shard(settings):
        assert not list(tmp_path.iterdir())
