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


def run_and_kill(path: Path, prefix: str, acks_before_kill: int) -> list[str]:
    """Start the writer, SIGKILL it after some acknowledged writes; return every ack."""
    child = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), prefix],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    acked: list[str] = []
    # If the child stalls, readline() would block forever: kill it after a generous limit.
    watchdog = threading.Timer(60, child.kill)
    watchdog.start()
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()  # type: ignore[union-attr]
        while len(acked) < acks_before_kill:
            line = child.stdout.readline()
            assert line, child.stderr.read()  # type: ignore[union-attr]
            acked.append(line.split()[1])
        os.kill(child.pid, signal.SIGKILL)
    finally:
        watchdog.cancel()
        child.kill()
        rest, _ = child.communicate(timeout=10)
    # Acks the child printed before it died are acknowledged writes too.
    acked += [line.split()[1] for line in rest.splitlines() if line.startswith("ack ")]
    assert child.returncode == -signal.SIGKILL
    return acked


@pytest.mark.slow
async def test_kill_9_during_writes(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    all_acked: list[str] = []
    for round_, count in enumerate((150, 301, 77)):
        acked = run_and_kill(path, f"r{round_}", count)
        all_acked += acked
        # Reopening runs the start-up checks (quick_check) and must succeed.
        async with await open_store(path) as store:
            assert await store.db.fetch("PRAGMA integrity_check") == [("ok",)]
            stored = {
                row[0]
                for row in await store.db.fetch(
                    "SELECT challenge_id FROM completions WHERE challenge_id LIKE ?",
                    (f"r{round_}-%",),
                )
            }
            assert set(acked) <= stored  # nothing acknowledged was lost
            assert len(stored - set(acked)) <= 1  # at most the write in flight
            # Moderator marks and their audit entries committed together or not at all.
            marked = {
                row[0]
                for row in await store.db.fetch(
                    "SELECT challenge_id FROM completions WHERE source = 'moderator'"
                )
            }
            audited = {row[0] for row in await store.db.fetch("SELECT challenge_id FROM audit_log")}
            assert marked == audited
            # Totals kept by triggers agree with the completions that survived.
            mismatched = await store.db.fetch(
                "SELECT m.user_id FROM members AS m WHERE m.points_all IS NOT"
                " (SELECT coalesce(sum(points), 0) FROM completions AS c"
                "  WHERE c.guild_id = m.guild_id AND c.user_id = m.user_id)"
            )
            assert mismatched == []
    with sqlite3.connect(path) as conn:
        total = conn.execute("SELECT count(*) FROM completions").fetchone()[0]
    conn.close()
    assert len(all_acked) <= total <= len(all_acked) + 3
