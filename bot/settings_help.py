"""The settings part of ``mle-bot --help``, written out so ``--help`` needs no pydantic.

Generated from :func:`bot.settings.settings_epilog` (the Settings fields' descriptions, the
one source); ``tests/test_settings_docs.py`` fails when the two differ. Regenerate with::

    python -c "from bot.settings import settings_epilog; print(settings_epilog(), end='')"
"""

from typing import Final

EPILOG: Final = """\
settings (environment variables; also keys of the --config TOML file, lower-case without prefix):
  DISCORD_TOKEN               Bot token. Held as a secret: never logged or printed. [default: none
                              (required for run)]
  MLEBOT_DATABASE             SQLite file (the parent directory is created), or a postgresql:// URL
                              (pip install .[postgres]). [default: ./data/mlebot.sqlite3]
  MLEBOT_CONTENT_DIR          A directory of content YAML, laid out like content/data/. [default:
                              bundled content]
  MLEBOT_DEV_GUILD_ID         Sync commands to this one server instantly (development). [default:
                              unset]
  MLEBOT_DISCORD_API_BASE     REST base: a shared rate-limit proxy, or a local fake in tests.
                              [default: https://discord.com/api/v10]
  MLEBOT_DISCORD_GATEWAY      Gateway URL: a gateway proxy, or a local fake. [default:
                              wss://gateway.discord.gg]
  MLEBOT_LOG_LEVEL            DEBUG, INFO, WARNING, ERROR. [default: INFO]
  MLEBOT_LOG_FORMAT           text, or json (one event per line). [default: text]
  MLEBOT_CATCHUP_GRACE_HOURS  A weekly post missed while the bot was down is sent late within this
                              window. [default: 24]
  MLEBOT_SHARD_COUNT          How many shards the bot has in all (Discord requires them at 2,500
                              servers). [default: unset (one shard)]
  MLEBOT_SHARD_IDS            The shards this process runs, e.g. 0,1 (needs MLEBOT_SHARD_COUNT).
                              [default: unset (all shards)]
  MLEBOT_HEARTBEAT            The file the running bot beats in and mle-bot health reads; one per
                              process. [default: beside the SQLite file; with PostgreSQL
                              data/mlebot-postgres[-shards-0-1].heartbeat]
  MLEBOT_MAX_HANDLERS         Interaction handlers run at once in a burst; the rest wait their turn.
                              [default: 256]
"""
