"""The weekly post on Discord: render a ``ChallengePost``; the persistent **Mark done** button.

:func:`render_weekly_post` is the ``Renderer`` the :class:`bot.publisher.DiscordPublisher` takes:
one embed and a ``View(timeout=None)`` holding a :class:`MarkDoneButton`. The post's marker (its
ISO week) rides in the button's ``custom_id``, where no member sees it, so a crash between "send"
and "record as sent" can be settled by finding the message.

The button is a ``DynamicItem``: its ``custom_id`` (``mlebot:done:<challenge id>[:<week>]``)
carries all the state it needs, so once the client calls
``bot.add_dynamic_items(MarkDoneButton)`` at start-up, every button ever posted works again
after a restart, on old posts too, without re-creating views per message. discord.py builds
the item from the ``custom_id`` at click time, so it reaches the store and catalog through
``interaction.client.services``.

:func:`record_done` is the one way a member's own completion is recorded: the button and
``/challenge done`` both call it, so they answer alike.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, Final, Self

import discord
from discord import app_commands

from bot.embeds import Card, Section, render_one
from bot.errors import UserFacingError, answer_error, refuse_while_closing, send_ephemeral
from bot.interaction_log import log_interaction
from bot.lag import ADMISSION, METER, LagMeter, admit
from bot.services import Services
from content.limits import (
    CUSTOM_ID_LIMIT,
)
from content.models import Catalog, Challenge
from content.text import clip, plural
from scheduler.ports import ChallengePost, Publisher
from scheduler.rewards import reward_member
from storage.models import CompletionSource
from storage.store import Store

log = logging.getLogger(__name__)

#: ``custom_id`` of the Mark done button; the challenge id is a content slug.
DONE_PREFIX: Final = "mlebot:done:"
#: The optional ``:<ISO week>`` suffix is the weekly post's marker (``scheduler.ports``).
DONE_TEMPLATE: Final = r"mlebot:done:(?P<challenge>[a-z0-9-]+)(?::(?P<week>[0-9]{4}-W[0-9]{2}))?"

#: Embed colour of the weekly post and challenge cards.
CHALLENGE_COLOUR: Final = 0xF1C40F

DESCRIPTION_ROOM: Final = 2000  # the summary is a sentence or two; keep room for the fields
OVERFLOW_NOTE: Final = ("More", "The rest is in `/challenge current`.")


# --------------------------------------------------------------------------- services


def services_of(client: discord.Client) -> Services:
    """The :class:`Services` of the running bot (``MLEBot.services``), from any interaction.

    Buttons are built by discord.py at click time, so they cannot be handed services; every
    ``MLEBot`` has them from its constructor on.
    """
    services = getattr(client, "services", None)
    if not isinstance(services, Services):
        raise UserFacingError("I am still starting up; try again in a minute.")
    return services


def guild_of(interaction: discord.Interaction[Any]) -> int:
    """The interaction's guild id; outside a guild, discord.py's "server only" error."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage
    return interaction.guild_id


def challenge_or_error(catalog: Catalog, challenge_id: str) -> Challenge:
    """The catalog's challenge, or a member-facing error if content no longer has it.

    For members only (a button or post from before a content change); moderators who type a
    challenge get ``bot.cogs.admin.find_challenge``'s "not found, did you mean".
    """
    try:
        return catalog.challenge(challenge_id)
    except KeyError:
        raise UserFacingError(
            "That challenge is no longer part of the season, so it cannot be marked here. "
            "Ask a moderator if you think it should count."
        ) from None


def discord_time(instant: datetime, style: str = "f") -> str:
    """``<t:1700000000:f>``: shown in each reader's own time zone and locale."""
    return f"<t:{int(instant.timestamp())}:{style}>"


# --------------------------------------------------------------------------- recording


