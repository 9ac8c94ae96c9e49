"""One cog per topic. :func:`build_cogs` is the single list the client installs.

The career cogs need only the catalog (:func:`build_career_cogs`); the weekly-challenge cogs
need the running bot's :class:`~bot.services.Services` (:func:`build_challenge_cogs`). The
offline preview builds the same tree from the career cogs and the challenge cogs' classes
(:func:`declared_commands`), without any store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from discord import app_commands
from discord.ext import commands

from bot.cogs.admin import AdminCog
from bot.cogs.base import Answer, CareerCog, ServicesCog
from bot.cogs.certs import CertsCog
from bot.cogs.challenges import ChallengesCog
from bot.cogs.info import InfoCog
from bot.cogs.outlook import OutlookCog
from bot.cogs.privacy import PrivacyCog
from bot.cogs.reminders import RemindersCog
from bot.cogs.roadmap import RoadmapCog
from bot.cogs.roles import RolesCog
from bot.cogs.salary import SalaryCog
from bot.cogs.tools import ToolsCog
from bot.lookup import GuideCache
from bot.services import Services
from content.models import Catalog

CAREER_COGS: tuple[type[CareerCog], ...] = (
    RolesCog,
    ToolsCog,
    SalaryCog,
    OutlookCog,
    CertsCog,
    RoadmapCog,
    InfoCog,
)


#: The weekly-challenge cogs: member commands, ``/privacy`` and ``/forget-me``, ``/remind``,
#: ``/admin``.
CHALLENGE_COGS: tuple[type[ServicesCog], ...] = (ChallengesCog, PrivacyCog, RemindersCog, AdminCog)


def build_cogs(services: Services) -> list[commands.Cog]:
    """Every cog the bot installs: the career cogs, then the weekly-challenge cogs."""
    return [*build_career_cogs(lambda: services.catalog), *build_challenge_cogs(services)]


def build_career_cogs(catalog: Callable[[], Catalog]) -> list[commands.Cog]:
    """The career cogs over the current ``catalog()``, sharing one :class:`GuideCache`: the
    fuzzy indexes are built here, once, and rebuilt only when a content reload swaps it."""
    guides = GuideCache(catalog)
    guides.current()
    return [cog(guides) for cog in CAREER_COGS]


def build_challenge_cogs(services: Services) -> list[commands.Cog]:
    """The weekly-challenge cogs over the running bot's services (store, schedulers, clock)."""
    return [cog(services) for cog in CHALLENGE_COGS]


def declared_commands(
    cog: type[commands.Cog],
) -> list[app_commands.Group | app_commands.Command[Any, ..., Any]]:
    """The app commands ``cog``'s class declares: the ones an instance registers, unbound.

    discord.py copies them onto each instance (binding their callbacks to it); the copies have
    the same names, options and permissions, which is all a tree that only parses needs.
    """
    return list(cog.__cog_app_commands__)


def career_answers() -> Mapping[str, Answer]:
    """Command name -> pure answer function, for every career command."""
    return {name: answer for cog in CAREER_COGS for name, answer in cog.answers.items()}
