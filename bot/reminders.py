"""The reminder DM on Discord: its text and its persistent **Mark done** button.

A DM has no guild, so the button of a reminder carries the guild's id in its ``custom_id``
(``mlebot:rdone:<guild id>:<challenge id>:<ISO week>``) and records for that guild, for the
member who clicks (the DM went to them alone). The guild and the week together are the
reminder's marker (``scheduler.ports.reminder_marker``): after a crash between sending the DM
and recording it, the runner finds the DM by it instead of sending a second one. Buttons of
DMs sent before the week was added (``mlebot:rdone:<guild>:<challenge>``) still work. The weekly
post's ``mlebot:done:...`` buttons are untouched.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final, Self

import discord

from bot.errors import UserFacingError, answer_error, refuse_while_closing
from bot.interaction_log import log_interaction
from bot.weekly import discord_time, record_done, services_of
from content.limits import CUSTOM_ID_LIMIT
from scheduler.ports import Reminder
from storage.models import CompletionSource

log = logging.getLogger(__name__)

REMINDER_DONE_TEMPLATE: Final = (
    r"mlebot:rdone:(?P<guild>[0-9]{1,20}):(?P<challenge>[a-z0-9-]+)"
    r"(?::(?P<week>[0-9]{4}-W[0-9]{2}))?"
)

#: Told once, at the member's next command, after a reminder bounced.
DMS_CLOSED_NOTICE: Final = (
    "I could not send you your challenge reminder: your DMs are closed to me. I switched your "
    "reminder off; allow DMs from server members and use `/remind on` to get it again."
)


def reminder_custom_id(guild_id: int, challenge_id: str, week: str | None = None) -> str:
    """``mlebot:rdone:<guild>:<challenge>:<week>``: a DM has no guild, so the button carries it
    (and the week, the rest of the reminder's marker; ``None`` only for older DMs' buttons)."""
    custom_id = f"mlebot:rdone:{guild_id}:{challenge_id}"
    if week is not None:
        custom_id += f":{week}"
    if len(custom_id) > CUSTOM_ID_LIMIT or not re.fullmatch(REMINDER_DONE_TEMPLATE, custom_id):
        raise ValueError(f"challenge id {challenge_id!r} cannot be put in a custom_id")
    return custom_id


def carries_reminder_marker(custom_id: str, marker: str) -> bool:
    """Is ``custom_id`` a reminder's Mark done button carrying ``marker`` (guild and week)?"""
    match = re.fullmatch(REMINDER_DONE_TEMPLATE, custom_id)
    return match is not None and f"{match['guild']}:{match['week']}" == marker


def reminder_text(reminder: Reminder) -> str:
    """The DM: which challenge, when it closes (in the reader's own time), what to do."""
    title = discord.utils.escape_markdown(reminder.title)
    number = f"Challenge {reminder.challenge_number}: " if reminder.challenge_number else ""
    return (
        f"⏰ Reminder: **{number}{title}** closes {discord_time(reminder.closes_at, 'R')}"
        f" ({discord_time(reminder.closes_at, 'f')}). Press **Mark done** below when you have"
        " finished it. `/remind off` in the server stops these reminders."
    )[:2000]


class ReminderDoneButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=REMINDER_DONE_TEMPLATE
):
    """Mark done from a reminder DM; register with ``bot.add_dynamic_items``."""

    def __init__(self, guild_id: int, challenge_id: str, week: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label="Mark done",
                emoji="✅",
                style=discord.ButtonStyle.success,
                custom_id=reminder_custom_id(guild_id, challenge_id, week),
            )
        )
        self.guild_id = guild_id
        self.challenge_id = challenge_id
        self.week = week

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        """Rebuild the button from its ``custom_id`` at click time (after restarts too)."""
        return cls(int(match["guild"]), match["challenge"], match["week"])

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Refuse clicks while the bot shuts down."""
        return not await refuse_while_closing(interaction)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the challenge as done for the member in the reminder's server."""
        try:
            if interaction.guild_id not in (None, self.guild_id):
                raise UserFacingError("This button belongs to another server's reminder.")
            services = services_of(interaction.client)
            text = await record_done(
                services.store,
                services.catalog,
                guild_id=self.guild_id,
                user_id=interaction.user.id,
                display_name=None,
                challenge_id=self.challenge_id,
                source=CompletionSource.BUTTON,
                publisher=services.publisher,  # milestone roles, as the post's button gives
            )
        except Exception as error:  # the member must always get an answer
            await answer_error(interaction, error)
            return
        try:
            await interaction.response.send_message(text, ephemeral=True)
            log_interaction(interaction, "ok")
        except discord.HTTPException as exc:
            log.warning("recorded a reminder's Mark done, but the reply failed: %s", exc)


def reminder_view(reminder: Reminder) -> discord.ui.View:
    """The reminder DM's persistent view: its Mark done button."""
    view = discord.ui.View(timeout=None)
    view.add_item(ReminderDoneButton(reminder.guild_id, reminder.challenge_id, str(reminder.week)))
    return view
