"""Salary cards: the overview and the figures for a region and/or level (``/salary``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from bot.lookup import UNSTATED_LABEL
from content.models import (
    Salary,
)
from content.salaries import SalarySelection, relevant_notes

if TYPE_CHECKING:
    from bot.lookup import Guide
from bot.embeds.formatting import (
    LEVEL_LABELS,
    LEVEL_ORDER,
    facts_text,
    money_exact,
    money_range,
)
from bot.embeds.layout import (
    Card,
    Citations,
    Colour,
    Section,
)


def region_label(region: str | None) -> str:
    """The region as the article names it, or "Region not stated by the source"."""
    return region if region is not None else UNSTATED_LABEL


def salary_sort_key(salary: Salary) -> int:
    """Entry, mid, senior, then figures for any level."""
    return LEVEL_ORDER[salary.level]


def salary_overview(guide: Guide, salaries: Sequence[Salary] | None = None) -> Card:
    """Every figure, grouped by region (one short line per figure, phone-friendly), and once,
    at the end, what the articles behind those figures say moves pay."""
    catalog = guide.catalog
    salaries = catalog.salaries if salaries is None else salaries
    cite = Citations(guide)
    regions: dict[str | None, list[Salary]] = {}
    for salary in salaries:
        regions.setdefault(salary.region, []).append(salary)
    sections = []
    for region, figures in regions.items():
        lines = tuple(
            f"{LEVEL_LABELS[s.level]} · **{money_range(s)}**{cite.mark(s.sources)}"
            for s in sorted(figures, key=salary_sort_key)
        )
        sections.append(Section(region_label(region), lines, inline=True))
    notes = facts_text(relevant_notes(catalog.salary_notes, salaries), cite)
    if notes:
        sections.append(Section(GOOD_TO_KNOW, notes))
    return Card(
        title="ML engineer salaries by region",
        description=(
            "Each figure exactly as one article states it (never averaged). "
            "`/salary region:<region> level:<level>` shows the wording, period and source."
        ),
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.SALARY,
    )


#: Heading of the notes on what moves pay; shown once per reply, after the figures.
GOOD_TO_KNOW: Final = "Good to know"


def salary_detail_lines(salary: Salary, guide: Guide, cite: Citations) -> tuple[str, ...]:
    """The lines of one figure: amount and period, the article's words with its marker, our
    note (labelled), its source by title."""
    titles = ", ".join(f"*{guide.catalog.source(s).title}*" for s in salary.sources)
    lines = [
        f"**{money_exact(salary)}**",
        f"As stated: “{salary.as_stated}” ({salary.framing}){cite.mark(salary.sources)}",
    ]
    if salary.note:
        lines.append(f"*Our note: {salary.note}*")
    lines.append(f"Source: {titles}")
    return tuple(lines)


def salary_detail(
    guide: Guide,
    title: str,
    selection: SalarySelection,
    intro: str = "",
) -> Card:
    """Figures with their wording, period and source: the exact ones first, then the closest
    ones, each headed by what it is ("Closest: level stated, region not stated"). "Good to
    know" follows once, with only the notes of the articles whose figures are shown."""
    cite = Citations(guide)
    sections = []
    for group in selection.groups:
        figures = sorted(group.salaries, key=salary_sort_key)
        for salary in figures:
            level = salary.level_as_stated or LEVEL_LABELS[salary.level]
            name = f"{region_label(salary.region)} · {level} · {money_range(salary)}"
            if group.label is not None:
                kind = "Related" if selection.exact else "Closest"
                name = f"{kind} ({group.label}): {name}"
            sections.append(Section(name, salary_detail_lines(salary, guide, cite)))
    notes = facts_text(relevant_notes(guide.catalog.salary_notes, selection.salaries), cite)
    if notes:
        sections.append(Section(GOOD_TO_KNOW, notes))
    return Card(
        title=title,
        description=intro,
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.SALARY,
    )
