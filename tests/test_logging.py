"""Logging never shows the token, in text or JSON, in messages, fields or tracebacks."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.interaction_log import log_interaction
from bot.logging_setup import configure_logging, lean_log_records
from tests.bot.fakes import FakeInteraction

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


def test_the_interaction_event_is_one_line_with_its_fields(restore_root: object) -> None:
    """``log_interaction`` (every interaction) skips the redaction pass: its fields are a
    command name, a word and numbers; the line stays as it was, with its latency."""
    out = io.StringIO()
    configure_logging("INFO", "json", secrets=[TOKEN], stream=out)
    interaction: object = FakeInteraction(created_at=datetime.now(UTC) - timedelta(seconds=1.5))
    log_interaction(interaction, "expired")  # type: ignore[arg-type]
    (event,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert event["msg"].startswith("/salary expired in 1")
    assert (event["event"], event["command"], event["outcome"]) == (
        "interaction",
        "/salary",
        "expired",
    )
    assert event["guild_id"] == 1
    assert 1400 < event["latency_ms"] < 3000
    assert "_scrubbed" not in event

    configure_logging("WARNING", "json", secrets=[TOKEN], stream=out)
    log_interaction(interaction, "ok")  # type: ignore[arg-type]
    assert len(out.getvalue().splitlines()) == 1  # INFO is off: nothing


class GoneError(Exception):
    """What discord.py raises for an answer Discord refused (``discord.NotFound`` carries the
    JSON error code the same way)."""

    def __init__(self, code: int) -> None:
        super().__init__(f"404 Not Found (error code: {code}): Unknown interaction")
        self.code = code


@pytest.mark.parametrize("level", ["INFO", "WARNING"])
def test_a_late_autocomplete_is_one_short_line_not_a_traceback(
    level: str, restore_root: object
) -> None:
    out = io.StringIO()
    configure_logging(level, "text", secrets=[TOKEN], stream=out)
    tree = logging.getLogger("discord.app_commands.tree")
    for code in (10062, 50035):
        try:
            raise GoneError(code)
        except GoneError:
            tree.exception(
                "Ignoring exception in autocomplete for %r (Guild: %s, User: %s)", "role", 10, 42
            )
    lines = out.getvalue().splitlines()
    late = [line for line in lines if "10062" in line]
    if level == "INFO":
        assert len(late) == 1, lines
        assert late[0].endswith(
            "INFO     discord.app_commands.tree: "
            "autocomplete for /role answered too late for Discord (10062), guild 10"
        )
    else:
        assert late == []  # INFO is off
    assert "Traceback" in out.getvalue()  # any other error keeps its traceback
    assert "GoneError: 404 Not Found (error code: 50035)" in out.getvalue()
    assert "User: 42" in out.getvalue()


@pytest.fixture
def restore_record_switches() -> object:
    saved = (logging._srcfile, logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
    yield saved
    (
        logging._srcfile,
        logging.logThreads,
        logging.logProcesses,
        logging.logMultiprocessing,
    ) = saved


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_lean_records_log_the_same_lines_without_gathering_the_caller(
    fmt: str, restore_root: object, restore_record_switches: object
) -> None:
    def one_line(stream: io.StringIO) -> tuple[str, logging.LogRecord]:
        seen: list[logging.LogRecord] = []
        handler = logging.getLogger().handlers[0]

        def keep(record: logging.LogRecord) -> bool:
            seen.append(record)
            return True

        handler.addFilter(keep)
        log_interaction(FakeInteraction(), "ok")  # type: ignore[arg-type]
        return stream.getvalue().splitlines()[-1], seen[-1]

    full = io.StringIO()
    configure_logging("INFO", fmt, stream=full)
    before, rich = one_line(full)
    lean_log_records()
    lean = io.StringIO()
    configure_logging("INFO", fmt, stream=lean)
    after, bare = one_line(lean)
    assert rich.funcName == "log_interaction"
    assert rich.threadName is not None
    assert (bare.funcName, bare.lineno, bare.threadName, bare.processName) == (
        "(unknown function)",
        0,
        None,
        None,
    )

    def no_time(line: str) -> str:  # the timestamps and latencies differ between the two
        return "".join(ch for ch in line if not ch.isdigit())

    assert no_time(after) == no_time(before)
