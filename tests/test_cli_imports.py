"""``mle-bot`` imports per subcommand: help, health and content check never load discord.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("discord", "aiohttp", "apscheduler", "bot.client", "bot.cogs", "scheduler", "aiosqlite")

SCRIPT = """
import contextlib, io, json, sys
from bot.__main__ import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(tmp_path: Path, *argv: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "", "PYTHONPATH": str(ROOT), "MLEBOT_DATABASE": str(tmp_path / "db")},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "argv", [("--help",), ("health",), ("content", "check"), ("ask", "--help")]
)
def test_light_subcommands_do_not_import_discord_or_the_cogs(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    loaded = modules_after(tmp_path, *argv)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert heavy == []


def test_ask_imports_what_it_renders_with(tmp_path: Path) -> None:
    loaded = modules_after(tmp_path, "ask", "/roadmap")
    assert "discord" in loaded  # the reply is rendered as discord.py would send it


def test_help_loads_neither_pydantic_nor_asyncio(tmp_path: Path) -> None:
    """Most of ``mle-bot --help``'s time was importing them (bench/bench_startup.py)."""
    loaded = modules_after(tmp_path, "--help")
    assert sorted(m for m in loaded if m.split(".")[0] in ("pydantic", "asyncio")) == []
