"""``mle-bot ask "/salary region:India level:entry"``: a command's reply, offline.

The invocation is parsed against the same command tree the bot registers with Discord (the
career cogs of :func:`~bot.cogs.build_career_cogs`, and the commands the weekly-challenge cogs'
classes declare), so unknown commands, unknown options and invalid choices fail here as they
would in Discord. The reply comes from the same pure answer functions and renderers the cogs
use. All it needs is the catalog: no store, no network.

Options are written the way Discord's chat box shows them: ``name:value``, where a value runs
until the next ``option:`` (so ``/role name:data scientist`` needs no quotes; quotes are
stripped if given). A subcommand follows its group: ``/challenge current``.

Beyond the career commands, three answers need no database: ``/mlebot-help`` (a member's view),
``/privacy`` (its text) and ``/challenge current``, which previews the season: the weekly post
of challenge ``--week N`` exactly as the publisher sends it (:func:`bot.weekly.render_weekly_post`
over :func:`scheduler.digest.build_post`), without last week's recap since there is no store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import discord
from discord import app_commands
from discord.ext import commands
from discord.http import handle_message_parameters

from bot.cogs import CHALLENGE_COGS, build_career_cogs, career_answers, declared_commands
from bot.cogs.info import help_reply, leaf_commands
from bot.cogs.privacy import privacy_reply
from bot.embeds import Reply
from bot.errors import UserFacingError
from bot.lookup import Guide
from bot.views import ALLOWED_MENTIONS, initial_response_payload
from bot.weekly import render_weekly_post
from content.models import Catalog
from scheduler.digest import build_post
from scheduler.planning import IsoWeek
from scheduler.ports import ChallengePost
from scheduler.season import SeasonChallenge, season_length
from storage.models import GuildSchedule

_OPTION = re.compile(r"(?:^|\s)([^\s:]+):")

#: Commands ``ask`` answers besides the career ones (no database needed).
HELP: Final = "mlebot-help"
PRIVACY: Final = "privacy"
SEASON_POST: Final = "challenge current"
OFFLINE_COMMANDS: Final = (HELP, PRIVACY, SEASON_POST)
#: The guild id of a previewed weekly post (there is no guild offline).
PREVIEW_GUILD: Final = 0
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class UsageError(Exception):
    """The invocation is not a valid command line (unknown command/option, bad value)."""


@dataclass(frozen=True)
class Invocation:
    """A parsed command line: the command's name and its option values, converted."""

    command: str
    options: Mapping[str, Any]


async def build_tree(catalog: Catalog) -> app_commands.CommandTree[Any]:
    """The command tree ``MLEBot.setup_hook`` registers, in the same order, built offline: the
    career cogs answer from ``catalog``; the weekly-challenge commands are added as their
    classes declare them, since their cogs need the running bot's store (``ask`` only parses
    them)."""
    bot = commands.Bot(
        command_prefix=commands.when_mentioned, intents=discord.Intents.none(), help_command=None
    )
    for cog in build_career_cogs(lambda: catalog):
        await bot.add_cog(cog)
    for challenge_cog in CHALLENGE_COGS:
        for command in declared_commands(challenge_cog):
            bot.tree.add_command(command)
    return bot.tree


def previewable() -> frozenset[str]:
    """Qualified names of the commands ``mle-bot ask`` answers."""
    return frozenset(career_answers()) | frozenset(OFFLINE_COMMANDS)


def _find_command(
    text: str, tree: app_commands.CommandTree[Any], known: str
) -> tuple[app_commands.Command[Any, ..., Any], str]:
    """The command ``text`` starts with (a group's subcommand follows the group) and the rest."""
    head, _, rest = text.partition(" ")
    name = head.removeprefix("/").lower()
    found = tree.get_command(name)
    while isinstance(found, app_commands.Group):
        group = found
        sub, _, rest = rest.strip().partition(" ")
        subcommands = ", ".join(sorted(c.name for c in group.commands))
        if not sub:
            raise UsageError(f"/{group.qualified_name} needs a subcommand: {subcommands}")
        found = group.get_command(sub.lower())
        if found is None:
            raise UsageError(
                f"/{group.qualified_name} has no subcommand “{sub}”; subcommands: {subcommands}"
            )
    if found is None:
        raise UsageError(f"unknown command /{name}; commands: {known}")
    if not isinstance(found, app_commands.Command):  # pragma: no cover - context menus
        raise UsageError(f"/{name} is not a slash command")
    return found, rest


