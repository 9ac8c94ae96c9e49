"""``/salary [region] [level]``: every figure with its source and period, or the overview."""

from __future__ import annotations

from typing import ClassVar, Final, cast

import discord
from discord import app_commands

from bot.cogs.base import Answer, CareerCog, choices, cooldown, noted
from bot.embeds import (
    LEVEL_LABELS,
    Reply,
    render,
    salary_detail,
    salary_overview,
    with_article,
)
from bot.lookup import UNSTATED_REGION, Entry, Guide, Match, normalise
from content.models import Level, Salary
from content.salaries import select_salaries

LEVELS: Final = ("entry", "mid", "senior")
LEVEL_CHOICES: Final = [
    app_commands.Choice(name="Entry level", value="entry"),
    app_commands.Choice(name="Mid level", value="mid"),
    app_commands.Choice(name="Senior level", value="senior"),
]


def _in_region(salary: Salary, region: Entry) -> bool:
    if region.value == UNSTATED_REGION:
        return salary.region is None
    return salary.region is not None and normalise(salary.region) == normalise(region.value)


def answer_salary(guide: Guide, *, region: str | None = None, level: str | None = None) -> Reply:
    """Figures for a region and/or level, each with wording, period and source; with no
    option, the overview across regions."""
    salaries = guide.catalog.salaries
    matches: list[Match] = []
    if level is not None and level not in LEVELS:
        matches.append(guide.salary_levels.lookup(level))  # "junior" -> entry; else not found
        level = matches[-1].entry.value
    region_given = region is not None and bool(region.strip())
    if not region_given and level is None:
        return Reply(tuple(render(salary_overview(guide))))
    level_label = LEVEL_LABELS[level].lower() if level else ""
    if not region_given:
        found = [s for s in salaries if s.level == level]
        unsplit = sorted({s.region or "not stated" for s in salaries if s.level is None})
        intro = (
            f"Every {level_label}-level figure the articles give. Regions with figures for any "
            f"level only: {', '.join(unsplit)} (see `/salary region:<region>`)."
            if unsplit
            else ""
        )
        title = f"{LEVEL_LABELS[level]}-level ML engineer salaries"
        selection = select_salaries(found, in_region=None, level=None)
        reply = Reply(tuple(render(salary_detail(guide, title, selection, intro=intro))))
        return noted(reply, *matches)
    assert region is not None
    matches.insert(0, guide.regions.lookup(region))
    entry = matches[0].entry
    selection = select_salaries(
        salaries,
        in_region=lambda s: _in_region(s, entry),
        level=cast("Level | None", level),
        region_is_unstated=entry.value == UNSTATED_REGION,
    )
    title = f"ML engineer salaries: {entry.label}"
    if level is not None:
        title = f"{LEVEL_LABELS[level]}-level {title}"
    if not selection.salaries:
        intro = f"No article gives a salary figure for {entry.label}. `/salary` shows them all."
    elif not selection.exact:
        intro = (
            f"No article gives {with_article(level_label)}-level figure for {entry.label}. "
            "The closest figures that exist follow, each headed by what it is."
        )
    else:
        intro = "Each figure exactly as one article states it (never averaged)."
        if selection.closest:
            intro += " Related figures follow, each headed by what it is."
    reply = Reply(tuple(render(salary_detail(guide, title, selection, intro=intro))))
    return noted(reply, *matches)


class SalaryCog(CareerCog, name="Salary"):
    """``/salary``."""

    answers: ClassVar[dict[str, Answer]] = {"salary": answer_salary}

    @app_commands.command(
        name="salary", description="ML engineer salary ranges by region and level"
    )
    @app_commands.describe(
        region="A country or region, e.g. India, USA, remote/freelance",
        level="Experience level",
    )
    @app_commands.choices(level=LEVEL_CHOICES)
    @cooldown()
    async def salary(
        self,
        interaction: discord.Interaction,
        region: str | None = None,
        level: app_commands.Choice[str] | None = None,
    ) -> None:
        await self.respond(
            interaction, "salary", region=region, level=level.value if level else None
        )

    @salary.autocomplete("region")
    async def salary_region(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(self.guide().regions, current)