async def record_done(
    store: Store,
    catalog: Catalog,
    *,
    guild_id: int,
    user_id: int,
    display_name: str | None,
    challenge_id: str,
    source: CompletionSource,
    note: str | None = None,
    publisher: Publisher | None = None,
) -> str:
    """Record a member's own completion; the (ephemeral) answer for them.

    Pressing twice, or the button after the command, changes nothing and says so. With a
    ``publisher``, milestone roles the member reached are given (problems go to the
    moderators, never into this answer).
    """
    challenge = challenge_or_error(catalog, challenge_id)
    result = await store.progress.record_completion(
        guild_id,
        user_id,
        challenge.id,
        points=challenge.points,
        source=source,
        note=note,
        display_name=display_name,
    )
    name = discord.utils.escape_markdown(challenge.name)
    if not result.recorded:
        when = discord_time(result.completion.completed_at, "D")
        return (
            f"You already marked **{name}** done on {when}; it is recorded, nothing changed. "
            "`/challenge undo` removes it."
        )
    given = await reward_member(store, publisher, guild_id, user_id) if publisher else []
    # As of the commit that holds the completion; read again only if the store had none.
    summary = result.summary or await store.progress.summary(guild_id, user_id)
    text = f"✅ Recorded **{name}**: +{challenge.points} points."
    if summary is not None:
        streak = summary.current_streak
        text += f" Season total: {summary.season_points} points"
        text += f", streak: {plural(streak, 'week')} in a row." if streak else "."
    for change in given:  # reward_member never raises: a problem went to the moderators
        text += f" 🏅 Milestone reached: you now have <@&{change.role_id}>."
    return text + " `/progress` shows the whole picture."


#: Discord takes the first answer within 3 s of the interaction; a write that is not
#: confirmed this long after the interaction was created is deferred first.
DEFER_AFTER: Final = 2.0


def time_to_defer(
    interaction: discord.Interaction[Any], *, after: float = DEFER_AFTER, meter: LagMeter = METER
) -> float:
    """Seconds to wait for a write before deferring (0: defer now; never above ``after``).

    Counted from Discord's timestamp (:mod:`bot.lag`): the write is deferred when it is not
    confirmed ``after`` seconds after Discord created the interaction, however long the handler
    waited for its turn, which leaves a second for the answer to reach Discord. Only then: a
    defer is one more request (and the answer an edit), which a busy bot can least afford.
    A handler that starts 0.5 s late waits 1.5 s, one that starts 2 s late or later defers
    at once.
    """
    lag = max(0.0, meter.of(interaction))
    return max(0.0, after - lag)


async def confirm_in_time(
    interaction: discord.Interaction[Any],
    work: Awaitable[str],
    *,
    after: float = DEFER_AFTER,
) -> str:
    """The answer of ``work`` (a write), deferring the interaction if it takes too long.

    If ``work`` has not finished within :func:`time_to_defer` (at once on a loop that reached
    the handler late), the interaction is deferred (ephemeral, "thinking") so Discord keeps
    waiting; the write goes on either way, and the caller answers with
    :func:`answer_recorded`, which completes a deferred interaction. The write is never
    cancelled here: it commits whatever the member sees.
    """
    budget = time_to_defer(interaction, after=after)
    task = asyncio.ensure_future(work)
    # Waiting for a commit needs no CPU of ours: the handlers queued behind (reads) go on.
    ADMISSION.leave()
    if budget > 0:
        await asyncio.wait({task}, timeout=budget)
    if not task.done():
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except BaseException:
            # The write goes on and commits; its outcome is not lost unread.
            task.add_done_callback(_log_unread)
            raise
        log.info("deferred interaction %s: the write took over %.1fs", interaction.id, budget)
    return await task


