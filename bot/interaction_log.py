"""One structured log event per interaction: command, guild, latency, outcome. Never content.

It is logged for every interaction, so it is kept cheap: the latency comes from the
interaction id's timestamp (no datetimes), nothing is built when INFO is off, and the record
is marked :data:`~bot.logging_setup.SCRUBBED` (it is made of a command name, a word and
numbers), so the handler's redaction pass skips it.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

import discord

from bot.lag import created_at
from bot.logging_setup import SCRUBBED

log = logging.getLogger("bot.interactions")

Outcome = Literal["ok", "refused", "error", "expired", "shutting_down"]


def interaction_name(interaction: discord.Interaction[Any]) -> str:
    """``/salary``, ``/admin schedule``, or ``button:mlebot:done`` for components."""
    if interaction.command is not None:
        return "/" + interaction.command.qualified_name
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", "?"))
    # Keep the stable prefix only: ids after it may identify members or posts.
    return "component:" + ":".join(custom_id.split(":")[:2])


def log_interaction(interaction: discord.Interaction[Any], outcome: Outcome) -> None:
    """Log the event; latency is from Discord creating the interaction to now."""
    if not log.isEnabledFor(logging.INFO):
        return
    latency_ms = (time.time() - created_at(interaction.id)) * 1000
    name = interaction_name(interaction)
    log.info(
        "%s %s in %.0f ms",
        name,
        outcome,
        latency_ms,
        extra={
            "event": "interaction",
            "command": name,
            "guild_id": interaction.guild_id,
            "latency_ms": round(latency_ms, 1),
            "outcome": outcome,
            SCRUBBED: True,
        },
    )
