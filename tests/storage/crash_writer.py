"""Child process for test_crash.py: writes forever, printing each acknowledged write.

Usage: python crash_writer.py DB_PATH PREFIX [TOGETHER [WAL_PAGES]]. A line ``ack
<challenge>`` is printed only after the write's ``await`` returned, i.e. after it was
committed. With TOGETHER > 1, that many writes are started at once, again and again, so they
share group commits and a kill lands in the middle of one. WAL_PAGES lowers the checkpoint
thread's limit (SQLite's 1,000) so the WAL is copied back all the time, and each ack is
followed by ``checkpoints <thread's> <writer's>``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from storage.models import CompletionSource
from storage.store import open_store


async def main(path: Path, prefix: str, together: int, pages: int | None) -> None:
    store = await open_store(path)
    checkpointer = store.db.checkpointer
    if pages is not None and checkpointer is not None:
        checkpointer.pages = pages
    print("ready", flush=True)

    async def write(i: int) -> None:
        challenge = f"{prefix}-{i}"
        if i % 2:  # with an audit entry in the same transaction
            await store.progress.record_completion(
                1, i % 50, challenge, points=3, source=CompletionSource.MODERATOR, actor_id=999
            )
        else:  # the member's own
            await store.progress.record_completion(1, i % 50, challenge, points=5)
        if i % 7 == 3:  # and some undone again, which moves totals and rank counts down
            await store.progress.undo_completion(1, i % 50, challenge)
            print(f"undone {challenge}", flush=True)
        print(f"ack {challenge}", flush=True)
        if pages is not None and checkpointer is not None:
            print(f"checkpoints {checkpointer.runs} {checkpointer.restarts}", flush=True)

    i = 0
    while True:
        await asyncio.gather(*(write(i + k) for k in range(together)))
        i += together


if __name__ == "__main__":
    together = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    pages = int(sys.argv[4]) if len(sys.argv) > 4 else None
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], together, pages))
