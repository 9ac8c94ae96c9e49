"""A member's own data: ``/privacy [leaderboard:hide-me|show-me]`` and ``/forget-me``.

``/privacy`` alone says what is stored and why. With ``leaderboard:hide-me`` the member leaves
every leaderboard, the weekly recap and the moderators' export (storage's ``opted_out``), while
their progress keeps being recorded and shown to them; ``leaderboard:show-me`` undoes it.
``/forget-me`` deletes everything about the member in the server after a confirmation.

Every reply is ephemeral: it is about the member only. The ``answer_*`` coroutines take the
store and plain ids, so the unit tests drive them against a real SQLite store.
"""

from __future__ import annotations

from typing import Any, Final

import discord
from discord import app_commands

from bot.cogs.base import ServicesCog
from bot.embeds import Card, Reply, render
from bot.views import OwnedView, send_reply
from bot.weekly import CHALLENGE_COLOUR, guild_of
from content.text import plural
from storage.store import Store

FORGET_TIMEOUT: Final = 120.0

#: ``/privacy leaderboard:<value>``: hide the member from rankings, or show them again.
HIDE_ME: Final = "hide-me"
SHOW_ME: Final = "show-me"

PRIVACY_TEXT: Final = (
    "**What I store about you in this server**",
    "• Your Discord user id and your display name (so leaderboards can show it).",
    "• Each challenge you mark done: which one, when, how (button, command or a moderator),"
    " its points and the optional note you gave.",
    "• Corrections a moderator made to your progress, in the moderators' audit log.",
    "• If you asked for reminders (`/remind on`): your reminder day, time and time zone, and"
    " which weeks you were reminded. `/remind status` shows them, `/remind off` stops them.",
    "",
    "**Why**: to show your progress, streaks and the leaderboard, and so moderators can fix"
    " mistakes. Moderators can see the leaderboard and export this season's progress as a"
    " spreadsheet; if they make the leaderboard public, members see it too and the weekly post"
    " names the top members. Nothing is used for anything else or shared with other servers.",
    "",
    "**What I do not store**: your messages, your other servers, your roles or presence.",
    "",
    "**Your choices**",
    f"• `/privacy leaderboard:{HIDE_ME}` takes you off the leaderboards, the weekly post's"
    " recap and the moderators' export; your progress is still recorded and `/progress` still"
    f" shows it to you. `/privacy leaderboard:{SHOW_ME}` puts you back.",
    "• `/challenge undo` removes this week's mark.",
    "• `/forget-me` deletes all of your data in this server after a confirmation (moderator"
    " actions you took stay in the audit log without your id).",
)

HIDDEN: Final = (
    "Done: you are no longer shown on this server's leaderboards, in the weekly post's recap "
    "or in the moderators' export. Your progress is still recorded: `/progress` shows it to "
    f"you. `/privacy leaderboard:{SHOW_ME}` puts you back."
)
ALREADY_HIDDEN: Final = (
    "You were already hidden from the leaderboards and the export here; nothing changed. "
    f"`/privacy leaderboard:{SHOW_ME}` puts you back."
)
SHOWN: Final = (
    "Done: you are shown on this server's leaderboards again (once you have points), and your "
    f"progress is in the moderators' export. `/privacy leaderboard:{HIDE_ME}` hides you."
)
ALREADY_SHOWN: Final = (
    "You are already shown on the leaderboards here; nothing changed. "
    f"`/privacy leaderboard:{HIDE_ME}` hides you."
)

FORGET_PROMPT: Final = (
    "This deletes **all** of your data in this server: every challenge you marked done, your "
    "points and streaks, and moderator corrections about you. It cannot be undone. Continue?"
)


def privacy_reply() -> Reply:
    """``/privacy``: what is stored, why, and the member's choices (ephemeral)."""
    card = Card(
        title="Privacy: what mle-roadmap-bot keeps",
        description="\n".join(PRIVACY_TEXT),
        footer="Data is kept in the bot's database until you or a moderator remove it",
        colour=CHALLENGE_COLOUR,
    )
    return Reply(tuple(render(card)), ephemeral=True)


async def answer_visibility(store: Store, *, guild_id: int, user_id: int, hidden: bool) -> str:
    """``/privacy leaderboard:hide-me|show-me``: set the member's opt-out; say what changed."""
    summary = await store.progress.summary(guild_id, user_id)
    was_hidden = summary is not None and summary.opted_out
    if was_hidden == hidden:
        return ALREADY_HIDDEN if hidden else ALREADY_SHOWN
    await store.members.set_opted_out(guild_id, user_id, hidden)
    return HIDDEN if hidden else SHOWN


async def answer_forget(store: Store, *, guild_id: int, user_id: int) -> str:
    """``/forget-me`` once confirmed: delete the member's data here; say how much went."""
    report = await store.members.forget_member(user_id, guild_id=guild_id)
    entries = plural(report.audit_entries, "audit entry", "audit entries")
    return (
        f"Done: I deleted your data in this server ({plural(report.completions, 'completion')}, "
        f"{entries} about you). If you press Mark done again later, a new record starts."
    )


class ForgetConfirmView(OwnedView):
    """The confirmation step of ``/forget-me`` (ephemeral: only the member sees it)."""

    def __init__(self, store: Store, *, guild_id: int, owner_id: int) -> None:
        super().__init__(owner_id, timeout=FORGET_TIMEOUT)
        self.store = store
        self.guild_id = guild_id

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[ForgetConfirmView]
    ) -> None:
        self.stop()
        text = await answer_forget(self.store, guild_id=self.guild_id, user_id=self.owner_id)
        await interaction.response.edit_message(content=text, embed=None, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[ForgetConfirmView]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(
            content="Cancelled: nothing was deleted.", embed=None, view=None
        )

    def timeout_edit(self) -> dict[str, Any]:
        return {"content": "No answer in time: nothing was deleted.", "view": None}


class PrivacyCog(ServicesCog, name="Privacy"):
    """``/privacy`` and ``/forget-me``: what is kept about a member, and their choices."""

    @app_commands.command(
        name="privacy",
        description="What the bot stores about you and why; hide you from the leaderboards",
    )
    @app_commands.describe(
        leaderboard="Hide you from leaderboards and exports (progress is kept), or show you again"
    )
    @app_commands.choices(
        leaderboard=[
            app_commands.Choice(name="Hide me from leaderboards and exports", value=HIDE_ME),
            app_commands.Choice(name="Show me on leaderboards again", value=SHOW_ME),
        ]
    )
    @app_commands.guild_only()
    async def privacy(
        self,
        interaction: discord.Interaction[Any],
        leaderboard: app_commands.Choice[str] | None = None,
    ) -> None:
        if leaderboard is None:
            await send_reply(interaction, privacy_reply())
            return
        text = await answer_visibility(
            self.store(),
            guild_id=guild_of(interaction),
            user_id=interaction.user.id,
            hidden=leaderboard.value == HIDE_ME,
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(
        name="forget-me", description="Delete all of your challenge data in this server"
    )
    @app_commands.guild_only()
    async def forget_me(self, interaction: discord.Interaction[Any]) -> None:
        view = ForgetConfirmView(
            self.store(), guild_id=guild_of(interaction), owner_id=interaction.user.id
        )
        await interaction.response.send_message(FORGET_PROMPT, view=view, ephemeral=True)
        view.attach(interaction)
