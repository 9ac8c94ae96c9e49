"""What the cogs share: the career cogs' guide, cooldowns and choices; the weekly-challenge
cogs' services."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.cooldowns import cooldown as bot_cooldown
from bot.embeds import Reply
from bot.lookup import FuzzyIndex, Guide, GuideCache, Match
from bot.views import send_reply

if TYPE_CHECKING:
    from bot.services import Services
    from storage.store import Store

#: A pure answer: ``(guide, **options) -> Reply``; shared by the live cog and ``mle-bot ask``.
Answer = Callable[..., Reply]

#: Career answers kept per cog (a content reload or this many distinct lookups start afresh).
REPLIES_KEPT: Final = 512
#: Per-member cooldown on every career command: RATE uses per PER seconds.
COOLDOWN_RATE: Final = 5
COOLDOWN_PER: Final = 20.0

T = TypeVar("T")


def cooldown() -> Callable[[T], T]:
    """The per-member cooldown all career commands share (the error handler words the reply;
    :mod:`bot.cooldowns` says why not discord.py's own)."""
    return bot_cooldown(COOLDOWN_RATE, COOLDOWN_PER, key=lambda interaction: interaction.user.id)


def choices(
    index: FuzzyIndex, current: str, only: Collection[str] | None = None
) -> list[app_commands.Choice[str]]:
    """Autocomplete choices for ``current`` (at most 25, names and values <= 100 chars)."""
    return [
        app_commands.Choice(name=label, value=value)
        for label, value in index.choices(current, only=only)
    ]


def noted(reply: Reply, *matches: Match) -> Reply:
    """``reply`` led by a line per non-exact match ("Showing **India** for “Indiana”."), so a
    member never reads a guessed item's facts as the answer to what they typed."""
    notices = [match.notice for match in matches if match.notice]
    if not notices:
        return reply
    content = "\n".join([*notices, *([reply.content] if reply.content else [])])
    return dataclasses.replace(reply, content=content)


class CareerCog(commands.Cog):
    """Base of the career cogs: holds the guide cache and routes errors to the one handler."""

    #: Command name -> its pure answer function (used by ``mle-bot ask`` and tests).
    answers: ClassVar[Mapping[str, Answer]] = {}

    def __init__(self, guides: GuideCache) -> None:
        self.guides = guides
        # Answers are pure functions of the guide and the options: kept per guide (a content
        # reload builds a new one), so a popular lookup is laid out once (REPLIES_KEPT).
        self._replies: dict[tuple[str, tuple[tuple[str, Any], ...]], Reply] = {}
        self._replies_of: Guide | None = None

    def guide(self) -> Guide:
        """The current catalog with its indexes (rebuilt once after a content reload)."""
        return self.guides.current()

    async def respond(self, interaction: discord.Interaction, command: str, **options: Any) -> None:
        """Run the pure answer for ``command`` and send it."""
        await send_reply(interaction, self.answer(command, **options))

    def answer(self, command: str, **options: Any) -> Reply:
        """The pure answer for ``command`` with ``options``, laid out once per guide."""
        return self.kept(
            (command, tuple(sorted(options.items()))),
            lambda guide: type(self).answers[command](guide, **options),
        )

    def kept(
        self, key: tuple[str, tuple[tuple[str, Any], ...]], build: Callable[[Guide], Reply]
    ) -> Reply:
        """The reply kept for ``key`` with the current guide, else ``build(guide)`` (then kept).

        ``key`` must name everything the reply depends on besides the guide.
        """
        guide = self.guide()
        if guide is not self._replies_of or len(self._replies) >= REPLIES_KEPT:
            self._replies, self._replies_of = {}, guide
        reply = self._replies.get(key)
        if reply is None:
            reply = self._replies[key] = build(guide)
        return reply


class ServicesCog(commands.Cog):
    """Base of the weekly-challenge cogs: the running bot's :class:`~bot.services.Services`.

    The commands an instance registers are declared by its class; the offline preview reads
    them from there (:func:`bot.cogs.declared_commands`), since it has no services.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self.clock = services.clock

    def store(self) -> Store:
        """The open store (opened before the client, closed after it)."""
        return self.services.store