def parse_invocation(
    line: str, tree: app_commands.CommandTree[Any], *, offline: Collection[str] | None = None
) -> Invocation:
    """Parse ``/command opt:value opt:value`` against ``tree``; :class:`UsageError` if invalid.

    Only commands in ``offline`` (default: :func:`previewable`) are accepted; pass every name
    to check any command line (member and channel options are then kept as typed).
    """
    text = line.strip()
    if not text:
        raise UsageError("empty command; try: /mlebot-help")
    allowed = previewable() if offline is None else offline
    leaves = [c.qualified_name for c, _ in leaf_commands(tree.get_commands())]
    known = ", ".join(sorted(f"/{name}" for name in leaves if name in allowed))
    command, rest = _find_command(text, tree, known)
    name = command.qualified_name
    if name not in allowed:
        raise UsageError(
            f"/{name} needs the running bot (members' progress lives in its database); "
            f"ask previews: {known}"
        )
    params = {param.name: param for param in command.parameters}
    matches = list(_OPTION.finditer(rest))
    if rest.strip() and (not matches or rest[: matches[0].start()].strip()):
        stray = rest[: matches[0].start()] if matches else rest
        raise UsageError(
            f"/{name}: “{stray.strip()}” is not an option; write options as name:value "
            f"({_describe_options(command)})"
        )
    options: dict[str, Any] = {}
    for position, match in enumerate(matches):
        option = match.group(1).lower()
        end = matches[position + 1].start() if position + 1 < len(matches) else len(rest)
        raw = _unquote(rest[match.end() : end].strip())
        param = params.get(option)
        if param is None:
            raise UsageError(
                f"/{name} has no option “{option}”; options: {_describe_options(command)}"
            )
        if option in options:
            raise UsageError(f"/{name}: option {option} given twice")
        options[option] = _convert(name, param, raw)
    for param in command.parameters:
        if param.required and param.name not in options:
            raise UsageError(f"/{name}: option {param.name} is required")
    return Invocation(command=command.qualified_name, options=options)


def _describe_options(command: app_commands.Command[Any, ..., Any]) -> str:
    names = [p.name if p.required else f"[{p.name}]" for p in command.parameters]
    return " ".join(names) if names else "none"


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _convert(command: str, param: app_commands.Parameter, raw: str) -> Any:
    if param.choices:
        for choice in param.choices:
            if raw.casefold() in (str(choice.value).casefold(), choice.name.casefold()):
                return choice.value
        allowed = ", ".join(str(choice.value) for choice in param.choices)
        raise UsageError(f"/{command}: {param.name} must be one of: {allowed}")
    kind = param.type
    try:
        if kind is discord.AppCommandOptionType.integer:
            return int(raw)
        if kind is discord.AppCommandOptionType.number:
            return float(raw)
    except ValueError:
        raise UsageError(f"/{command}: {param.name} must be a number") from None
    if kind is discord.AppCommandOptionType.boolean:
        if raw.casefold() in _TRUE | _FALSE:
            return raw.casefold() in _TRUE
        raise UsageError(f"/{command}: {param.name} must be true or false")
    return raw  # a string, or a member/channel as typed (no offline answer takes those)


def answer(guide: Guide, invocation: Invocation) -> Reply:
    """The reply the bot would send: the answer, or the ephemeral error message it would show."""
    try:
        return career_answers()[invocation.command](guide, **invocation.options)
    except UserFacingError as error:
        return Reply(content=error.message, ephemeral=True)


def reply_text(reply: Reply) -> str:
    """A terminal rendering of every page of ``reply`` (markdown left as Discord shows it)."""
    out: list[str] = []
    if reply.ephemeral:
        out.append("(only you can see this)")
    if reply.content:
        out.append(reply.content)
    total = len(reply.pages)
    for number, embed in enumerate(reply.pages, start=1):
        if total > 1:
            out.append(f"{'─' * 24} page {number}/{total} {'─' * 24}")
        if embed.title:
            out.append(f"# {embed.title}")
        if embed.description:
            out.append(embed.description)
        for field in embed.fields:
            out.append(f"\n## {field.name}")
            out.append(str(field.value))
        if embed.footer.text:
            out.append(f"\n— {embed.footer.text}")
    if total > 1:
        out.append(f"[◀️ Previous] [1/{total}] [▶️ Next]")
    return "\n".join(out)


