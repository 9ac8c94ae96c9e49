"""The market outlook card (``/outlook``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from content.models import (
    Industry,
    Salary,
)

if TYPE_CHECKING:
    from bot.lookup import Guide
from bot.embeds.formatting import (
    LEVEL_LABELS,
    facts_text,
    money_range,
)
from bot.embeds.layout import (
    Card,
    Citations,
    Colour,
    Section,
)
from bot.embeds.salaries import region_label, salary_sort_key

#: ``/outlook topic:`` values and their headings, in display order.
OUTLOOK_TOPICS: Final = {
    "growth": "Job growth and demand",
    "demand": "Why the demand",
    "industries": "Industries hiring",
    "salaries": "Where salaries are highest",
    "future": "What comes next",
}


def industry_line(industry: Industry, cite: Citations) -> str:
    """``• **Finance**: credit scoring, fraud detection ¹; fraud detection and risk ⁴; ...``:
    each use or employer with its own article, never one merged citation."""
    parts = [f"{p.text}{cite.mark(p.sources)}" for p in industry.uses]
    parts += [f"employers: {p.text}{cite.mark(p.sources)}" for p in industry.employers]
    return f"• **{industry.name}**: " + "; ".join(parts)


def _pay_lines(salaries: Sequence[Salary], cite: Citations, *, top_only: bool) -> list[str]:
    """Each region's figures as stated (only its highest with ``top_only``), regions in the
    order the content lists them. Currencies are not converted, so regions are not ranked."""

    def top(salary: Salary) -> Decimal:
        return salary.max or salary.amount or salary.min or Decimal(0)

    shown: dict[str | None, list[Salary]] = {}
    for salary in salaries:
        shown.setdefault(salary.region, []).append(salary)
    if top_only:
        shown = {region: [max(figures, key=top)] for region, figures in shown.items()}
    return [
        f"• {region_label(s.region)}: {'up to ' if top_only else ''}**{money_range(s)}** "
        f"({s.level_as_stated or LEVEL_LABELS[s.level].lower()}){cite.mark(s.sources)}"
        for figures in shown.values()
        for s in sorted(figures, key=salary_sort_key)
    ]


def outlook_card(
    guide: Guide,
    topics: Sequence[str] | None = None,
    region: str | None = None,
    regional: Sequence[Salary] | None = None,
) -> Card:
    """Is this a good career, and where are the jobs: growth figures, why demand is high,
    industries hiring, where pay is highest, what comes next; each statement with its source.

    ``topics`` limits the card to some of :data:`OUTLOOK_TOPICS`; ``region`` (with its
    ``regional`` salary figures) narrows the pay section, and the card says that the articles
    give their growth and demand figures for no region.
    """
    catalog = guide.catalog
    cite = Citations(guide)
    chosen = list(OUTLOOK_TOPICS) if not topics else [t for t in OUTLOOK_TOPICS if t in topics]
    sections: list[Section] = []
    for topic in chosen:
        heading = OUTLOOK_TOPICS[topic]
        if topic in ("growth", "demand", "future"):
            facts = [fact for fact in catalog.outlook if fact.topic == topic]
            lines = list(facts_text(facts, cite))
        elif topic == "industries":
            lines = [industry_line(industry, cite) for industry in catalog.industries]
        else:
            figures = catalog.salaries if regional is None else regional
            if region is not None:
                heading = f"Pay in {region}"
            lines = _pay_lines(figures, cite, top_only=region is None)
            if region is None:
                lines.append(
                    "The highest figure the articles give for each region; currencies are not "
                    "converted, so regions are not ranked against each other."
                )
            lines += facts_text(catalog.salary_notes, cite)
            lines.append("`/salary region:<region> level:<level>` for every figure's wording.")
        if lines:
            sections.append(Section(heading, tuple(lines)))
    description = "Is this a good career, and where are the jobs? Each line cites its article."
    if region is not None:
        description += (
            f"\nThe articles give their growth and demand figures for no country: only pay is "
            f"narrowed to {region}."
        )
    return Card(
        title="ML engineer career outlook",
        description=description,
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.OUTLOOK,
    )
