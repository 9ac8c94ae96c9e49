"""Logging never shows the token, in text or JSON, in messages, fields or tracebacks."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logging_setup import configure_logging

# Shaped like a real bot token (id.timestamp.hmac), assembled so that no token-shaped literal
# sits in the repository for secret scanners to flag. It is fake.
TOKEN = ".".join(["MTIzNDU2Nzg5MDEyMzQ1Njc4", "GaBcDe", "fake-token-for-tests-only-0123456789"])


@pytest.fixture
def restore_root() -> object:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield root
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_token_is_scrubbed(fmt: str, restore_root: object) -> None:
    out = io.StringIO()
    configure_logging("DEBUG", fmt, secrets=[TOKEN], stream=out)
    log = logging.getLogger("discord.http")
    log.debug("sending Authorization: Bot %s", TOKEN)
    log.info("event", extra={"detail": f"token={TOKEN}"})
    try:
        raise RuntimeError(f"boom {TOKEN}")
    except RuntimeError:
        log.exception("failed")
    text = out.getvalue()
    assert TOKEN not in text
    assert text.count("[redacted]") >= (3 if fmt == "json" else 2)  # text omits extra fields
    if fmt == "json":
        events = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        assert [e["msg"] for e in events] == [
            "sending Authorization: Bot [redacted]",
            "event",
            "failed",
        ]
        assert events[1]["detail"] == "token=[redacted]"
        assert "RuntimeError: boom [redacted]" in events[2]["exc"]