def preview_post(catalog: Catalog, number: int, now: datetime) -> ChallengePost:
    """The weekly post of challenge ``number`` (1-based) in a season whose challenge 1 is this
    week (``now``'s ISO week), as the publisher would build it; no recap (no store offline)."""
    challenge = catalog.challenge_for_week(number)
    if challenge is None:
        raise UsageError(
            f"--week {number}: the season has challenges 1 to {season_length(catalog)}"
        )
    week = IsoWeek.of(now.astimezone(UTC).date() + timedelta(weeks=number - 1))
    season = SeasonChallenge(week=week, number=number, challenge=challenge)
    return build_post(catalog, GuildSchedule(guild_id=PREVIEW_GUILD), season, recap=None)


def channel_message_payload(embed: discord.Embed, view: discord.ui.View) -> dict[str, Any]:
    """The JSON body ``channel.send(embed=..., view=..., allowed_mentions=none)`` POSTs to
    ``/channels/{id}/messages`` (as :class:`bot.publisher.DiscordPublisher` sends the weekly
    post), built with discord.py's own ``handle_message_parameters``; only the random
    ``nonce`` (and ``enforce_nonce``) discord.py adds to every send are left out."""
    with handle_message_parameters(
        content=None,
        embed=embed,
        view=view,
        allowed_mentions=discord.AllowedMentions.none(),
        previous_allowed_mentions=ALLOWED_MENTIONS,
    ) as params:
        payload: dict[str, Any] = params.payload or {}
    view.stop()
    return payload


def post_text(post: ChallengePost, embed: discord.Embed, view: discord.ui.View) -> str:
    """A terminal rendering of the weekly post: the embed, then its buttons."""
    labels = []
    for child in view.children:
        item = child.item if isinstance(child, discord.ui.DynamicItem) else child
        if isinstance(item, discord.ui.Button):
            labels.append(f"[{item.emoji} {item.label}]" if item.emoji else f"[{item.label}]")
    view.stop()
    head = (
        f"(the weekly post of challenge {post.challenge_number} as the bot posts it in the "
        "challenge channel; offline, so without last week's recap)"
    )
    return "\n".join([head, reply_text(Reply(pages=(embed,))), " ".join(labels)])


def season_post_output(post: ChallengePost, *, as_json: bool) -> str:
    """The weekly post rendered by the publisher's renderer: its JSON body, or as text."""
    embed, view = render_weekly_post(post)
    if as_json:
        return json.dumps(channel_message_payload(embed, view), indent=2, ensure_ascii=False)
    return post_text(post, embed, view)


def offline_reply(
    catalog: Catalog, tree: app_commands.CommandTree[Any], invocation: Invocation
) -> Reply:
    """The reply to a previewable command other than ``/challenge current``."""
    if invocation.command == HELP:
        return help_reply(tree.get_commands(), catalog, discord.Permissions.none())
    if invocation.command == PRIVACY:
        return privacy_reply()
    return answer(Guide.build(catalog), invocation)


async def ask(
    catalog: Catalog,
    line: str,
    *,
    as_json: bool = False,
    week: int | None = None,
    now: datetime | None = None,
) -> tuple[int, str]:
    """Exit code and output for ``mle-bot ask``: 0 answered, 1 "not found" style reply,
    2 invalid command line.

    ``week`` (``/challenge current`` only, default 1) is the challenge number to preview;
    ``now`` (default: the clock) dates the previewed week.
    """
    tree = await build_tree(catalog)
    try:
        invocation = parse_invocation(line, tree)
        if week is not None and invocation.command != SEASON_POST:
            raise UsageError(f"--week applies to /{SEASON_POST} only")
        if invocation.command == PRIVACY and invocation.options:
            raise UsageError(
                "/privacy with an option changes your data: it needs the running bot; "
                "/privacy alone shows the text"
            )
        if invocation.command == SEASON_POST:
            number = 1 if week is None else week
            post = preview_post(catalog, number, now or datetime.now(UTC))
            return 0, season_post_output(post, as_json=as_json)
    except UsageError as error:
        return 2, f"mle-bot ask: {error}"
    reply = offline_reply(catalog, tree, invocation)
    code = 1 if reply.content and not reply.pages else 0
    if as_json:
        payload = initial_response_payload(reply)
        return code, json.dumps(payload, indent=2, ensure_ascii=False)
    return code, reply_text(reply)
