"""Message components and sending: the paginator, and the one way replies are sent.

:func:`send_reply` (live bot) and :func:`initial_response_payload` (``mle-bot ask --json`` and
tests) build their message from the same :func:`message_parts`, so the JSON shown offline is
what discord.py puts on the wire. Nothing here registers views globally; the persistent
**Mark done** button is a ``DynamicItem`` in :mod:`bot.weekly`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord.utils import MISSING
from discord.webhook.async_ import interaction_message_response_params

from bot.embeds import Reply
from bot.errors import answer_error, refuse_while_closing

log = logging.getLogger(__name__)

#: Seconds of inactivity after which a paginator removes its buttons.
PAGINATOR_TIMEOUT = 180.0

#: The bot's client-wide setting (``MLEBot(allowed_mentions=...)``); replies never ping.
ALLOWED_MENTIONS = discord.AllowedMentions.none()


class OwnedView(discord.ui.View):
    """A view only the member who ran the command may use, tidied up when it times out.

    Anyone else gets :attr:`refusal` (ephemeral; ``None`` ignores them silently); nobody is
    served while the bot shuts down; errors get the same answers as commands. On timeout the
    message the view sits on (see :meth:`attach`) is edited with :meth:`timeout_edit`.
    """

    refusal: str | None = None

    def __init__(self, owner_id: int, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.origin: discord.Interaction[Any] | None = None

    def attach(self, interaction: discord.Interaction[Any]) -> None:
        """Remember the interaction whose original response shows this view (for timeout)."""
        self.origin = interaction

    def timeout_edit(self) -> dict[str, Any]:
        """How the message changes on timeout: by default its buttons go away."""
        return {"view": None}

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the member who asked may press the buttons; others get the refusal, if any."""
        if await refuse_while_closing(interaction):
            return False
        if interaction.user.id == self.owner_id:
            return True
        if self.refusal is not None:
            await interaction.response.send_message(self.refusal, ephemeral=True)
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, _item: Any, /
    ) -> None:
        """Answer a button's error like a command's (:func:`bot.errors.answer_error`)."""
        await answer_error(interaction, error)

    async def on_timeout(self) -> None:
        """Edit the original message as :meth:`timeout_edit` says (buttons go away)."""
        if self.origin is None:
            return
        try:
            await self.origin.edit_original_response(**self.timeout_edit())
        except discord.HTTPException as exc:
            # The message was deleted or the token expired: nothing left to clean up.
            log.debug("%s timeout edit failed: %s", type(self).__name__, exc)


class Paginator(OwnedView):
    """Previous/Next buttons over embed pages; only the member who asked can turn them.

    On timeout the buttons are removed from the message (the page shown stays).
    """

    refusal = (
        "Only the member who ran this command can turn its pages; "
        "run the command yourself to browse."
    )

    def __init__(
        self, pages: Sequence[discord.Embed], owner_id: int, *, timeout: float = PAGINATOR_TIMEOUT
    ) -> None:
        super().__init__(owner_id, timeout=timeout)
        if len(pages) < 2:
            raise ValueError("a paginator needs at least two pages")
        self.pages = tuple(pages)
        self.index = 0
        self._sync_buttons()

    @property
    def current(self) -> discord.Embed:
        """The embed of the page on show."""
        return self.pages[self.index]

    def _sync_buttons(self) -> None:
        self.previous_page.disabled = self.index == 0
        self.next_page.disabled = self.index == len(self.pages) - 1
        self.counter.label = f"{self.index + 1}/{len(self.pages)}"

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.current, view=self)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        await interaction.response.defer()  # disabled: never pressed

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.primary)
    async def next_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        await self._show(interaction, self.index + 1)


def message_parts(reply: Reply, owner_id: int) -> tuple[list[discord.Embed], Paginator | None]:
    """The embeds of the first message and the paginator (``None`` for a single page)."""
    if len(reply.pages) > 1:
        view = Paginator(reply.pages, owner_id)
        return [view.current], view
    return list(reply.pages), None


async def send_reply(interaction: discord.Interaction, reply: Reply) -> None:
    """Send ``reply`` as the interaction's response (or a follow-up if already answered)."""
    embeds, view = message_parts(reply, interaction.user.id)
    if interaction.response.is_done():
        if view is None:
            await interaction.followup.send(
                content=reply.content or MISSING, embeds=embeds, ephemeral=reply.ephemeral
            )
        else:
            await interaction.followup.send(
                content=reply.content or MISSING,
                embeds=embeds,
                view=view,
                ephemeral=reply.ephemeral,
            )
    elif view is None:
        await interaction.response.send_message(
            content=reply.content, embeds=embeds, ephemeral=reply.ephemeral
        )
    else:
        await interaction.response.send_message(
            content=reply.content, embeds=embeds, view=view, ephemeral=reply.ephemeral
        )
    if view is not None:
        view.attach(interaction)


def initial_response_payload(reply: Reply, owner_id: int = 0) -> dict[str, Any]:
    """The JSON body discord.py POSTs to ``/interactions/{id}/{token}/callback`` for ``reply``.

    Built with discord.py's own ``interaction_message_response_params`` and the same arguments
    ``InteractionResponse.send_message`` passes (the client's ``AllowedMentions.none()``
    included), so it matches the wire format byte for byte apart from random custom ids.
    """
    embeds, view = message_parts(reply, owner_id)
    flags = discord.MessageFlags._from_value(0) if reply.ephemeral else MISSING
    if reply.ephemeral:
        flags.ephemeral = True
    params = interaction_message_response_params(
        type=discord.InteractionResponseType.channel_message.value,
        content=reply.content,
        embeds=embeds,
        view=view if view is not None else MISSING,
        flags=flags,
        previous_allowed_mentions=ALLOWED_MENTIONS,
        allowed_mentions=MISSING,
    )
    if view is not None:
        view.stop()
    payload: dict[str, Any] = params.payload or {}
    return payload
