"""Settings: environment and TOML precedence, defaults, and one-line errors naming the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, environment_values, load_settings

ALL_VARS = (
    "DISCORD_TOKEN",
    "MLEBOT_DATABASE",
    "MLEBOT_CONTENT_DIR",
    "MLEBOT_DEV_GUILD_ID",
    "MLEBOT_DISCORD_API_BASE",
    "MLEBOT_DISCORD_GATEWAY",
    "MLEBOT_LOG_LEVEL",
    "MLEBOT_LOG_FORMAT",
    "MLEBOT_CATCHUP_GRACE_HOURS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):  # any spelling: names match in any case
        if name.upper().startswith("MLEBOT_") or name.upper() == "DISCORD_TOKEN":
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.database == Path("data/mlebot.sqlite3")
    assert settings.content_dir is None
    assert settings.dev_guild_id is None
    assert settings.discord_api_base == "https://discord.com/api/v10"
    assert settings.discord_gateway == "wss://gateway.discord.gg"
    assert settings.log_level == "INFO"
    assert settings.log_format == "text"
    assert settings.catchup_grace_hours == 24


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "Bot abc.def.ghi")
    monkeypatch.setenv("MLEBOT_DATABASE", str(tmp_path / "x" / "db.sqlite3"))
    monkeypatch.setenv("MLEBOT_CONTENT_DIR", str(tmp_path))
    monkeypatch.setenv("MLEBOT_DEV_GUILD_ID", "123456789012345678")
    monkeypatch.setenv("MLEBOT_DISCORD_API_BASE", "http://127.0.0.1:9/api/v10/")
    monkeypatch.setenv("MLEBOT_DISCORD_GATEWAY", "ws://127.0.0.1:9/gateway")
    monkeypatch.setenv("MLEBOT_LOG_LEVEL", "debug")
    monkeypatch.setenv("MLEBOT_LOG_FORMAT", "JSON")
    settings = load_settings()
    assert settings.require_token().get_secret_value() == "abc.def.ghi"  # "Bot " prefix dropped
    assert settings.dev_guild_id == 123456789012345678
    assert settings.discord_api_base == "http://127.0.0.1:9/api/v10"
    assert settings.log_level == "DEBUG"
    assert settings.log_format == "json"
    assert settings.content_dir == tmp_path
    assert settings.prepare_database_path() == tmp_path / "x" / "db.sqlite3"
    assert (tmp_path / "x").is_dir()


def test_toml_file_and_env_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "mlebot.toml"
    config.write_text('database = "from-file.sqlite3"\nlog_level = "WARNING"\n')
    monkeypatch.setenv("MLEBOT_LOG_LEVEL", "ERROR")
    settings = load_settings(config)
    assert settings.database == Path("from-file.sqlite3")
    assert settings.log_level == "ERROR"


def test_token_is_secret_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret-token")
    settings = load_settings()
    assert "very-secret-token" not in repr(settings)
    assert "very-secret-token" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("var", "value", "named"),
    [
        ("MLEBOT_DEV_GUILD_ID", "not-a-number", "MLEBOT_DEV_GUILD_ID"),
        ("MLEBOT_DEV_GUILD_ID", "-4", "MLEBOT_DEV_GUILD_ID"),
        ("MLEBOT_LOG_LEVEL", "loud", "MLEBOT_LOG_LEVEL"),
        ("MLEBOT_LOG_FORMAT", "xml", "MLEBOT_LOG_FORMAT"),
        ("MLEBOT_DISCORD_API_BASE", "ftp://x", "MLEBOT_DISCORD_API_BASE"),
        ("MLEBOT_DISCORD_GATEWAY", "https://x", "MLEBOT_DISCORD_GATEWAY"),
        ("MLEBOT_CONTENT_DIR", "/does/not/exist", "MLEBOT_CONTENT_DIR"),
        ("MLEBOT_CATCHUP_GRACE_HOURS", "1000", "MLEBOT_CATCHUP_GRACE_HOURS"),
        ("DISCORD_TOKEN", "has space inside", "DISCORD_TOKEN"),
    ],
)
def test_malformed_setting_names_itself_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, named: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    line = str(caught.value)
    assert line.startswith(f"{named}: ")
    assert "fix: " in line
    assert "\n" not in line
    if var == "DISCORD_TOKEN":
        assert value not in line  # the token is never echoed


def test_another_database_url_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLEBOT_DATABASE", "mysql://bot:s3cret@db.example/mlebot")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    line = str(caught.value)
    assert line.startswith("MLEBOT_DATABASE: ")
    assert "mysql:// URLs are not supported" in line
    assert "postgresql://" in line  # what is supported
    assert "fix: " in line
    assert "\n" not in line
    assert "s3cret" not in line  # a password in the URL is never printed


@pytest.mark.parametrize(
    "url", ["postgresql://bot:s3cret@db.example:5432/mlebot", "postgres://db.example/mlebot"]
)
def test_a_postgresql_url_is_kept_as_a_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str
) -> None:
    monkeypatch.setenv("MLEBOT_DATABASE", url)
    settings = load_settings()
    assert settings.database == url  # not a Path: "//" would have collapsed
    assert settings.local_path == Path("data/mlebot-postgres")


def test_a_file_path_stays_a_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLEBOT_DATABASE", "some/dir/bot.sqlite3")
    settings = load_settings()
    assert settings.database == Path("some/dir/bot.sqlite3")
    assert settings.local_path == settings.database


def test_missing_token_says_how_to_set_it() -> None:
    with pytest.raises(
        SettingsError, match=r"^DISCORD_TOKEN: is not set .*fix: .*Developer Portal"
    ):
        load_settings().require_token()


def test_unknown_key_in_toml(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('databse = "typo.sqlite3"\n')
    with pytest.raises(SettingsError, match=r"^databse: unknown setting in .*fix: remove it"):
        load_settings(config)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("database = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(bad)
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.log_level = "DEBUG"  # type: ignore[misc]


def test_environment_names_match_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("mlebot_log_level", "debug")
    monkeypatch.setenv("Discord_Token", "abc")
    settings = load_settings()
    assert settings.log_level == "DEBUG"
    assert settings.require_token().get_secret_value() == "abc"


def test_the_token_is_also_read_as_mlebot_discord_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLEBOT_DISCORD_TOKEN", "second")
    assert load_settings().require_token().get_secret_value() == "second"
    monkeypatch.setenv("DISCORD_TOKEN", "first")
    assert load_settings().require_token().get_secret_value() == "first"  # the usual name wins


@pytest.mark.parametrize("key", ["discord_token", "DISCORD_TOKEN"])
@pytest.mark.parametrize("variable", ["DISCORD_TOKEN", "MLEBOT_DISCORD_TOKEN"])
def test_the_token_from_the_environment_wins_over_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str, variable: str
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'{key} = "from-file"\n')
    assert load_settings(config).require_token().get_secret_value() == "from-file"
    monkeypatch.setenv(variable, "from-env")
    assert load_settings(config).require_token().get_secret_value() == "from-env"


def test_file_keys_match_in_any_case(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('Database = "x.sqlite3"\nLOG_LEVEL = "debug"\n')
    settings = load_settings(config)
    assert (settings.database, settings.log_level) == (Path("x.sqlite3"), "DEBUG")


def test_a_prefixed_name_in_the_file_is_unknown(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('MLEBOT_LOG_LEVEL = "debug"\n')
    with pytest.raises(SettingsError, match=r"^MLEBOT_LOG_LEVEL: unknown setting in "):
        load_settings(config)


def test_a_variable_set_to_nothing_counts_as_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLEBOT_DEV_GUILD_ID", "")
    with pytest.raises(SettingsError, match=r"^MLEBOT_DEV_GUILD_ID: Input should be a valid int"):
        load_settings()


def test_unknown_variables_are_ignored() -> None:
    environ = {"MLEBOT_NO_SUCH_SETTING": "1", "HOME": "/root", "MLEBOT_LOG_FORMAT": "json"}
    assert environment_values(environ) == {"log_format": "json"}


def test_the_model_alone_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLEBOT_LOG_LEVEL", "DEBUG")
    assert Settings().log_level == "INFO"  # Settings(...) is what it is given: tests rely on it
    assert load_settings().log_level == "DEBUG"
