"""Copy SQLite's write-ahead log back into the database file off the writer's thread.

SQLite's automatic checkpoint runs inside the ``COMMIT`` whose WAL crosses 1,000 pages: that
one write waits while the pages are copied and the file is synced. In
``bench/bench_storage.py`` at 20,000 members a guild that was the p99 of recording a
completion: ~8.5 ms against a median of 0.34 ms. So the writer's automatic
checkpoint is off (``PRAGMA wal_autocheckpoint = 0``) and a :class:`Checkpointer` does the
copying on a thread and connection of its own:

* after each write :meth:`Checkpointer.nudge` reads how many frames of the WAL are not yet
  copied and, past SQLite's 1,000 pages, wakes the thread, which runs ``PRAGMA
  wal_checkpoint(PASSIVE)``: it never waits for a lock and never blocks the writer or the
  readers, and copies what no reader still needs;
* SQLite starts the WAL over (writes it from the beginning again) only in a write
  transaction that *began* with every frame copied, which writes arriving one after another
  never see while another connection copies. So when the WAL has grown past
  :data:`RESTART_PAGES` times 1,000 frames without starting over, the writer copies the
  rest itself before its next write (:meth:`Checkpointer.before_write`, the thread having
  copied most of it), and that write starts the WAL over. Writes with pauses between them
  never need it.

Measured with the same bench, 2,000 and 20,000 members a guild: record p99 1.6-1.9 ms (raw
SQL's ~0.3 ms beside it, its checkpoints done by this thread too); the WAL stays under ~5,000
frames. Sizing the WAL by its file instead (``journal_size_limit = 0``, so SQLite truncates
it when it starts over) put the p99 at ~2.1 ms: truncating and re-growing the file cost the
writer more than reading the index does.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Protocol

__all__ = ["WAL_PAGES", "WRITER_PRAGMAS", "Checkpointer"]

log = logging.getLogger(__name__)

#: Pages in the WAL before it is copied back (SQLite's own automatic checkpoint: 1,000).
WAL_PAGES: Final = 1000

#: How many times ``pages`` frames the WAL may hold before the writer copies the rest itself.
RESTART_PAGES: Final = 4

#: Set on the writer's connection when a :class:`Checkpointer` runs beside it.
WRITER_PRAGMAS: Final = ("PRAGMA wal_autocheckpoint = 0",)


class _Statements(Protocol):
    """What :meth:`Checkpointer.before_write` needs of the writer's connection."""

    def execute(self, sql: str, /) -> Any:
        """Run one statement."""
        ...


class Checkpointer:
    """One thread that checkpoints the database at ``path`` when the WAL has grown."""

    def __init__(
        self,
        path: Path,
        connect: Callable[[], sqlite3.Connection],
        pages: int = WAL_PAGES,
    ) -> None:
        self._shm = f"{path}-shm"
        self._shm_fd: int | None = None
        self._connect = connect
        self.pages = pages
        self._wake = threading.Event()
        self._stopping = False
        #: Set by the loop's thread when it wakes this one, cleared by this one when done.
        self._copying = False
        #: The WAL frame count past which the writer copies the rest itself.
        self._retry_at = 0
        #: Checkpoints run by the thread, and by the writer to start the WAL over (tests).
        self.runs = 0
        self.restarts = 0
        self._thread = threading.Thread(target=self._work, name="mlebot-sqlite-checkpoint")
        self._thread.daemon = True
        self._thread.start()

    def _counters(self) -> tuple[int, int]:
        """``(mxFrame, nBackfill)`` from the WAL index header (``-shm``; SQLite's "WAL-mode
        File Format", section 2.2.1): the last valid frame, at byte 16, and the frames
        already copied into the database file, at byte 96, both in the machine's byte
        order. One ``pread`` and no lock: a stale value only moves a checkpoint by a commit.
        """
        try:
            if self._shm_fd is None:
                self._shm_fd = os.open(self._shm, os.O_RDONLY)
            head = os.pread(self._shm_fd, 100, 0)
        except OSError:  # no index yet: nothing written
            return 0, 0
        if len(head) < 100:
            return 0, 0
        return int.from_bytes(head[16:20], sys.byteorder), int.from_bytes(
            head[96:100], sys.byteorder
        )

    def nudge(self) -> None:
        """After a commit, on the loop's thread: wake the thread past ``pages`` frames (not
        once the WAL is long enough for the writer to finish the copy: its turn)."""
        if self._copying:
            return
        last, copied = self._counters()
        if last - copied > self.pages and last < RESTART_PAGES * self.pages:
            self._copying = True
            self._wake.set()

    def before_write(self, conn: _Statements) -> None:
        """On the writer's thread, before ``BEGIN``: when writes have come one after another
        long enough for the WAL to pass :data:`RESTART_PAGES` times ``pages`` frames without
        starting over, copy the rest here so that this write starts it over."""
        last, _ = self._counters()
        limit = RESTART_PAGES * self.pages
        if last < limit:  # started over (or never grew so far)
            self._retry_at = limit
            return
        if self._copying or last < self._retry_at:
            return
        self._retry_at = last + self.pages  # if a reader keeps it from starting over
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:  # the write itself must not fail for this
            log.warning("copying the WAL into the database failed: %s", error)
        else:
            self.restarts += 1

    @property
    def alive(self) -> bool:
        """Whether the thread runs (until :meth:`stop`)."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """End the thread after the checkpoint in progress, if any, and close its connection."""
        self._stopping = True
        self._wake.set()
        self._thread.join()
        if self._shm_fd is not None:
            os.close(self._shm_fd)
            self._shm_fd = None

    def _work(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    if conn is None:
                        conn = self._connect()
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.runs += 1
                except sqlite3.Error as error:  # e.g. a full disk: the next nudge tries again
                    log.warning("copying the WAL into the database failed: %s", error)
                finally:
                    self._copying = False
        finally:
            if conn is not None:
                conn.close()
