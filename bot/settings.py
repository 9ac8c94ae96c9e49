"""Typed settings, read once at start-up from the environment and an optional TOML file.

Precedence: environment variables > ``--config`` TOML file > defaults. The TOML file uses the
field names below (``database = "..."``); the environment uses ``MLEBOT_<FIELD>`` except for the
token, which is the conventional ``DISCORD_TOKEN``. Nothing here runs at import time:
:func:`load_settings` is called by ``bot.__main__``.

:class:`Settings` is a plain pydantic model, and the few lines reading the environment and the
file are ours (:func:`environment_values`, :func:`file_values`): pydantic-settings did the
same, at 1.4 MB of the idle bot's memory for its other sources (issue 14).
"""

from __future__ import annotations

import os
import textwrap
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from bot.health import heartbeat_path
from bot.lag import MAX_HANDLERS

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]

#: How to fix each setting, shown after the error (one line in total).
FIXES: dict[str, str] = {
    "discord_token": "set it to your bot token from the Discord Developer Portal (Bot > Token)",
    "database": (
        "set it to a writable file path, e.g. ./data/mlebot.sqlite3, "
        "or a postgresql://user:password@host/dbname URL"
    ),
    "content_dir": "point it at a directory of content YAML files, or unset it for the bundled one",
    "dev_guild_id": "set it to a numeric server id (Developer Mode > Copy Server ID) or unset it",
    "discord_api_base": "use an http(s) URL such as https://discord.com/api/v10",
    "discord_gateway": "use a ws(s) URL such as wss://gateway.discord.gg",
    "log_level": "use one of DEBUG, INFO, WARNING, ERROR",
    "log_format": "use text or json",
    "catchup_grace_hours": "use a number of hours between 0 and 168",
    "shard_count": "set it to the total number of shards (1 or more), or unset it",
    "shard_ids": "list this process's shards, e.g. 0,1, each below MLEBOT_SHARD_COUNT",
    "heartbeat": "set it to a writable file path (one per bot process), or unset it",
    "max_handlers": "use a whole number between 1 and 10000",
}


class SettingsError(Exception):
    """A missing or malformed setting; ``str()`` is one line naming the setting and the fix."""

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        self.setting = setting
        self.problem = problem
        self.fix = fix
        super().__init__(f"{setting}: {problem}; fix: {fix}")


#: ``json_schema_extra`` key of a field whose default reads better in words ("unset"...).
SHOWN_DEFAULT = "shown_default"
#: ``MLEBOT_DATABASE`` values that name a PostgreSQL database rather than an SQLite file.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
#: With PostgreSQL there is no database file: the heartbeat is named after this path.
POSTGRES_LOCAL_PATH = Path("data/mlebot-postgres")
ENV_PREFIX = "MLEBOT_"


