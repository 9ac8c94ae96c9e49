"""One cog per topic. :func:`build_cogs` is the single list the client installs."""

from __future__ import annotations

from collections.abc import Mapping

from discord.ext import commands

from bot.cogs.admin import AdminCog
from bot.cogs.base import Answer, CareerCog
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
from scheduler.ports import Clock, SystemClock

CAREER_COGS: tuple[type[CareerCog], ...] = (
    RolesCog,
    ToolsCog,
    SalaryCog,
    OutlookCog,
    CertsCog,
    RoadmapCog,
    InfoCog,
)


def build_cogs(services: Services) -> list[commands.Cog]:
    """Construct every cog with the services it needs.

    The career cogs share one :class:`GuideCache`: the fuzzy indexes are built here, once,
    and rebuilt only when ``services.catalog`` is swapped by a content reload. The weekly
    challenge cogs follow (:func:`build_challenge_cogs`).
    """
    guides = GuideCache(lambda: services.catalog)
    guides.current()
    career: list[commands.Cog] = [cog(guides) for cog in CAREER_COGS]
    return [*career, *build_challenge_cogs(services)]


def build_challenge_cogs(services: Services, clock: Clock | None = None) -> list[commands.Cog]:
    """The weekly-challenge cogs: member commands, ``/privacy`` and ``/forget-me``, ``/remind``,
    ``/admin``.

    They read ``services.store`` and ``services.scheduler`` per call (both are opened in
    ``setup_hook``, possibly after the cogs are built) and take the time from ``clock``.
    """
    now = clock or SystemClock()
    return [
        ChallengesCog(services, now),
        PrivacyCog(services),
        RemindersCog(services, now),
        AdminCog(services, now),
    ]


def career_answers() -> Mapping[str, Answer]:
    """Command name -> pure answer function, for every career command."""
    return {name: answer for cog in CAREER_COGS for name, answer in cog.answers.items()}
