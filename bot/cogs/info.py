"""``/mlebot-help`` (built from the registered command tree) and ``/about-sources``.

The help lists every command of the running bot's tree, so a new command cannot be missing from
it: usage and description come from the command itself, the examples from :data:`EXAMPLES` (a
test keeps that mapping complete and free of stale names). Commands whose default permissions
the member lacks (``/admin``: Manage Server) are shown only to those who have them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar, Final

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.base import Answer, CareerCog, cooldown
from bot.embeds import HelpEntry, Reply, help_card, render, sources_card
from bot.lookup import Guide
from bot.views import send_reply
from content.models import Catalog
from scheduler.season import season_length

#: Examples per command (qualified name, as ``/challenge done`` is ``challenge done``). Every
#: command is a key; one without options needs no example (its usage line is the example).
EXAMPLES: Final[Mapping[str, tuple[str, ...]]] = {
    "role": ("/role", "/role name:machine learning engineer", "/role name:data scientist"),
    "tools": ("/tools", "/tools category:mlops", "/tools name:k8s"),
    "salary": ("/salary", "/salary region:India level:entry", "/salary level:senior"),
    "cert": ("/cert", "/cert name:aws"),
    "roadmap": ("/roadmap", "/roadmap step:3"),
    "outlook": ("/outlook", "/outlook topic:industries", "/outlook region:India"),
    "mlebot-help": (),
    "about-sources": (),
    "challenge current": (),
    "challenge done": ("/challenge done", "/challenge done note:notebook on my GitHub"),
    "challenge undo": (),
    "progress": ("/progress", "/progress member:@Ada"),
    "leaderboard": ("/leaderboard", "/leaderboard period:all page:2"),
    "privacy": ("/privacy", "/privacy leaderboard:hide-me", "/privacy leaderboard:show-me"),
    "forget-me": (),
    "remind on": ("/remind on", "/remind on day:Sunday time:20:00 timezone:Asia/Kolkata"),
    "remind off": (),
    "remind status": (),
    "admin schedule": (
        "/admin schedule channel:#challenges weekday:Monday time:09:00 timezone:Europe/Berlin",
        "/admin schedule channel:#challenges weekday:Friday time:18:30 timezone:Asia/Kolkata "
        "season_start:2026-01-05",
        "/admin schedule channel:#challenges weekday:Monday time:09:00 timezone:UTC threads:False",
    ),
    "admin show": (),
    "admin pause": (),
    "admin resume": (),
    "admin post-now": (),
    "admin leaderboard-visibility": ("/admin leaderboard-visibility visibility:public",),
    "admin reload-content": (),
    "admin mark": ("/admin mark member:@Ada challenge:3 note:showed me her notebook",),
    "admin unmark": ("/admin unmark member:@Ada challenge:3 reason:marked by mistake",),
    "admin export": ("/admin export", "/admin export period:week"),
    "admin rewards add": (
        "/admin rewards add role:@Consistent streak:4",
        "/admin rewards add role:@Regular streak:8 remove_when_broken:True",
        "/admin rewards add role:@Centurion points:100",
    ),
    "admin rewards remove": ("/admin rewards remove role:@Consistent",),
    "admin rewards list": ("/admin rewards list",),
    "admin report": (),
}

AppCommand = app_commands.Command[Any, ..., Any] | app_commands.Group


def leaf_commands(
    commands: Iterable[object],
) -> Iterator[tuple[app_commands.Command[Any, ..., Any], discord.Permissions | None]]:
    """Every slash command a member runs (groups opened up, in tree order) with its root's
    default permissions (Discord takes them from the top-level command only). Context menus
    are not slash commands and are left out."""
    for command in commands:
        if not isinstance(command, app_commands.Command | app_commands.Group):
            continue
        root_permissions = command.default_permissions
        stack: list[AppCommand] = [command]
        while stack:
            current = stack.pop(0)
            if isinstance(current, app_commands.Group):
                stack[:0] = current.commands
            else:
                yield current, root_permissions


def usage(command: app_commands.Command[Any, ..., Any]) -> str:
    """``/admin schedule channel weekday time timezone [season_start]``."""
    options = [p.name if p.required else f"[{p.name}]" for p in command.parameters]
    return " ".join([f"/{command.qualified_name}", *options])


def help_entries(
    commands: Iterable[object], permissions: discord.Permissions
) -> tuple[list[HelpEntry], set[str]]:
    """The entries a member with ``permissions`` may run, and the top-level names hidden."""
    entries: list[HelpEntry] = []
    hidden: set[str] = set()
    for command, needs in leaf_commands(commands):
        if needs is not None and not needs.is_subset(permissions):
            hidden.add(command.qualified_name.split()[0])
            continue
        examples = EXAMPLES.get(command.qualified_name, ())
        entries.append(HelpEntry(usage(command), command.description, examples))
    return entries, hidden


def help_reply(
    commands: Iterable[object], catalog: Catalog, permissions: discord.Permissions
) -> Reply:
    """``/mlebot-help`` for a member with ``permissions`` (ephemeral: it is for them only)."""
    entries, hidden = help_entries(commands, permissions)
    challenges = season_length(catalog)
    intro = (
        "Ask me about the ML engineer career, and take the weekly challenges: a season is "
        f"**{challenges} weekly challenges** along the roadmap, one posted each week in the "
        "server's challenge channel (press **Mark done** when you finish it). Options in "
        "[brackets] are optional; names autocomplete and forgive typos, accents and "
        "abbreviations (aws, gcp, k8s, sklearn)."
    )
    if hidden:
        names = ", ".join(f"`/{name}`" for name in sorted(hidden))
        intro += f"\nModerators (Manage Server) also see the {names} commands here."
    return Reply(tuple(render(help_card(entries, intro))), ephemeral=True)


def answer_sources(guide: Guide) -> Reply:
    """The seed articles, numbered as the markers in replies, with how many facts cite each."""
    return Reply(tuple(render(sources_card(guide))))


class InfoCog(CareerCog, name="Info"):
    """``/mlebot-help`` and ``/about-sources``."""

    answers: ClassVar[dict[str, Answer]] = {"about-sources": answer_sources}

    @app_commands.command(name="mlebot-help", description="What this bot can do, with examples")
    @cooldown()
    async def mlebot_help(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        tree = client.tree if isinstance(client, commands.Bot) else None
        registered = tuple(tree.get_commands() if tree is not None else ())
        permissions = interaction.permissions
        # The same for every member with the same permissions: laid out once per guide.
        reply = self.kept(
            ("mlebot-help", (("commands", registered), ("permissions", permissions.value))),
            lambda guide: help_reply(registered, guide.catalog, permissions),
        )
        await send_reply(interaction, reply)

    @app_commands.command(name="about-sources", description="The articles behind the facts")
    @cooldown()
    async def about_sources(self, interaction: discord.Interaction) -> None:
        await self.respond(interaction, "about-sources")
