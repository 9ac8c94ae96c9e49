"""Heartbeat file and the health verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.health import check_health, heartbeat_path, write_heartbeat

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_heartbeat_path_sits_beside_the_database(tmp_path: Path) -> None:
    assert heartbeat_path(tmp_path / "db.sqlite3") == tmp_path / "db.sqlite3.heartbeat"


def test_fresh_connected_heartbeat_is_healthy(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, now=NOW, connected=True)
    health = check_health(path, now=NOW + timedelta(seconds=30))
    assert health.ok
    assert "30 s ago" in health.reason


def test_stale_disconnected_missing_and_garbage_are_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    assert not check_health(path, now=NOW).ok
    write_heartbeat(path, now=NOW, connected=True)
    stale = check_health(path, now=NOW + timedelta(seconds=121))
    assert not stale.ok
    assert "121 s ago" in stale.reason
    write_heartbeat(path, now=NOW, connected=False)
    assert not check_health(path, now=NOW).ok
    path.write_text("{not json", encoding="utf-8")
    assert "unreadable" in check_health(path, now=NOW).reason
