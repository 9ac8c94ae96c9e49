"""Logging: text or one-JSON-object-per-line, with the token scrubbed from every record."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "[redacted]"

# Attributes every LogRecord has; anything else was passed via ``extra=`` and is an event field.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


class RedactSecrets(logging.Filter):
    """Replace each secret with ``[redacted]`` in the rendered message and in event fields.

    Attached to the handler, so it sees records from every library (discord.py included).
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
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


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, plus the record's ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
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
    # discord.py's HTTP debug logs include request bodies (message contents); keep them quiet
    # unless the operator explicitly asks for DEBUG.
    if level != "DEBUG":
        logging.getLogger("discord.http").setLevel(logging.WARNING)
