"""Liveness for ``mle-bot health`` (the container HEALTHCHECK): a small heartbeat file.

The running bot rewrites its heartbeat file (``Settings.heartbeat_file``: ``<database>.heartbeat``
beside a SQLite file, one per process with PostgreSQL) every :data:`HEARTBEAT_EVERY`, at once when
the gateway is ready, resumed or lost, and a last time when it stops (``"state": "stopped"``);
the health command reads it. A file (not the database) so a check never contends with the
bot's writes. A bot that died without stopping (killed, power cut) leaves a beat that goes
stale after :data:`STALE_AFTER`.
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

#: The heartbeat's ``state``: connecting (started, gateway not ready or lost), connected, stopped.
CONNECTING = "connecting"
CONNECTED = "connected"
STOPPED = "stopped"


def heartbeat_path(database: Path) -> Path:
    """Where the bot using ``database`` writes its heartbeat."""
    return database.with_name(database.name + ".heartbeat")


def write_heartbeat(path: Path, *, now: datetime, connected: bool, stopped: bool = False) -> None:
    """Atomically replace the heartbeat file (a reader never sees half a file).

    ``stopped`` is the last beat of a bot that shut down: health then says "not running".
    """
    state = STOPPED if stopped else (CONNECTED if connected else CONNECTING)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(
            {
                "ts": now.astimezone(UTC).isoformat(),
                "connected": connected and not stopped,
                "state": state,
                "pid": os.getpid(),
            }
        ),
        encoding="utf-8",
    )
    tmp.replace(path)


@dataclass(frozen=True)
class Health:
    """The verdict of :func:`check_health`, with a one-line reason for people."""

    ok: bool
    reason: str


def _ago(age: timedelta) -> str:
    return f"{max(0, int(age.total_seconds()))} s ago"


def check_health(path: Path, *, now: datetime, stale_after: timedelta = STALE_AFTER) -> Health:
    """Healthy when the heartbeat is recent and says the gateway is connected."""
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        ts = datetime.fromisoformat(beat["ts"])
        connected = bool(beat["connected"])
        state = beat.get("state")
    except FileNotFoundError:
        return Health(ok=False, reason=f"not running: no heartbeat at {path}")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return Health(ok=False, reason=f"unreadable heartbeat at {path}: {exc}")
    age = now - ts
    if state == STOPPED:
        return Health(ok=False, reason=f"not running: the bot stopped {_ago(age)}")
    if age > stale_after:
        reason = f"not responding: last heartbeat {_ago(age)} (killed, crashed or hung)"
        return Health(ok=False, reason=reason)
    if not connected:
        return Health(ok=False, reason="running but not connected to Discord (yet)")
    return Health(ok=True, reason=f"connected, heartbeat {_ago(age)}")