def _log_unread(task: asyncio.Future[str]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("a deferred write failed after its interaction was gone: %r", task.exception())


async def answer_recorded(interaction: discord.Interaction[Any], text: str) -> None:
    """Send the answer of :func:`confirm_in_time`: the reply, or the deferred one's end."""
    if interaction.response.is_done():
        await interaction.edit_original_response(content=text)
    else:
        await send_ephemeral(interaction, text)


# --------------------------------------------------------------------------- the button


def done_custom_id(challenge_id: str, marker: str | None = None) -> str:
    """``mlebot:done:<id>[:<marker>]``; ``ValueError`` if Discord would refuse it."""
    custom_id = DONE_PREFIX + challenge_id + ("" if marker is None else f":{marker}")
    if len(custom_id) > CUSTOM_ID_LIMIT or not re.fullmatch(DONE_TEMPLATE, custom_id):
        raise ValueError(
            f"challenge id {challenge_id!r} and marker {marker!r} cannot be put in a custom_id"
        )
    return custom_id


def carries_marker(custom_id: str, marker: str) -> bool:
    """Is ``custom_id`` a Mark done button carrying the weekly post marker ``marker``?"""
    match = re.fullmatch(DONE_TEMPLATE, custom_id)
    return match is not None and match["week"] == marker


class MarkDoneButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=DONE_TEMPLATE
):
    """The persistent **Mark done** button of a weekly post (and of ``/challenge current``).

    Register once at start-up: ``bot.add_dynamic_items(MarkDoneButton)``. It needs nothing
    else: the challenge id comes from the ``custom_id``, the guild and member from the click,
    and the store and catalog from ``interaction.client.services``.
    """

    def __init__(self, challenge_id: str, marker: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label="Mark done",
                emoji="✅",
                style=discord.ButtonStyle.success,
                custom_id=done_custom_id(challenge_id, marker),
            )
        )
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        """The button for a ``mlebot:done:<challenge>[:<week>]`` custom id."""
        return cls(match["challenge"], match["week"])

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Wait for the handler's turn, then drop presses too late to answer
        (:func:`bot.lag.admit`); refuse them while the bot shuts down."""
        if not await admit(interaction):
            log_interaction(interaction, "expired")
            return False
        return not await refuse_while_closing(interaction)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the member's completion and answer them ephemerally."""
        # discord.py only logs what a dynamic item raises (the member would see "interaction
        # failed"), so every error is answered here, as the app-command handler would.
        try:
            if interaction.guild_id is None:
                raise UserFacingError("This button only works in a server.")
            services = services_of(interaction.client)
            text = await confirm_in_time(
                interaction,
                record_done(
                    services.store,
                    services.catalog,
                    guild_id=interaction.guild_id,
                    user_id=interaction.user.id,
                    display_name=interaction.user.display_name,
                    challenge_id=self.challenge_id,
                    source=CompletionSource.BUTTON,
                    publisher=services.publisher,
                ),
            )
        except Exception as error:  # the member must always get an answer
            await answer_error(interaction, error)
            return
        try:
            await answer_recorded(interaction, text)
            log_interaction(interaction, "ok")
        except discord.HTTPException as exc:
            # Recorded all the same; the member sees it in /progress or on a second press.
            log.warning(
                "recorded %s for user %s in guild %s, but the reply failed: %s",
                self.challenge_id,
                interaction.user.id,
                interaction.guild_id,
                exc,
            )


def done_view(
    challenge_id: str, url: str | None = None, *, marker: str | None = None
) -> discord.ui.View:
    """A ``View(timeout=None)`` with the Mark done button (and a link to ``url`` if given).

    ``marker`` (the weekly post's) goes into the button's ``custom_id``.
    """
    view = discord.ui.View(timeout=None)
    view.add_item(MarkDoneButton(challenge_id, marker))
    if url:
        view.add_item(discord.ui.Button(label="Open", style=discord.ButtonStyle.link, url=url))
    return view


# --------------------------------------------------------------------------- rendering


def post_footer(post: ChallengePost) -> str:
    """Footer text: the challenge number and week, for people (no internal key)."""
    return f"Challenge {post.challenge_number} · {post.week} · Press Mark done when finished"


def render_weekly_post(post: ChallengePost) -> tuple[discord.Embed, discord.ui.View]:
    """The weekly message: one embed within Discord's limits; the marker rides in the button.

    Laid out by the one layout engine (:func:`bot.embeds.render_one`): long sections continue
    in ``(cont.)`` fields, and nothing is cut silently: what does not fit in one message (6000
    characters, 25 fields) is replaced by a last field pointing at ``/challenge current``.
    """
    description = post.summary.strip()
    if post.late:
        description += "\n\n*Posted late: I was offline at the scheduled time.*"
    card = Card(
        title=f"Challenge {post.challenge_number}: {post.title}",
        # Kept short so the sections, not the summary, get the message's room.
        description=clip(description, DESCRIPTION_ROOM),
        sections=tuple(
            Section(s.heading.strip() or "—", (s.text.strip() or "—",)) for s in post.sections
        ),
        footer=post_footer(post),
        colour=CHALLENGE_COLOUR,
        url=post.url,
    )
    embed = render_one(card, OVERFLOW_NOTE)
    return embed, done_view(post.challenge_id, marker=post.marker)