class Settings(BaseModel):
    """Everything the bot can be configured with: the one source of the settings' docs.

    Each field's ``description`` (and default) is what ``mle-bot --help`` lists and what the
    README's "Settings" table says (``tests/test_settings_docs.py`` holds the table to it).
    ``Settings(...)`` takes the values given and nothing else; :func:`load_settings` reads
    them from the environment and the TOML file.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        validate_default=True,
    )

    discord_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DISCORD_TOKEN", "discord_token"),
        description="Bot token. Held as a secret: never logged or printed.",
        json_schema_extra={SHOWN_DEFAULT: "none (required for `run`)"},
    )
    database: Path | str = Field(
        default=Path("data/mlebot.sqlite3"),
        description=(
            "SQLite file (the parent directory is created), or a `postgresql://` URL "
            "(`pip install .[postgres]`)."
        ),
    )
    content_dir: Path | None = Field(
        default=None,
        description="A directory of content YAML, laid out like `content/data/`.",
        json_schema_extra={SHOWN_DEFAULT: "bundled content"},
    )
    dev_guild_id: int | None = Field(
        default=None,
        gt=0,
        description="Sync commands to this one server instantly (development).",
    )
    discord_api_base: str = Field(
        default="https://discord.com/api/v10",
        description="REST base: a shared rate-limit proxy, or a local fake in tests.",
    )
    discord_gateway: str = Field(
        default="wss://gateway.discord.gg",
        description="Gateway URL: a gateway proxy, or a local fake.",
    )
    log_level: LogLevel = Field(default="INFO", description="`DEBUG`, `INFO`, `WARNING`, `ERROR`.")
    log_format: LogFormat = Field(
        default="text", description="`text`, or `json` (one event per line)."
    )
    catchup_grace_hours: float = Field(
        default=24.0,
        ge=0,
        le=168,
        description="A weekly post missed while the bot was down is sent late within this window.",
    )
    shard_count: int | None = Field(
        default=None,
        ge=1,
        description="How many shards the bot has in all (Discord requires them at 2,500 servers).",
        json_schema_extra={SHOWN_DEFAULT: "unset (one shard)"},
    )
    # "0,1" from the environment is a list (``_comma_list``); the TOML file gives [0, 1].
    shard_ids: tuple[int, ...] | None = Field(
        default=None,
        description="The shards this process runs, e.g. `0,1` (needs `MLEBOT_SHARD_COUNT`).",
        json_schema_extra={SHOWN_DEFAULT: "unset (all shards)"},
    )
    heartbeat: Path | None = Field(
        default=None,
        description=(
            "The file the running bot beats in and `mle-bot health` reads; one per process."
        ),
        json_schema_extra={
            SHOWN_DEFAULT: (
                "beside the SQLite file; with PostgreSQL "
                "`data/mlebot-postgres[-shards-0-1].heartbeat`"
            )
        },
    )

    max_handlers: int = Field(
        default=MAX_HANDLERS,
        ge=1,
        le=10_000,
        description="Interaction handlers run at once in a burst; the rest wait their turn.",
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _normalise_case(cls, value: object, info: Any) -> object:
        if isinstance(value, str):
            return value.upper() if info.field_name == "log_level" else value.lower()
        return value

    @field_validator("discord_token", mode="after")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value().strip()
        if raw.lower().startswith("bot "):
            raw = raw[4:].strip()
        if not raw:
            return None
        if any(ch.isspace() for ch in raw):
            raise ValueError("the token contains whitespace")
        return SecretStr(raw)

    @field_validator("database", mode="before")
    @classmethod
    def _file_or_postgres_url(cls, value: object) -> object:
        # A PostgreSQL URL stays a string (as a Path, "//" would collapse); any other text is
        # a file path. Another scheme would otherwise become a file named "mysql:/..."
        if isinstance(value, str):
            if value.startswith(POSTGRES_SCHEMES):
                return value
            if "://" in value:
                scheme = value.split("://", 1)[0]
                raise ValueError(
                    f"{scheme}:// URLs are not supported (a SQLite file path or a "
                    "postgresql:// URL is)"
                )
            return Path(value)
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",")]
            if items == [""]:
                return None  # set but empty: unset
            if not all(item.isdigit() for item in items):
                raise ValueError(f"{value!r} is not a comma-separated list of shard numbers")
            return tuple(int(item) for item in items)
        return value

    @field_validator("shard_ids", mode="after")
    @classmethod
    def _ids_fit_count(cls, value: tuple[int, ...] | None, info: Any) -> tuple[int, ...] | None:
        if value is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError(f"needs {ENV_PREFIX}SHARD_COUNT (how many shards there are in all)")
        if not value:
            raise ValueError("lists no shard")
        if len(set(value)) != len(value):
            raise ValueError("lists a shard twice")
        outside = [shard for shard in value if not 0 <= shard < count]
        if outside:
            raise ValueError(
                f"shard {outside[0]} does not exist: with {ENV_PREFIX}SHARD_COUNT={count}, "
                f"shards are 0 to {count - 1}"
            )
        return tuple(sorted(value))

    @field_validator("discord_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/")

    @field_validator("discord_gateway")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("not a ws(s) URL")
        return value

    @field_validator("content_dir")
    @classmethod
    def _existing_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    def require_token(self) -> SecretStr:
        """The token, or a :class:`SettingsError` saying how to provide it."""
        if self.discord_token is None:
            raise SettingsError(
                "DISCORD_TOKEN", "is not set (required for `mle-bot run`)", FIXES["discord_token"]
            )
        return self.discord_token

    @property
    def runs_some_shards(self) -> bool:
        """This process runs only some of the shards: other processes run the rest."""
        return (
            self.shard_count is not None
            and self.shard_ids is not None
            and len(self.shard_ids) < self.shard_count
        )

    def require_one_process_on_sqlite(self) -> None:
        """Refuse (:class:`SettingsError`) a share of the shards on a SQLite database.

        SQLite serves one process: the other processes, running the other shards, would write
        the same file with no shared claims or caches. Several processes need PostgreSQL.
        """
        if not self.runs_some_shards or not is_sqlite(self.database):
            return
        ids = ",".join(str(shard) for shard in self.shard_ids or ())
        raise SettingsError(
            ENV_NAMES["shard_ids"],
            f"this process would run shard(s) {ids} of {self.shard_count} and leave the rest to "
            f"other processes, but a SQLite database ({self.database}) serves one process only",
            f"use PostgreSQL (MLEBOT_DATABASE=postgresql://...) for several processes, or run "
            f"all {self.shard_count} shards in this one process (unset {ENV_NAMES['shard_ids']})",
        )

    @property
    def local_path(self) -> Path:
        """The SQLite file; with PostgreSQL, the local path the heartbeat file is named after."""
        if isinstance(self.database, Path):
            return self.database
        return POSTGRES_LOCAL_PATH

    @property
    def heartbeat_file(self) -> Path:
        """Where this process writes its heartbeat and where ``mle-bot health`` looks.

        ``MLEBOT_HEARTBEAT`` when set; else beside the SQLite file (one process per file);
        with PostgreSQL, named after the shards the process runs, so several processes in
        one directory (each with its own ``MLEBOT_SHARD_IDS``) keep apart:
        ``data/mlebot-postgres-shards-0.heartbeat``, ``...-shards-1.heartbeat``.
        """
        if self.heartbeat is not None:
            return self.heartbeat
        path = self.local_path
        if not isinstance(self.database, Path) and self.shard_ids is not None:
            ids = "-".join(str(shard) for shard in self.shard_ids)
            path = path.with_name(f"{path.name}-shards-{ids}")
        return heartbeat_path(path)

    def prepare_database_path(self) -> Path:
        """Create the parent directories of :attr:`local_path` (the database file, or the
        heartbeat's name with PostgreSQL) and of :attr:`heartbeat_file`; raise
        :class:`SettingsError` if impossible."""
        path = self.local_path
        for setting, directory in (
            ("database", path.parent),
            ("heartbeat", self.heartbeat_file.parent),
        ):
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SettingsError(
                    ENV_NAMES[setting],
                    f"cannot create {directory} ({exc.strerror})",
                    FIXES[setting],
                ) from exc
        return path


def is_sqlite(database: object) -> bool:
    """Whether ``MLEBOT_DATABASE`` names a SQLite file (anything but a PostgreSQL URL)."""
    return not str(database).startswith(POSTGRES_SCHEMES)


def env_name(field: str) -> str:
    """The environment variable of a field: ``MLEBOT_<FIELD>``, or its alias (the token)."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return ENV_PREFIX + field.upper()


#: Field name -> the environment variable a person sets, for error messages and docs.
ENV_NAMES: dict[str, str] = {field: env_name(field) for field in Settings.model_fields}


@dataclass(frozen=True)
class SettingDoc:
    """One setting as documented: variable, default as shown, and what it means."""

    env: str
    #: The default as a person reads it: a value (``./data/mlebot.sqlite3``) or words.
    default: str
    #: ``default`` is a value (shown as code), not words such as "unset".
    literal: bool
    meaning: str


def _shown(value: object) -> str:
    if isinstance(value, Path) and not value.is_absolute():
        return f"./{value.as_posix()}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def setting_docs() -> list[SettingDoc]:
    """Every setting, in declaration order, documented from :class:`Settings` alone."""
    docs = []
    for field, info in Settings.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        words = extra.get(SHOWN_DEFAULT)
        if isinstance(words, str):
            default, literal = words, False
        elif info.default is None:
            default, literal = "unset", False
        else:
            default, literal = _shown(info.default), True
        docs.append(SettingDoc(ENV_NAMES[field], default, literal, info.description or ""))
    return docs


def settings_epilog() -> str:
    """The settings part of ``mle-bot --help``."""
    lines = [
        "settings (environment variables; also keys of the --config TOML file, "
        "lower-case without prefix):"
    ]
    width = max(len(doc.env) for doc in setting_docs()) + 2
    for doc in setting_docs():
        text = f"{doc.meaning} [default: {doc.default}]".replace("`", "")
        wrapped = textwrap.wrap(text, width=98 - width)
        lines.append(f"  {doc.env:<{width}}{wrapped[0]}")
        lines.extend(" " * (width + 2) + more for more in wrapped[1:])
    return "\n".join(lines) + "\n"


def settings_table() -> str:
    """The README's "Settings" table (Markdown), exactly."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for doc in setting_docs():
        default = f"`{doc.default}`" if doc.literal else doc.default
        rows.append(f"| `{doc.env}` | {default} | {doc.meaning} |")
    return "\n".join(rows) + "\n"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise SettingsError("--config", f"{path} does not exist", "pass an existing file") from exc
    except tomllib.TOMLDecodeError as exc:
        problem = f"{path} is not valid TOML ({exc})"
        raise SettingsError("--config", problem, "fix the file") from exc


def _names(field: str) -> tuple[str, ...]:
    """The names a field is given by, preferred first: its aliases (``DISCORD_TOKEN``), itself.

    The first is the key :class:`Settings` is given the value by, so that an error about it
    names the same key whichever source the value came from.
    """
    alias = Settings.model_fields[field].validation_alias
    choices = [str(choice) for choice in alias.choices] if isinstance(alias, AliasChoices) else []
    return tuple(dict.fromkeys([*choices, field]))


def environment_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings set in the environment (default ``os.environ``), keyed for :class:`Settings`.

    A field is read from its aliases (the token: ``DISCORD_TOKEN``), then ``MLEBOT_<FIELD>``;
    names match in any case. A variable set to "" counts as set, as text: an empty
    ``MLEBOT_SHARD_IDS`` means unset, an empty ``MLEBOT_SHARD_COUNT`` is not a number.
    """
    by_name = {name.lower(): value for name, value in (environ or os.environ).items()}
    values: dict[str, str] = {}
    for field in Settings.model_fields:
        names = _names(field)
        for name in (*names[:-1], ENV_PREFIX + field):
            if name.lower() in by_name:
                values[names[0]] = by_name[name.lower()]
                break
    return values


def file_values(table: Mapping[str, Any]) -> dict[str, Any]:
    """The TOML file's settings keyed for :class:`Settings`: by field name or alias, any case.

    A key that names no setting is kept as it is, for :class:`Settings` to refuse by name.
    """
    keys = {
        name.lower(): _names(field)[0] for field in Settings.model_fields for name in _names(field)
    }
    values: dict[str, Any] = {}
    for key, value in table.items():
        values.setdefault(keys.get(key.lower(), key), value)  # the file's first spelling wins
    return values


def load_settings(config_file: Path | None = None) -> Settings:
    """Build the settings from the environment and an optional TOML file.

    The environment wins over the file, the file over the defaults. Raises
    :class:`SettingsError` (one line: setting, problem, fix) on the first bad setting.
    """
    from_file = file_values(_read_toml(config_file)) if config_file is not None else {}
    try:
        return Settings.model_validate({**from_file, **environment_values()})
    except ValidationError as exc:
        raise _first_problem(exc, from_file=config_file) from None


def _first_problem(exc: ValidationError, from_file: Path | None) -> SettingsError:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    if field == "DISCORD_TOKEN":
        field = "discord_token"
    if error["type"] == "extra_forbidden":
        where = f" in {from_file}" if from_file else ""
        return SettingsError(
            field, f"unknown setting{where}", f"remove it; known: {', '.join(sorted(ENV_NAMES))}"
        )
    name = ENV_NAMES.get(field, field)
    # Never echo the input: it may be the token.
    message = str(error["msg"]).removeprefix("Value error, ")
    return SettingsError(name, message, FIXES.get(field, "see README 'Settings'"))
