"""The objects built once at start-up and handed to cogs, views and the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings
    from content.models import Catalog
    from scheduler.ports import Publisher
    from scheduler.reminders import ReminderScheduler
    from scheduler.runner import ChallengeScheduler
    from storage.store import Store


@dataclass
class Services:
    """What cogs receive through their constructors (no globals, no ``get_cog`` lookups).

    ``catalog`` is replaced atomically by a content reload; readers take it per call.
    ``store`` and ``scheduler`` are set by the client's ``setup_hook`` (the database is opened
    inside the event loop); the offline ``ask`` preview runs without them.
    """

    settings: Settings
    catalog: Catalog
    store: Store | None = None
    scheduler: ChallengeScheduler | None = None
    reminders: ReminderScheduler | None = None
    #: Discord for the scheduler's work outside it (milestone roles after a completion).
    publisher: Publisher | None = None
