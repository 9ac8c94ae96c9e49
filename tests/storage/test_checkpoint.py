"""The WAL is copied back into the database file by a thread of its own, not by commits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.store import open_store
from tests.storage.conftest import FakeClock

G = 1


def wal_pages(path: Path) -> int:
    """The WAL file's size in pages (0 when there is none)."""
    wal = Path(f"{path}-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


async def test_the_wal_stays_small_while_commits_never_checkpoint(
    db_path: Path, clock: FakeClock
) -> None:
    async with await open_store(db_path, clock=clock) as store:
        checkpointer = store.db.checkpointer
        assert checkpointer is not None
        checkpointer.pages = 8  # SQLite's 1,000 would need megabytes of writes here
        for user in range(300):  # one commit each, a few pages each: ~1,000 frames in all
            await store.progress.record_completion(
                G, user, "c1", points=5, display_name=f"member {user}"
            )
        assert checkpointer.runs >= 1  # the thread copied
        assert checkpointer.restarts >= 1  # the writes came one after another: the writer
        # finished the copy now and then, so the WAL started over. Without either it would
        # hold every frame since the first commit (~1,600 pages here).
        assert wal_pages(db_path) < 800
        summary = await store.progress.summary(G, 299)
        assert summary is not None
        assert summary.points == 5
    # The copy is the database: every completion is in the file once the store is closed.
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM completions").fetchone() == (300,)


async def test_closing_stops_the_thread_and_removes_the_wal(
    db_path: Path, clock: FakeClock
) -> None:
    store = await open_store(db_path, clock=clock)
    checkpointer = store.db.checkpointer
    assert checkpointer is not None
    await store.progress.record_completion(G, 1, "c1", points=5, display_name="Ada")
    await store.close()
    assert not checkpointer.alive
    assert wal_pages(db_path) == 0  # the last connection to close removed it
