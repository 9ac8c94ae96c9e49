"""Interaction tokens and members' notes never reach the log, at any level, in text or JSON.

The records come from discord.py's own code: its gateway handles a realistic
``INTERACTION_CREATE`` (shaped like the one the fake Discord dispatches) and logs the whole
payload at DEBUG, as it does in production.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.logging_setup import REDACTED, configure_logging

# Assembled from parts so that no token-shaped literal sits in the repository. Fake values.
INTERACTION_TOKEN = "aW50ZXJhY3Rpb24" + "6MTMwNDU2Nzg5MDEyMzQ1Njc4OTpqWnlfZmFrZV9zZWNyZXQ"
BOT_TOKEN = ".".join(["MTIzNDU2Nzg5MDEyMzQ1Njc4", "GaBcDe", "fake-token-for-tests-only-0123456789"])
NOTE = "my private note: https://example.org/notebook-8841"
INTERACTION_ID = "1304567890123456789"
APPLICATION_ID = "1200000000000000001"


def interaction_create() -> dict[str, Any]:
    """A ``/challenge done note:...`` interaction as the gateway delivers it."""
    return {
        "op": 0,
        "s": 7,
        "t": "INTERACTION_CREATE",
        "d": {
            "id": INTERACTION_ID,
            "application_id": APPLICATION_ID,
            "type": 2,
            "token": INTERACTION_TOKEN,
            "version": 1,
            "locale": "en-US",
            "guild_id": "1100000000000000001",
            "channel_id": "1100000000000000002",
            "member": {
                "user": {"id": "1100000000000000003", "username": "ada", "global_name": "Ada"},
                "roles": [],
                "permissions": "2248473465835073",
            },
            "data": {
                "id": "1250000000000000001",
                "name": "challenge",
                "type": 1,
                "options": [
                    {
                        "name": "done",
                        "type": 1,
                        "options": [{"name": "note", "type": 3, "value": NOTE}],
                    }
                ],
            },
        },
    }


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    out = io.StringIO()
    yield out
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.getLogger("discord.http").setLevel(logging.NOTSET)


async def gateway_receives(payload: dict[str, Any]) -> dict[str, Any]:
    """Run discord.py's gateway on one message; returns what its parser was handed."""
    ws = DiscordWebSocket(socket=None, loop=asyncio.get_running_loop())  # type: ignore[arg-type]
    seen: dict[str, Any] = {}
    ws.shard_id = 0
    ws._discord_parsers = {"INTERACTION_CREATE": seen.update}
    await ws.received_message(json.dumps(payload))
    return seen


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_gateway_debug_log_has_no_interaction_token_and_no_note(
    fmt: str, log_output: io.StringIO
) -> None:
    configure_logging("DEBUG", fmt, secrets=[BOT_TOKEN], stream=log_output)

    handed = await gateway_receives(interaction_create())

    text = log_output.getvalue()
    assert "WebSocket Event" in text  # discord.py did log the payload
    assert INTERACTION_TOKEN not in text
    assert NOTE not in text
    # Still useful at DEBUG: the event, the ids, the command and option names, the note's size.
    for useful in ("INTERACTION_CREATE", INTERACTION_ID, "challenge", "note", REDACTED):
        assert useful in text, useful
    assert f"[text, {len(NOTE)} chars]" in text
    # discord.py itself got the untouched payload.
    assert handed["token"] == INTERACTION_TOKEN
    assert handed["data"]["options"][0]["options"][0]["value"] == NOTE


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR])
def test_interaction_urls_and_bodies_are_redacted_at_every_level(
    level: int, log_output: io.StringIO
) -> None:
    configure_logging("DEBUG", "json", stream=log_output)  # no known secret: shapes only
    callback = Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_id=INTERACTION_ID,
        interaction_token=INTERACTION_TOKEN,
    )
    followup = Route(
        "PATCH",
        "/webhooks/{application_id}/{interaction_token}/messages/@original",
        application_id=APPLICATION_ID,
        interaction_token=INTERACTION_TOKEN,
    )
    body = json.dumps({"type": 4, "data": {"content": NOTE, "flags": 64}})
    http = logging.getLogger("discord.http")
    # discord.py's own format strings (http.py and webhook/async_.py).
    http.log(level, "%s %s with %s has returned %s", "POST", callback.url, body, 204)
    logging.getLogger("discord.webhook.async_").log(
        level, "Webhook ID %s with %s %s has returned status code %s", 1, "PATCH", followup.url, 200
    )
    logging.getLogger("bot.test").log(level, "sent %s", {"token": INTERACTION_TOKEN, "id": 1})
    try:
        raise RuntimeError(f"request to {callback.url} failed")
    except RuntimeError:
        logging.getLogger("bot.test").log(level, "boom", exc_info=True)

    text = log_output.getvalue()
    assert INTERACTION_TOKEN not in text
    assert NOTE not in text
    events = [json.loads(line) for line in text.splitlines()]
    assert len(events) == 4
    assert f"/interactions/{INTERACTION_ID}/{REDACTED}/callback" in events[0]["msg"]
    assert f"/webhooks/{APPLICATION_ID}/{REDACTED}/messages/@original" in events[1]["msg"]
    assert '"flags": 64' in events[0]["msg"]
    assert f"/interactions/{INTERACTION_ID}/{REDACTED}/callback failed" in events[3]["exc"]


def test_extra_fields_and_single_dict_arguments(log_output: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=log_output)
    log = logging.getLogger("bot.test")
    log.info("payload %s", {"token": INTERACTION_TOKEN, "content": NOTE})
    log.info("url", extra={"url": f"https://discord.com/api/v10/webhooks/1/{INTERACTION_TOKEN}"})
    text = log_output.getvalue()
    assert INTERACTION_TOKEN not in text
    assert NOTE not in text


def test_short_texts_remembered_once_scrubbed_stay_scrubbed(log_output: io.StringIO) -> None:
    """Short texts are scrubbed once and remembered: a repeat is redacted as the first was."""
    configure_logging("INFO", "json", secrets=[BOT_TOKEN], stream=log_output)
    log = logging.getLogger("bot.test")
    short_url = f"/webhooks/1/{INTERACTION_TOKEN}"
    for _ in range(3):
        log.info("ok", extra={"a": BOT_TOKEN, "b": short_url, "c": "{'TOKEN': 'x1y2'}"})
        log.info("%s", BOT_TOKEN[:20] + "-not-the-token")  # a miss stays as it was
    text = log_output.getvalue()
    assert BOT_TOKEN not in text
    assert INTERACTION_TOKEN not in text
    assert "x1y2" not in text
    assert text.count(REDACTED) == 9
    assert text.count(BOT_TOKEN[:20] + "-not-the-token") == 3
