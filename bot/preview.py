"""``mle-bot ask "/salary region:India level:entry"``: a command's reply, offline.

The invocation is parsed against the same command tree the bot registers with Discord (built by
the real :class:`~bot.client.MLEBot` and :func:`~bot.cogs.build_cogs`), so unknown commands,
unknown options and invalid choices fail here as they would in Discord. The reply comes from the
same pure answer functions and renderers the cogs use. Nothing touches the network.

Options are written the way Discord's chat box shows them: ``name:value``, where a value runs
until the next ``option:`` (so ``/role name:data scientist`` needs no quotes; quotes are
stripped if given).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.client import MLEBot
from bot.cogs import build_cogs, career_answers
from bot.embeds import Reply
from bot.errors import UserFacingError
from bot.lookup import Guide
from bot.services import Services
from bot.views import initial_response_payload

_OPTION = re.compile(r"(?:^|\s)([^\s:]+):")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class UsageError(Exception):
    """The invocation is not a valid command line (unknown command/option, bad value)."""


@dataclass(frozen=True)
class Invocation:
    """A parsed command line: the command's name and its option values, converted."""

    command: str
    options: Mapping[str, Any]


async def build_tree(services: Services) -> app_commands.CommandTree[MLEBot]:
    """The command tree exactly as ``MLEBot.setup_hook`` builds it (without syncing)."""
    bot = MLEBot(services)
    for cog in build_cogs(services):
        await bot.add_cog(cog)
    return bot.tree


def command_tree_payload(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    """The JSON array ``tree.sync()`` PUTs to ``/applications/{id}/commands``."""
    return [command.to_dict(tree) for command in tree.get_commands()]


def parse_invocation(line: str, tree: app_commands.CommandTree[Any]) -> Invocation:
    """Parse ``/command opt:value opt:value`` against ``tree``; :class:`UsageError` if invalid."""
    text = line.strip()
    if not text:
        raise UsageError("empty command; try: /mlebot-help")
    head, _, rest = text.partition(" ")
    name = head.removeprefix("/").lower()
    command = tree.get_command(name)
    previewable = career_answers()
    known = sorted(f"/{c.name}" for c in tree.get_commands() if c.name in previewable)
    if command is None:
        raise UsageError(f"unknown command /{name}; commands: {', '.join(known)}")
    if not isinstance(command, app_commands.Command) or command.name not in previewable:
        raise UsageError(
            f"/{name} needs the running bot (members' progress lives in its database); "
            f"ask previews: {', '.join(known)}"
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
    if kind is not discord.AppCommandOptionType.string:
        raise UsageError(f"/{command}: option {param.name} cannot be given offline")
    return raw


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


async def ask(services: Services, line: str, *, as_json: bool = False) -> tuple[int, str]:
    """Exit code and output for ``mle-bot ask``: 0 answered, 1 "not found" style reply,
    2 invalid command line."""
    tree = await build_tree(services)
    try:
        invocation = parse_invocation(line, tree)
    except UsageError as error:
        return 2, f"mle-bot ask: {error}"
    reply = answer(Guide.build(services.catalog), invocation)
    code = 1 if reply.content and not reply.pages else 0
    if as_json:
        payload = initial_response_payload(reply)
        return code, json.dumps(payload, indent=2, ensure_ascii=False)
    return code, reply_text(reply)
