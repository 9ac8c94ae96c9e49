"""MLEBOT_SHARD_COUNT / MLEBOT_SHARD_IDS: parsed, checked against each other, one-line errors,
and a share of the shards on a SQLite file refused (SQLite serves one process)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import SettingsError, is_sqlite, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("MLEBOT_"):
            monkeypatch.delenv(name)


def test_unset_means_one_process_with_every_shard() -> None:
    settings = load_settings()
    assert (settings.shard_count, settings.shard_ids) == (None, None)
    assert not settings.runs_some_shards
    settings.require_one_process_on_sqlite()  # nothing to refuse


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        ("2", None, (2, None)),
        ("2", "1,0", (2, (0, 1))),
        ("4", " 3 , 1 ", (4, (1, 3))),
        ("1", "0", (1, (0,))),
        ("2", "", (2, None)),  # set but empty: unset
    ],
)
def test_environment_values(
    monkeypatch: pytest.MonkeyPatch, count: str, ids: str | None, expected: object
) -> None:
    monkeypatch.setenv("MLEBOT_SHARD_COUNT", count)
    if ids is not None:
        monkeypatch.setenv("MLEBOT_SHARD_IDS", ids)
    settings = load_settings()
    assert (settings.shard_count, settings.shard_ids) == expected


def test_toml_list(tmp_path: Path) -> None:
    config = tmp_path / "mlebot.toml"
    config.write_text("shard_count = 3\nshard_ids = [2, 0]\n", encoding="utf-8")
    settings = load_settings(config)
    assert (settings.shard_count, settings.shard_ids) == (3, (0, 2))


@pytest.mark.parametrize(
    ("env", "start"),
    [
        ({"MLEBOT_SHARD_COUNT": "0"}, "MLEBOT_SHARD_COUNT: Input should be greater than or equal"),
        ({"MLEBOT_SHARD_COUNT": "two"}, "MLEBOT_SHARD_COUNT: Input should be a valid integer"),
        ({"MLEBOT_SHARD_IDS": "0"}, "MLEBOT_SHARD_IDS: needs MLEBOT_SHARD_COUNT"),
        (
            {"MLEBOT_SHARD_COUNT": "2", "MLEBOT_SHARD_IDS": "0,2"},
            "MLEBOT_SHARD_IDS: shard 2 does not exist: with MLEBOT_SHARD_COUNT=2, shards are 0",
        ),
        ({"MLEBOT_SHARD_COUNT": "2", "MLEBOT_SHARD_IDS": "1,1"}, "MLEBOT_SHARD_IDS: lists a shard"),
        (
            {"MLEBOT_SHARD_COUNT": "2", "MLEBOT_SHARD_IDS": "0;1"},
            "MLEBOT_SHARD_IDS: '0;1' is not a comma-separated list",
        ),
        ({"MLEBOT_SHARD_COUNT": "2", "MLEBOT_SHARD_IDS": "-1"}, "MLEBOT_SHARD_IDS: '-1' is not"),
    ],
)
def test_bad_values_are_one_line_naming_the_setting_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], start: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(start), message
    assert "; fix: " in message
    assert "\n" not in message


def test_a_share_of_the_shards_on_sqlite_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLEBOT_SHARD_COUNT", "2")
    monkeypatch.setenv("MLEBOT_SHARD_IDS", "1")
    monkeypatch.setenv("MLEBOT_DATABASE", "shared.sqlite3")
    settings = load_settings()
    assert settings.runs_some_shards
    with pytest.raises(SettingsError) as caught:
        settings.require_one_process_on_sqlite()
    message = str(caught.value)
    assert message.startswith("MLEBOT_SHARD_IDS: this process would run shard(s) 1 of 2")
    assert "a SQLite database (shared.sqlite3) serves one process only" in message
    assert "use PostgreSQL" in message
    assert "run all 2 shards in this one process" in message
    assert "\n" not in message


@pytest.mark.parametrize(("count", "ids"), [("2", "0,1"), ("2", None), ("1", "0")])
def test_every_shard_in_one_process_is_fine_on_sqlite(
    monkeypatch: pytest.MonkeyPatch, count: str, ids: str | None
) -> None:
    monkeypatch.setenv("MLEBOT_SHARD_COUNT", count)
    if ids is not None:
        monkeypatch.setenv("MLEBOT_SHARD_IDS", ids)
    settings = load_settings()
    assert not settings.runs_some_shards
    settings.require_one_process_on_sqlite()


def test_what_counts_as_sqlite() -> None:
    assert is_sqlite(Path("data/mlebot.sqlite3"))
    assert is_sqlite("/var/lib/mlebot/db.sqlite3")
    assert not is_sqlite("postgresql://bot@db/mlebot")
    assert not is_sqlite("postgres://bot@db/mlebot")
