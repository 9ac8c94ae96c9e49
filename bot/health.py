"""Liveness for ``mle-bot health`` (the container HEALTHCHECK): a small heartbeat file.

The running bot rewrites ``<database>.heartbeat`` every :data:`HEARTBEAT_EVERY`; the health
command reads it. A file (not the database) so a check never contends with the bot's writes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEARTBEAT_EVERY = timedelta(seconds=30)
#: Older than this, the bot is considered hung or gone (a few missed beats, not one).
STALE_AFTER = timedelta(seconds=120)


def heartbeat_path(database: Path) -> Path:
    """Where the bot using ``database`` writes its heartbeat."""
    return database.with_name(database.name + ".heartbeat")


def write_heartbeat(path: Path, *, now: datetime, connected: bool) -> None:
    """Atomically replace the heartbeat file (a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(
            {"ts": now.astimezone(UTC).isoformat(), "connected": connected, "pid": os.getpid()}
        ),
        encoding="utf-8",
    )
    tmp.replace(path)


@dataclass(frozen=True)
class Health:
    """The verdict of :func:`check_health`, with a one-line reason for people."""

    ok: bool
    reason: str


def check_health(path: Path, *, now: datetime, stale_after: timedelta = STALE_AFTER) -> Health:
    """Healthy when the heartbeat is recent and says the gateway is connected."""
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        ts = datetime.fromisoformat(beat["ts"])
        connected = bool(beat["connected"])
    except FileNotFoundError:
        return Health(ok=False, reason=f"no heartbeat at {path}: is the bot running?")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Health(ok=False, reason=f"unreadable heartbeat at {path}: {exc}")
    age = now - ts
    if age > stale_after:
        return Health(ok=False, reason=f"last heartbeat {int(age.total_seconds())} s ago")
    if not connected:
        return Health(ok=False, reason="bot is running but not connected to Discord")
    return Health(ok=True, reason=f"connected, heartbeat {max(0, int(age.total_seconds()))} s ago")
