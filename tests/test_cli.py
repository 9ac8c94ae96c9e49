"""The ``mle-bot`` command as a user runs it: a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from content.loader import bundled_content_dir

pytestmark = pytest.mark.slow  # each test starts `python -m bot` as a subprocess


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith("MLEBOT_") and k != "DISCORD_TOKEN"
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_help_documents_commands_and_settings() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("run", "content", "DISCORD_TOKEN", "MLEBOT_DATABASE", "MLEBOT_LOG_FORMAT"):
        assert word in result.stdout


def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mle-bot: DISCORD_TOKEN: is not set")


def test_malformed_setting_exits_2(tmp_path: Path) -> None:
    result = run_cli("run", env={"MLEBOT_DEV_GUILD_ID": "abc", "DISCORD_TOKEN": "x"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("mle-bot: MLEBOT_DEV_GUILD_ID:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_content_check_passes_on_bundled_content(tmp_path: Path) -> None:
    result = run_cli("content", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK ")
    assert "roles" in result.stdout
    assert "salaries" in result.stdout


def test_content_check_lists_problems_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    broken.mkdir()
    for source in bundled_content_dir().glob("*.yaml"):
        (broken / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    target = next(p for p in sorted(broken.glob("*.yaml")) if p.name != "sources.yaml")
    target.write_text(target.read_text(encoding="utf-8") + "\n  bad: [unclosed\n", encoding="utf-8")
    result = run_cli("content", "check", str(broken))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{target.name}:")
    assert "problem(s)" in result.stderr


@pytest.mark.parametrize("argv", [["content"], ["bogus"], []])
def test_usage_errors_exit_2(argv: list[str]) -> None:
    assert run_cli(*argv).returncode == 2


def test_corrupt_database_stops_start_up_and_is_left_untouched(tmp_path: Path) -> None:
    database = tmp_path / "mlebot.sqlite3"
    garbage = b"this is not an sqlite database\x00" * 100
    database.write_bytes(garbage)
    env = {
        "DISCORD_TOKEN": "fake-token-for-tests",
        "MLEBOT_DATABASE": str(database),
        # Never reached: the database is opened before any connection is made.
        "MLEBOT_DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
        "MLEBOT_DISCORD_GATEWAY": "ws://127.0.0.1:9/gateway",
    }
    result = run_cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "corrupt or not an SQLite database" in result.stderr
    assert "Traceback" not in result.stderr
    assert database.read_bytes() == garbage


def test_unreachable_discord_is_one_clear_error_not_a_traceback(tmp_path: Path) -> None:
    env = {
        "DISCORD_TOKEN": "fake-token-for-tests-0123456789",
        "MLEBOT_DATABASE": str(tmp_path / "db.sqlite3"),
        "MLEBOT_DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",  # nothing listens on port 9
        "MLEBOT_DISCORD_GATEWAY": "ws://127.0.0.1:9/gateway",
    }
    result = run_cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot reach Discord at http://127.0.0.1:9/api/v10" in result.stderr
    assert "Traceback" not in result.stderr
    assert "voice will NOT be supported" not in result.stderr


def test_an_unreachable_postgresql_server_is_one_clear_line_without_the_password(
    tmp_path: Path,
) -> None:
    env = {
        "DISCORD_TOKEN": "fake-token-for-tests-0123456789",
        "MLEBOT_DATABASE": "postgresql://bot:s3cret@127.0.0.1:1/mlebot?connect_timeout=2",
        "MLEBOT_SHARD_COUNT": "2",
        "MLEBOT_SHARD_IDS": "1",
        "MLEBOT_DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
    }
    result = run_cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()  # at the shard lock, before Discord: one line
    assert line.startswith("mle-bot: cannot open the database postgresql://bot:***@127.0.0.1:1/")
    assert "PostgreSQL server is running" in line
    assert "s3cret" not in result.stderr + result.stdout
