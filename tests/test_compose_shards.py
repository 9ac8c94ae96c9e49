"""compose.yaml: the default stays one bot process on SQLite; PostgreSQL is an opt-in profile;
the commented two-process example is valid YAML whose shard settings the bot accepts."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import load_settings

COMPOSE = Path(__file__).resolve().parent.parent / "compose.yaml"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def _commented_services() -> dict[str, Any]:
    """The commented-out services (``  # name:`` and deeper lines), uncommented and parsed."""
    lines = COMPOSE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^  # mlebot-shard0:$", line))
    block = []
    for line in lines[start:]:
        if not line.startswith("  #"):
            break
        block.append(line.replace("  # ", "  ", 1).replace("  #", "", 1) if line else line)
    parsed: dict[str, Any] = yaml.safe_load("\n".join(block))
    return parsed


def test_the_default_is_one_process_and_postgres_only_with_its_profile() -> None:
    services = _compose()["services"]
    default = [name for name, service in services.items() if "profiles" not in service]
    assert default == ["mlebot"]
    assert "MLEBOT_SHARD_COUNT" not in services["mlebot"].get("environment", {})
    assert services["postgres"]["profiles"] == ["postgres"]
    assert "DISCORD_TOKEN" not in str(services["postgres"])
    assert "postgres-data" in _compose()["volumes"]


def test_the_two_process_example_runs_each_shard_once(monkeypatch: pytest.MonkeyPatch) -> None:
    shards = _commented_services()
    assert sorted(shards) == ["mlebot-shard0", "mlebot-shard1"]
    seen: list[int] = []
    for service in shards.values():
        environment = service["environment"]
        assert environment["MLEBOT_DATABASE"].startswith("postgresql://")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        for name in list(os.environ):
            if name.upper().startswith("MLEBOT_"):
                monkeypatch.delenv(name)
        monkeypatch.setenv("MLEBOT_SHARD_COUNT", environment["MLEBOT_SHARD_COUNT"])
        monkeypatch.setenv("MLEBOT_SHARD_IDS", environment["MLEBOT_SHARD_IDS"])
        settings = load_settings()
        assert settings.shard_count == 2
        seen.extend(settings.shard_ids or ())
    assert sorted(seen) == [0, 1]
