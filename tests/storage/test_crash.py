"""kill -9 in the middle of writes loses at most the write in flight."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from storage.store import open_store

WRITER = Path(__file__).with_name("crash_writer.py")


def run_and_kill(
    path: Path,
    prefix: str,
    acks_before_kill: int,
    together: int = 1,
    wal_pages: int | None = None,
    lines: list[str] | None = None,
) -> tuple[set[str], set[str]]:
    """Start the writer, SIGKILL it after some acknowledged writes.

    Returns the acknowledged completions and, among them, those acknowledged as undone;
    ``lines`` (if given) receives everything the writer printed.
    """
    extra = [] if wal_pages is None else [str(wal_pages)]
    child = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), prefix, str(together), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines = [] if lines is None else lines
    # If the child stalls, readline() would block forever: kill it after a generous limit.
    watchdog = threading.Timer(60, child.kill)
    watchdog.start()
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()  # type: ignore[union-attr]
        while sum(line.startswith("ack ") for line in lines) < acks_before_kill:
            line = child.stdout.readline()
            assert line, child.stderr.read()  # type: ignore[union-attr]
            lines.append(line)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        watchdog.cancel()
        child.kill()
        # Read the rest through the same buffered stream: readline() may already hold lines
        # read ahead from the pipe, which communicate() (raw reads of the pipe) would miss.
        rest = child.stdout.read()
        child.wait(timeout=10)
        assert child.stderr is not None
        child.stderr.close()
    # Lines the child printed before it died are acknowledged too.
    lines += rest.splitlines()
    assert child.returncode == -signal.SIGKILL
    acked = {line.split()[1] for line in lines if line.startswith("ack ")}
    undone = {line.split()[1] for line in lines if line.startswith("undone ")}
    return acked, undone


async def check_after_kill(path: Path, prefix: str, acked: set[str], undone: set[str]) -> set[str]:
    """Reopen (start-up checks included) and compare with what was acknowledged."""
    async with await open_store(path) as store:
        assert await store.db.fetch("PRAGMA integrity_check") == [("ok",)]
        stored = {
            row[0]
            for row in await store.db.fetch(
                "SELECT challenge_id FROM completions WHERE challenge_id LIKE ?", (f"{prefix}-%",)
            )
        }
        assert acked - undone <= stored  # nothing acknowledged was lost
        assert not undone & stored  # nothing acknowledged as undone came back
        # Moderator marks and their audit entries committed together or not at all.
        marked = {
            row[0]
            for row in await store.db.fetch(
                "SELECT challenge_id FROM completions WHERE source = 'moderator'"
            )
        }
        audited = {
            row[0]
            for row in await store.db.fetch(
                "SELECT challenge_id FROM audit_log WHERE action = 'mark'"
            )
        }
        assert marked <= audited
        # Totals kept by triggers, and rank counts, agree with the completions that survived.
        mismatched = await store.db.fetch(
            "SELECT m.user_id FROM members AS m WHERE m.points_all IS NOT"
            " (SELECT coalesce(sum(points), 0) FROM completions AS c"
            "  WHERE c.guild_id = m.guild_id AND c.user_id = m.user_id)"
        )
        assert mismatched == []
        counts = await store.db.fetch(
            "SELECT guild_id, period, points, members FROM rank_counts ORDER BY 1, 2, 3"
        )
        recount = await store.db.fetch(
            "SELECT * FROM (SELECT guild_id, 'all_time', points_all, count(*) FROM members"
            " WHERE completions_all > 0 AND opted_out = 0 GROUP BY guild_id, points_all"
            " UNION ALL SELECT guild_id, 'season', points_season, count(*) FROM members"
            " WHERE completions_season > 0 AND opted_out = 0 GROUP BY guild_id, points_season)"
            " ORDER BY 1, 2, 3"
        )
        assert counts == recount
    return stored


@pytest.mark.slow
async def test_kill_9_during_writes(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    all_acked: set[str] = set()
    for round_, count in enumerate((150, 301, 77)):
        prefix = f"r{round_}"
        acked, undone = run_and_kill(path, prefix, count)
        all_acked |= acked - undone
        stored = await check_after_kill(path, prefix, acked, undone)
        assert len(stored - acked) <= 1  # at most the write in flight
    with sqlite3.connect(path) as conn:
        total = conn.execute("SELECT count(*) FROM completions").fetchone()[0]
    conn.close()
    assert len(all_acked) <= total <= len(all_acked) + 3


@pytest.mark.slow
async def test_kill_9_during_group_commits(tmp_path: Path) -> None:
    """Writes started 25 at a time share commits; the kill lands while groups are in flight.

    Every acknowledged completion survives, none acknowledged as undone comes back, and at
    most the writes in flight (one batch) are stored without an acknowledgement.
    """
    path = tmp_path / "bot.db"
    for round_, count in enumerate((120, 263, 51)):
        prefix = f"g{round_}"
        acked, undone = run_and_kill(path, prefix, count, together=25)
        stored = await check_after_kill(path, prefix, acked, undone)
        assert len(stored - acked) <= 25


@pytest.mark.slow
async def test_kill_9_while_the_wal_is_copied_back(tmp_path: Path) -> None:
    """With the checkpoint limit at 4 pages the WAL is copied back (by the thread, and by the
    writer before a write) nearly all the time, so each kill lands in or near a checkpoint:
    the file stays intact and nothing acknowledged is lost."""
    path = tmp_path / "bot.db"
    for round_, count in enumerate((90, 211, 37)):
        prefix = f"w{round_}"
        lines: list[str] = []
        acked, undone = run_and_kill(path, prefix, count, together=5, wal_pages=4, lines=lines)
        last = [line.split() for line in lines if line.startswith("checkpoints ")][-1]
        assert int(last[1]) > 0  # the thread copied
        assert int(last[2]) > 0  # and the writer started the WAL over
        stored = await check_after_kill(path, prefix, acked, undone)
        assert len(stored - acked) <= 5
