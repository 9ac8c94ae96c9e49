"""What the running bot's cogs, buttons and timers share, all there from the start.

``run_bot`` opens the store before the client exists and hands it to :class:`~bot.client.MLEBot`,
whose constructor builds the rest with :meth:`Services.wire` (the publisher needs the client,
the schedulers need the publisher). Nothing here is ever missing, so nobody checks.

The offline ``mle-bot ask`` preview and the career cogs need only the catalog (see
:mod:`bot.preview` and :func:`bot.cogs.build_career_cogs`); they never see a :class:`Services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from scheduler.reminders import ReminderScheduler
from scheduler.runner import DEFAULT_STOP_TIMEOUT, ChallengeScheduler
from scheduler.shards import Ownership

if TYPE_CHECKING:
    from bot.settings import Settings
    from content.models import Catalog
    from scheduler.ports import Clock, DirectMessenger, Publisher
    from storage.store import Store


@dataclass
class Content:
    """The catalog every answer is built from. A content reload swaps ``catalog`` whole, in one
    assignment; readers take it per call, so they see the old catalog or the new one."""

    catalog: Catalog


@dataclass(frozen=True)
class Services:
    """What the weekly-challenge cogs, the Mark done buttons and the client use (no globals, no
    ``get_cog`` lookups). Cogs receive it through their constructors; buttons, which discord.py
    builds at click time, through ``interaction.client.services``."""

    settings: Settings
    content: Content
    #: Open for the client's whole life: opened before it, closed after it.
    store: Store
    #: Discord for work outside the timers (milestone roles after a completion).
    publisher: Publisher
    #: The weekly posts; started once the gateway is ready, stopped by ``close()``.
    scheduler: ChallengeScheduler
    #: The members' reminder DMs; started and stopped with ``scheduler``.
    reminders: ReminderScheduler
    #: The time the commands read (the schedulers were given the same one).
    clock: Clock

    @property
    def catalog(self) -> Catalog:
        """The current catalog (a content reload may swap it between two calls)."""
        return self.content.catalog

    @classmethod
    def wire(
        cls,
        settings: Settings,
        content: Content,
        store: Store,
        *,
        publisher: Publisher,
        messenger: DirectMessenger,
        clock: Clock,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
    ) -> Services:
        """The services over an open ``store``: the schedulers post through ``publisher`` and DM
        through ``messenger`` (the bot's :class:`~bot.publisher.DiscordPublisher` is both)."""
        catalog = lambda: content.catalog  # noqa: E731 -- read per call: reloads swap it
        # Only the guilds on this process's shards (every guild without shard settings).
        owns = Ownership.of(settings.shard_count, settings.shard_ids)
        scheduler = ChallengeScheduler(
            store,
            catalog,
            publisher,
            clock,
            grace=timedelta(hours=settings.catchup_grace_hours),
            stop_timeout=stop_timeout,
            owns=owns,
        )
        reminders = ReminderScheduler(store, catalog, messenger, clock, owns=owns)
        return cls(settings, content, store, publisher, scheduler, reminders, clock)
