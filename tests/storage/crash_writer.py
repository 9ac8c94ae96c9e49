"""Child process for test_crash.py: writes forever, printing each acknowledged write.

Usage: python crash_writer.py DB_PATH PREFIX. A line ``ack <challenge>`` is printed only
after the write's ``await`` returned, i.e. after it was committed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from storage.models import CompletionSource
from storage.store import open_store


async def main(path: Path, prefix: str) -> None:
    store = await open_store(path)
    print("ready", flush=True)
    i = 0
    while True:
        challenge = f"{prefix}-{i}"
        if i % 2:  # a multi-statement transaction (completion + audit entry)
            await store.progress.record_completion(
                1, i % 50, challenge, points=3, source=CompletionSource.MODERATOR, actor_id=999
            )
        else:  # the single-statement hot path
            await store.progress.record_completion(1, i % 50, challenge, points=5)
        print(f"ack {challenge}", flush=True)
        i += 1


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
