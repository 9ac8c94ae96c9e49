"""One heartbeat file per bot process (``Settings.heartbeat_file``), and ``mle-bot health``
reading the one of the process whose settings it is given (the container HEALTHCHECK runs it
with the container's environment).

SQLite: beside the file (one process per file). PostgreSQL: no file to sit beside, and several
processes may share one directory, so the name carries the shards the process runs;
``MLEBOT_HEARTBEAT`` overrides both.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.health import write_heartbeat
from bot.settings import SettingsError, load_settings

URL = "postgresql://bot@db.example/mlebot"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("MLEBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # the PostgreSQL default is relative: data/...


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Path:
    for name, value in env.items():
        monkeypatch.setenv(f"MLEBOT_{name.upper()}", value)
    return load_settings().heartbeat_file


def test_sqlite_heartbeat_sits_beside_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _settings(monkeypatch) == Path("data/mlebot.sqlite3.heartbeat")
    assert _settings(monkeypatch, database="x/bot.db") == Path("x/bot.db.heartbeat")
    # All shards in one process on SQLite: still the file's one heartbeat.
    assert _settings(monkeypatch, shard_count="2", shard_ids="0,1") == Path("x/bot.db.heartbeat")


def test_postgres_heartbeat_is_named_after_the_shards_the_process_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _settings(monkeypatch, database=URL) == Path("data/mlebot-postgres.heartbeat")
    assert _settings(monkeypatch, shard_count="2") == Path("data/mlebot-postgres.heartbeat")
    shard_0 = _settings(monkeypatch, shard_ids="0")
    shard_1 = _settings(monkeypatch, shard_ids="1")
    assert shard_0 == Path("data/mlebot-postgres-shards-0.heartbeat")
    assert shard_1 == Path("data/mlebot-postgres-shards-1.heartbeat")
    monkeypatch.setenv("MLEBOT_SHARD_COUNT", "4")
    assert _settings(monkeypatch, shard_ids="3,1") == Path(
        "data/mlebot-postgres-shards-1-3.heartbeat"
    )


def test_the_heartbeat_setting_wins_on_both_engines(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    chosen = tmp_path / "beats" / "me.heartbeat"
    assert _settings(monkeypatch, heartbeat=str(chosen)) == chosen
    assert _settings(monkeypatch, database=URL, shard_count="2", shard_ids="1") == chosen


def test_prepare_creates_the_heartbeat_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MLEBOT_DATABASE", URL)
    monkeypatch.setenv("MLEBOT_HEARTBEAT", str(tmp_path / "beats" / "one.heartbeat"))
    load_settings().prepare_database_path()
    assert (tmp_path / "beats").is_dir()
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("MLEBOT_HEARTBEAT", str(blocked / "one.heartbeat"))
    with pytest.raises(SettingsError) as refused:
        load_settings().prepare_database_path()
    assert str(refused.value).startswith("MLEBOT_HEARTBEAT: cannot create")


def test_health_reads_this_process_s_heartbeat_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two processes on one PostgreSQL in one directory: shard 0's is up, shard 1's stopped.
    Each process's ``mle-bot health`` (its own environment) gives its own verdict."""
    now = datetime.now(UTC)
    Path("data").mkdir()
    write_heartbeat(Path("data/mlebot-postgres-shards-0.heartbeat"), now=now, connected=True)
    write_heartbeat(
        Path("data/mlebot-postgres-shards-1.heartbeat"),
        now=now - timedelta(seconds=5),
        connected=False,
        stopped=True,
    )
    monkeypatch.setenv("MLEBOT_DATABASE", URL)
    monkeypatch.setenv("MLEBOT_SHARD_COUNT", "2")
    monkeypatch.setenv("MLEBOT_SHARD_IDS", "0")
    assert main(["health"]) == 0
    assert capsys.readouterr().out.startswith("healthy: connected")
    monkeypatch.setenv("MLEBOT_SHARD_IDS", "1")
    assert main(["health"]) == 1
    assert capsys.readouterr().out.startswith("unhealthy: not running")
    monkeypatch.delenv("MLEBOT_SHARD_IDS")  # all shards: a heartbeat no process wrote
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("unhealthy: not running: no heartbeat at")
    assert "data/mlebot-postgres.heartbeat" in out
