"""``mle-bot health`` follows the bot at once: connected on ready, not running once stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from bot.__main__ import main
from bot.client import MLEBot
from bot.health import check_health, write_heartbeat

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def test_a_stopped_bot_is_not_running_at_once(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, now=NOW, connected=True, stopped=True)
    health = check_health(path, now=NOW + timedelta(seconds=1))
    assert not health.ok
    assert health.reason == "not running: the bot stopped 1 s ago"
    # Long after, it still says why (not "not responding").
    assert "the bot stopped 3600 s ago" in check_health(path, now=NOW + timedelta(hours=1)).reason


def test_connecting_stale_and_missing_say_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    assert check_health(path, now=NOW).reason.startswith("not running: no heartbeat at")
    write_heartbeat(path, now=NOW, connected=False)
    assert check_health(path, now=NOW).reason == "running but not connected to Discord (yet)"
    write_heartbeat(path, now=NOW, connected=True)
    stale = check_health(path, now=NOW + timedelta(seconds=200))
    assert stale.reason.startswith("not responding: last heartbeat 200 s ago")


def verdict(bot: MLEBot) -> str:
    health = check_health(bot.services.settings.heartbeat_file, now=datetime.now(UTC))
    return ("healthy: " if health.ok else "unhealthy: ") + health.reason


@time_machine.travel(NOW, tick=False)
async def test_the_bot_writes_its_state_as_it_changes(bot: MLEBot) -> None:
    await bot.on_ready()
    assert verdict(bot) == "healthy: connected, heartbeat 0 s ago"
    await bot.on_disconnect()
    assert verdict(bot) == "unhealthy: running but not connected to Discord (yet)"
    await bot.on_resumed()
    assert verdict(bot).startswith("healthy: connected")
    await bot.close()
    assert verdict(bot) == "unhealthy: not running: the bot stopped 0 s ago"
    # A gateway event that arrives during or after close() cannot bring it back to life.
    await bot.on_disconnect()
    await bot.on_ready()
    assert verdict(bot).startswith("unhealthy: not running")


@time_machine.travel(NOW, tick=False)
async def test_cli_health_says_not_running_after_a_stop(
    bot: MLEBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLEBOT_DATABASE", str(bot.services.settings.database))
    await bot.on_ready()
    assert main(["health"]) == 0
    assert capsys.readouterr().out == "healthy: connected, heartbeat 0 s ago\n"
    await bot.close()
    assert main(["health"]) == 1
    assert capsys.readouterr().out == "unhealthy: not running: the bot stopped 0 s ago\n"
