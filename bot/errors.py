"""Errors a member can act on, and the one app-command error handler.

:class:`UserFacingError` (and its :class:`NotFoundError`) carry a short message that is shown to
the member as an ephemeral reply. Anything else is a bug: it is logged with a short reference
id, and the member sees that id so a moderator can find the log line.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from bot.interaction_log import interaction_name, log_interaction
from bot.storage_alarm import StorageAlarm
from content.text import clip, one_line
from storage.errors import write_problem

log = logging.getLogger(__name__)

#: How much of a member's own input is echoed back in an error message.
ECHO_LIMIT = 80


class UserFacingError(Exception):
    """An error whose ``message`` is meant for the member (short, no internals)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(UserFacingError):
    """A looked-up value matched nothing (or several things equally well)."""

    def __init__(
        self, kind: str, query: str, suggestions: Sequence[str], *, ambiguous: bool = False
    ) -> None:
        self.kind = kind
        self.query = query
        self.suggestions = tuple(suggestions)
        self.ambiguous = ambiguous
        shown = echo(query)
        if ambiguous:
            head = f"“{shown}” matches several {kind}s."
        else:
            head = f"No {kind} matches “{shown}”."
        if self.suggestions:
            closest = ", ".join(f"**{discord.utils.escape_markdown(s)}**" for s in suggestions)
            tail = f" Did you mean: {closest}?"
        else:
            tail = ""
        super().__init__(f"{head}{tail} Pick one from the list as you type.")


def echo(text: str) -> str:
    """A member's input made safe to quote: no markdown, no mentions, at most ECHO_LIMIT chars."""
    text = clip(one_line(text), ECHO_LIMIT)
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def reference_id() -> str:
    """A short random id (8 hex characters) that ties a member's error message to a log line."""
    return secrets.token_hex(4)


def unwrap(error: BaseException) -> BaseException:
    """The exception a command actually raised (discord.py wraps it in CommandInvokeError)."""
    while isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    return error


#: A server command used in a DM. discord.py registers ``guild_only`` commands as such (Discord
#: hides them in DMs) but does not refuse them at run time, so a stale client can still send
#: one: its permission check then fails only because a DM has no server permissions.
SERVER_ONLY = (
    "This command only works in a server: use it in a channel of a server where I am "
    "installed (moderator commands also need Manage Server there)."
)


#: A write the database could not take (disk full, read-only, locked): nothing was saved, and
#: SQLite takes the same write again once the cause is gone.
SAVE_FAILED = (
    "I could not save that right now (my storage is unavailable); nothing was changed. "
    "Please try again later: the moderators have been told."
)


def user_message(  # noqa: PLR0911 (one per error kind)
    error: BaseException, *, in_server: bool = True
) -> str | None:
    """The message for a known, member-caused error; ``None`` for a bug.

    ``in_server=False`` (a DM): a failed permission or context check means "server only".
    """
    error = unwrap(error)
    if isinstance(error, UserFacingError):
        return error.message
    if write_problem(error) is not None:
        return SAVE_FAILED
    if isinstance(error, app_commands.CommandOnCooldown):
        seconds = max(1, math.ceil(error.retry_after))
        return f"Slow down a little: try again in {seconds} s."
    if isinstance(error, app_commands.TransformerError):
        return f"“{echo(str(error.value))}” is not a valid value for that option."
    if isinstance(error, app_commands.NoPrivateMessage):
        return SERVER_ONLY
    if (
        not in_server
        and isinstance(error, app_commands.CheckFailure)
        and not isinstance(error, app_commands.BotMissingPermissions)
    ):
        return SERVER_ONLY
    if isinstance(error, app_commands.MissingPermissions | app_commands.MissingAnyRole):
        return "You do not have the permission to use this command."
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return f"I am missing a permission here: {missing}."
    if isinstance(error, app_commands.CheckFailure):
        return "You cannot use this command here."
    return None


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Reply ephemerally whether or not the interaction was already answered or deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True)
    else:
        await interaction.response.send_message(message, ephemeral=True)


SHUTTING_DOWN = "The bot is restarting; try again in a minute."

#: Discord's codes for "this interaction can take no (further) answer": 10062 Unknown
#: interaction (answered after 3 s, or the token expired), 40060 already acknowledged.
INTERACTION_GONE = frozenset({10062, 40060})


async def refuse_while_closing(interaction: discord.Interaction[Any]) -> bool:
    """While the bot shuts down, answer politely and return True: the caller stops there.

    Used by the command tree and by every view and persistent button, so no interaction that
    arrives during shutdown is accepted and then cut off when the connection closes.
    """
    if not getattr(interaction.client, "closing", False):
        return False
    log_interaction(interaction, "shutting_down")
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
        else:
            await interaction.response.send_message(SHUTTING_DOWN, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not refuse interaction %s during shutdown", interaction.id)
    return True


async def answer_error(interaction: discord.Interaction[Any], error: Exception) -> None:
    """Tell the member what went wrong, for commands and buttons alike. Never raises.

    Known errors become a short ephemeral message; anything else is logged with a reference id
    that the member sees.
    """
    original = unwrap(error)
    if isinstance(original, discord.HTTPException) and original.code in INTERACTION_GONE:
        # The answer came too late (or twice): Discord will take nothing more for this
        # interaction, so a second reply would only add load. Any write already happened.
        log_interaction(interaction, "expired")
        log.warning(
            "%s: Discord no longer accepts an answer (%s)",
            interaction_name(interaction),
            original.code,
        )
        return
    problem = write_problem(original)
    message = user_message(error, in_server=interaction.guild_id is not None)
    log_interaction(interaction, "refused" if message is not None and not problem else "error")
    if problem is not None:
        log.warning("%s: not saved (%s)", interaction_name(interaction), problem.kind)
    if message is None:
        ref = reference_id()
        log.error(
            "unexpected error in %s (ref %s, user %s, guild %s)",
            interaction_name(interaction),
            ref,
            interaction.user.id,
            interaction.guild_id,
            exc_info=unwrap(error),
        )
        message = (
            f"Something went wrong on my side. Reference: `{ref}` "
            "(a moderator can find the details with it)."
        )
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        # Expired or already-acknowledged interaction: nothing more can be said to the member.
        log.warning("could not send the error reply for interaction %s", interaction.id)
    alarm = getattr(interaction.client, "storage_alarm", None)
    if problem is not None and isinstance(alarm, StorageAlarm):
        await alarm.report(interaction.guild_id, problem)  # after the reply: it may take a while


async def on_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    """The app-command error handler (install with :func:`install_error_handler`).

    discord.py always calls ``tree.on_error`` last, after any command or cog handler, so this
    one handler answers every command's errors; no cog defines its own.
    """
    await answer_error(interaction, error)


def install_error_handler(tree: app_commands.CommandTree[discord.Client]) -> None:
    """Make :func:`on_app_command_error` the tree's ``on_error``."""
    tree.error(on_app_command_error)
