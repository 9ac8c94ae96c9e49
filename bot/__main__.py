"""``mle-bot`` / ``python -m bot``: parse arguments, build settings, wire, run.

Exit codes: 0 success, 1 a check found problems, 2 bad usage or a bad setting.

Imports are per subcommand: ``--help``, ``health`` and ``content check`` never import
discord.py, the cogs or the scheduler; only ``run`` and ``ask`` do (both render replies).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    """The whole CLI; ``mle-bot --help`` documents every command and setting."""
    # Written out from the Settings fields' descriptions (a test holds the two equal): --help
    # needs no pydantic, which is most of its time.
    from bot.settings_help import EPILOG  # noqa: PLC0415 (lazy: see the module docstring)

    parser = argparse.ArgumentParser(
        prog="mle-bot",
        description="Discord bot and weekly digest for ML-engineer study groups.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config", type=Path, metavar="PATH", help="TOML file with settings (env vars win)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="start the bot (needs DISCORD_TOKEN)")

    ask = sub.add_parser(
        "ask",
        help="print a command's reply offline (no token, no network)",
        description=(
            "Render the reply a slash command would get, with the bundled (or configured) "
            "content and no network. Exit 0 answered, 1 the reply is an error message such as "
            "'not found', 2 the command line is invalid."
        ),
        epilog='examples:\n  mle-bot ask "/salary region:India level:entry"\n'
        '  mle-bot ask "/tools name:k8s" --json\n'
        '  mle-bot ask "/challenge current" --week 3   (the weekly post of challenge 3)\n'
        '  mle-bot ask "/privacy"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ask.add_argument(
        "invocation",
        metavar="COMMAND",
        help='the slash command as typed in Discord, e.g. "/role name:data scientist"',
    )
    ask.add_argument(
        "--json",
        action="store_true",
        help="print the exact JSON discord.py would send (for /challenge current: the "
        "channel message of the weekly post)",
    )
    ask.add_argument(
        "--week",
        type=int,
        metavar="N",
        help='with "/challenge current": preview the weekly post of challenge N (default 1)',
    )
    sub.add_parser(
        "health",
        help="exit 0 if the running bot (same MLEBOT_DATABASE) is alive and connected, else 1",
    )

    content = sub.add_parser("content", help="work with the content YAML")
    content_sub = content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    check = content_sub.add_parser(
        "check",
        help="validate a content directory: exit 0 with a summary, or 1 listing every problem",
    )
    check.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="content directory (default: MLEBOT_CONTENT_DIR or the bundled content)",
    )

    database = sub.add_parser("db", help="migrate the database, or copy SQLite into PostgreSQL")
    db_sub = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser(
        "migrate",
        help="check MLEBOT_DATABASE and bring it to the latest schema version (prints from -> to)",
    )
    copy = db_sub.add_parser(
        "copy",
        help="copy every table of an SQLite file into an empty PostgreSQL database, verified",
        description=(
            "Copy every table of the SQLite file into the PostgreSQL database in one "
            "transaction, then compare every table row by row before committing. The target "
            "must be empty (it is migrated first). Stop the bot first."
        ),
    )
    copy.add_argument("--from", dest="source", type=Path, required=True, metavar="PATH")
    copy.add_argument("--to", dest="target", required=True, metavar="postgresql://...")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    from bot.settings import load_settings  # noqa: PLC0415 (lazy: see the module docstring)

    return load_settings(args.config)


def cmd_content_check(args: argparse.Namespace) -> int:
    """Validate content; print a one-line summary or every problem as file:line: path: message."""
    from content.loader import ContentError, bundled_content_dir, load_catalog  # noqa: PLC0415

    directory: Path | None = args.directory
    if directory is None:
        directory = _settings(args).content_dir or bundled_content_dir()
    if not directory.is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return 2
    try:
        catalog = load_catalog(directory)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {kind}" for kind, n in catalog.counts().items())
    print(f"OK {directory}: {counts}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Print the reply of one slash command, rendered offline with the same code as the bot."""
    from bot.preview import ask  # noqa: PLC0415 (keeps `mle-bot --help` fast)
    from content.loader import ContentError, load_catalog  # noqa: PLC0415

    settings = _settings(args)
    try:
        catalog = load_catalog(settings.content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    import asyncio  # noqa: PLC0415 (lazy: --help needs no event loop)

    code, output = asyncio.run(
        ask(
            catalog,
            args.invocation,
            as_json=args.json,
            week=args.week,
        )
    )
    try:
        print(output, file=sys.stderr if code == 2 else sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # `mle-bot ask ... | head`: the reader left; say nothing more (Python's recipe).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot with the configured settings, bundled or configured content, and SQLite.

    Settings and content are read and validated before discord.py and the cogs are imported,
    and what that leaves as garbage is collected in between, so the imports reuse its memory;
    the C heap's free pages are then returned (:func:`bot.memory.release_memory`). About 2 MB
    less resident memory at idle than importing first (``bench/bench_startup.py``).
    """
    import gc  # noqa: PLC0415 (lazy: see the module docstring)

    from bot.dblock import one_process_per_shard, one_process_per_sqlite_file  # noqa: PLC0415
    from bot.logging_setup import configure_logging, lean_log_records  # noqa: PLC0415
    from bot.settings import ENV_NAMES  # noqa: PLC0415
    from content.loader import ContentError, load_catalog  # noqa: PLC0415
    from storage.errors import StorageError  # noqa: PLC0415

    settings = _settings(args)
    token = settings.require_token().get_secret_value()
    configure_logging(settings.log_level, settings.log_format, secrets=[token])
    lean_log_records()
    settings.require_one_process_on_sqlite()  # a share of the shards needs PostgreSQL
    settings.prepare_database_path()
    try:
        catalog = load_catalog(settings.content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{ENV_NAMES['content_dir']}: content has problems; fix them", file=sys.stderr)
        return 1
    gc.collect()  # the YAML documents and validation's leftovers, before the big imports
    import asyncio  # noqa: PLC0415 (lazy: --help needs no event loop)

    from bot.client import run_bot  # noqa: PLC0415 (lazy: see the module docstring)
    from bot.memory import release_memory  # noqa: PLC0415

    release_memory()
    # A second `run` on the SQLite file, or on a shard of the PostgreSQL database, is refused.
    with contextlib.ExitStack() as held:
        held.enter_context(one_process_per_sqlite_file(settings.database))
        try:
            shards = held.enter_context(one_process_per_shard(settings))
        except StorageError as exc:  # the PostgreSQL server cannot be reached
            print(f"mle-bot: {exc}", file=sys.stderr)
            return 1
        return asyncio.run(run_bot(settings, catalog, token, shards=shards))


def cmd_health(args: argparse.Namespace) -> int:
    """Read the running bot's heartbeat file; used by the container HEALTHCHECK."""
    from bot.health import check_health  # noqa: PLC0415 (lazy)

    settings = _settings(args)
    health = check_health(settings.heartbeat_file, now=datetime.now(UTC))
    print(("healthy: " if health.ok else "unhealthy: ") + health.reason)
    return 0 if health.ok else 1


def cmd_db_migrate(args: argparse.Namespace) -> int:
    """``db migrate``: the configured database to the latest schema version."""
    from storage.admin import migrate_database  # noqa: PLC0415 (lazy)
    from storage.errors import StorageError  # noqa: PLC0415

    settings = _settings(args)
    settings.prepare_database_path()
    try:
        before, after = migrate_database(settings.database)
    except StorageError as exc:
        print(f"mle-bot: {exc}", file=sys.stderr)
        return 1
    shown = _shown(settings.database)
    if before == after:
        print(f"{shown}: at schema version {after}, nothing to do")
    else:
        print(f"{shown}: migrated from schema version {before} to {after}")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    """``db copy``: an SQLite file into an empty PostgreSQL database, verified table by table."""
    from storage.admin import copy_sqlite_to_postgres  # noqa: PLC0415 (lazy)
    from storage.db import is_postgres_url  # noqa: PLC0415
    from storage.errors import StorageError  # noqa: PLC0415

    if not is_postgres_url(args.target):
        print("mle-bot: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    try:
        report = copy_sqlite_to_postgres(args.source, args.target)
    except StorageError as exc:
        print(f"mle-bot: {exc}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    print(f"copied and verified: every table of {args.source} equals {_shown(args.target)}")
    return 0


def _shown(database: Path | str) -> str:
    """A database for the terminal (a URL without its password)."""
    if isinstance(database, Path):
        return str(database)
    from storage.pg import redact  # noqa: PLC0415

    return redact(database)


COMMANDS = {
    ("run", None): cmd_run,
    ("ask", None): cmd_ask,
    ("health", None): cmd_health,
    ("content", "check"): cmd_content_check,
    ("db", "migrate"): cmd_db_migrate,
    ("db", "copy"): cmd_db_copy,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mle-bot`` console script."""
    args = build_parser().parse_args(argv)
    from bot.settings import SettingsError  # noqa: PLC0415 (after --help has exited)

    action = getattr(args, "content_command", None) or getattr(args, "db_command", None)
    handler = COMMANDS[(args.command, action)]
    try:
        return handler(args)
    except SettingsError as exc:
        print(f"mle-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
