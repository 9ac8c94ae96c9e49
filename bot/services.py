"""The objects built once at start-up and handed to cogs, views and the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings
    from content.models import Catalog


@dataclass
class Services:
    """What cogs receive through their constructors (no globals, no ``get_cog`` lookups).

    ``catalog`` is replaced atomically by a content reload; readers take it per call.
    """

    settings: Settings
    catalog: Catalog
