"""Logging: text or one-JSON-object-per-line, with credentials scrubbed from every record."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "[redacted]"

# Attributes every LogRecord has; anything else was passed via ``extra=`` and is an event field.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


#: Keys whose value is a credential wherever they appear (``token`` of an interaction, a
#: webhook's ``token``, OAuth ``access_token``...).
_TOKEN_KEY = re.compile(r"(?:^|_)token$", re.IGNORECASE)
#: Keys whose string value is a member's free text in Discord payloads: an option's ``value``
#: (a ``/challenge done`` note, a typed name) and a message's ``content``.
_FREE_TEXT_KEYS = frozenset({"value", "content"})
#: The same two rules for text already rendered: ``"token": "..."`` (JSON or a Python repr)
#: and the token path segment of interaction-callback and webhook URLs.
_TOKEN_FIELD = re.compile(r"""(["'][a-z_]*token["']\s*:\s*["'])[^"']*(["'])""", re.IGNORECASE)
_TOKEN_IN_URL = re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/?#\s'\"]+")


def free_text(value: str) -> str:
    """What a log keeps of a member's text: its length, so DEBUG still tells a note was sent."""
    return f"[text, {len(value)} chars]"


def scrub_payload(value: object) -> object:
    """A copy of a JSON-like payload with tokens redacted and members' free text replaced.

    Ids, event names, command and option names stay, so a DEBUG log still shows which
    interaction arrived and what was called. The original is never modified (discord.py goes
    on using it after logging).
    """
    if isinstance(value, Mapping):
        out: dict[object, object] = {}
        for key, item in value.items():
            if isinstance(key, str) and isinstance(item, str):
                if _TOKEN_KEY.search(key):
                    out[key] = REDACTED
                    continue
                if key in _FREE_TEXT_KEYS and item:
                    out[key] = free_text(item)
                    continue
            out[key] = scrub_payload(item)
        return out
    if isinstance(value, list | tuple):
        return [scrub_payload(item) for item in value]
    return value


def scrub_text(text: str) -> str:
    """Redact ``"token": "..."`` values and token segments of interaction/webhook URLs."""
    # Most lines hold neither pattern: two substring tests are cheaper than two regexes.
    if "token" in text.lower():
        text = _TOKEN_FIELD.sub(rf"\1{REDACTED}\2", text)
    if "/interactions/" in text or "/webhooks/" in text:
        text = _TOKEN_IN_URL.sub(rf"\1{REDACTED}", text)
    return text


def _scrub_arg(arg: object) -> object:
    if isinstance(arg, Mapping | list | tuple):
        return scrub_payload(arg)
    if isinstance(arg, str) and arg.startswith(("{", "[")):
        # discord.http logs request bodies as JSON text: scrub them as payloads.
        try:
            parsed = json.loads(arg)
        except ValueError:
            return arg
        return json.dumps(scrub_payload(parsed), ensure_ascii=False)
    return arg


#: ``extra`` key of a record made only of what cannot hold a secret or a member's text (a
#: command name, a fixed word, numbers: ``bot.interaction_log``): :class:`RedactSecrets` lets
#: it through as it is, which saves most of a log line's cost on every interaction.
SCRUBBED = "_scrubbed"

#: Texts up to this long are scrubbed once and remembered (at most _SHORT_KEPT of them).
_SHORT = 80
_SHORT_KEPT = 2048


class RedactSecrets(logging.Filter):
    """Remove credentials (and members' free text in Discord payloads) from every record.

    Every level, every logger: the known secrets (the bot token) become ``[redacted]``;
    interaction and webhook tokens are redacted by shape (``"token": "..."`` fields and URL
    path segments), since each interaction brings a new one; dict and list arguments (the
    gateway logs whole ``INTERACTION_CREATE`` payloads at DEBUG) are copied with tokens
    redacted and notes and message contents replaced by their length. Attached to the
    handler, so it sees records from every library (discord.py included).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]
        # Short texts come back on every line ("interaction", "ok", "/progress"): scrubbed
        # once each (logging cost per interaction, measured with bench/bench_burst.py).
        self._short: dict[str, str] = {}

    def _scrub(self, text: str) -> str:
        if len(text) > _SHORT:
            return self._scrub_now(text)
        done = self._short.get(text)
        if done is None:
            if len(self._short) >= _SHORT_KEPT:
                self._short.clear()
            done = self._short[text] = self._scrub_now(text)
        return done

    def _scrub_now(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return scrub_text(text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (message, traceback, extra fields); never drop it."""
        if record.__dict__.get(SCRUBBED) is True and not record.exc_info:
            return True
        if isinstance(record.args, Mapping):
            # ``log.debug("%s", payload)`` with one dict: logging keeps the dict itself as args.
            record.args = scrub_payload(record.args)  # type: ignore[assignment]
        elif record.args:
            record.args = tuple(_scrub_arg(arg) for arg in record.args)
        record.msg = self._scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, self._scrub(value))
        return True


#: discord.py's logger for what an app command or autocomplete raised outside our handlers.
TREE_LOGGER = "discord.app_commands.tree"
#: Discord's "Unknown interaction": the answer came after its 3 s (or was already given).
UNKNOWN_INTERACTION = 10062


class LateAutocomplete(logging.Filter):
    """discord.py logs a full traceback at ERROR when an autocomplete answer reaches Discord
    after its 3 s (10062 Unknown interaction): nothing is broken and nobody can act on it, the
    member just saw no suggestions. One short INFO line instead (command and guild, no text).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite that one record; let every other through untouched."""
        error = record.exc_info[1] if record.exc_info else None
        if (
            getattr(error, "code", None) != UNKNOWN_INTERACTION
            or not isinstance(record.msg, str)
            or not record.msg.startswith("Ignoring exception in autocomplete")
        ):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        record.msg = "autocomplete for /%s answered too late for Discord (10062), guild %s"
        record.args = (args[0] if args else "?", args[1] if len(args) > 1 else "?")
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.INFO, "INFO"
        return logging.getLogger(record.name).isEnabledFor(logging.INFO)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, plus the record's ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        event: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                event[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info or record.exc_text:
            event["exc"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(event, ensure_ascii=False)


def lean_log_records() -> None:
    """Stop gathering, for every record, what our formats never show: the caller's file, line
    and function (a walk up the stack), and the thread and process names. The Python logging
    HOWTO's "Optimization" section names these switches. The bot logs a line per
    interaction; measured with ``bench/bench_burst.py`` this was ~4% of its CPU in a burst.
    ``mle-bot run`` calls it once; it changes the whole process (tests restore it).
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(
    level: str, fmt: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Install one handler on the root logger (replacing any), with secret scrubbing."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    tree = logging.getLogger(TREE_LOGGER)
    for installed in [f for f in tree.filters if isinstance(f, LateAutocomplete)]:
        tree.removeFilter(installed)
    tree.addFilter(LateAutocomplete())
    # discord.py's HTTP debug logs include request bodies (message contents); keep them quiet
    # unless the operator explicitly asks for DEBUG.
    if level != "DEBUG":
        logging.getLogger("discord.http").setLevel(logging.WARNING)
