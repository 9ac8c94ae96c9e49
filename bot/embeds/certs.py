"""Certification cards: the list and one certification (``/cert``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from content.models import (
    Certification,
)

if TYPE_CHECKING:
    from bot.lookup import Guide
from bot.embeds.formatting import (
    CURRENCY_SYMBOLS,
    PERIOD_WORDS,
    _number,
)
from bot.embeds.layout import (
    Card,
    Citations,
    Colour,
    Section,
)


def cert_list(guide: Guide) -> Card:
    """``/cert`` without a name: each certification with its provider, cost and pass mark."""
    cite = Citations(guide)
    lines = []
    for cert in guide.catalog.certifications:
        cite.add(cert.sources)
        facts = [cert.provider]
        if cert.cost is not None:
            facts.append(cert.cost.as_stated)
        if cert.passing_score is not None:
            facts.append(f"pass at {cert.passing_score}")
        lines.append(f"• **{cert.name}** — {' · '.join(facts)}")
    return Card(
        title="Certifications the articles recommend",
        description="\n".join(lines) + "\n\nUse `/cert name:<certification>` for all the facts.",
        footer=cite.footer(),
        colour=Colour.CERT,
    )


def _cost_text(cert: Certification) -> str | None:
    cost = cert.cost
    if cost is None:
        return None
    symbol = CURRENCY_SYMBOLS.get(cost.currency, cost.currency + " ")
    approx = "about " if cost.approximate else ""
    period = f" {PERIOD_WORDS[cost.period]}" if cost.period else ""
    text = f"{approx}{symbol}{_number(cost.amount)}{period}"
    return text if cost.as_stated == text else f"{text}\n“{cost.as_stated}”"


def cert_card(guide: Guide, cert: Certification) -> Card:
    """Every stated fact of one certification; unknown facts say so instead of guessing."""
    cite = Citations(guide)
    cite.add(cert.sources)
    unknown = "Not stated"
    languages = ", ".join(cert.languages) if cert.languages else None
    if cert.languages_note:
        languages = f"{languages}\n{cert.languages_note}" if languages else cert.languages_note
    # The facts members compare certifications by are always shown ("Not stated" when the
    # articles do not say); the others only when stated.
    always: list[tuple[str, str | None]] = [
        ("Provider", cert.provider),
        ("Cost", _cost_text(cert)),
        ("Exam format", cert.exam_format),
        ("Passing score", str(cert.passing_score) if cert.passing_score is not None else None),
        ("Languages", languages),
        ("Validity", cert.validity),
        ("Prerequisites", cert.prerequisites),
    ]
    when_stated: list[tuple[str, str | None]] = [
        ("Platform", cert.platform),
        ("Courses", str(cert.courses) if cert.courses is not None else None),
        ("You earn", cert.earns),
    ]
    sections = [Section(name, (value or unknown,), inline=True) for name, value in always]
    sections += [Section(name, (value,), inline=True) for name, value in when_stated if value]
    steps = guide.steps_by_certification.get(cert.id, ())
    if steps:
        catalog = guide.catalog
        sections.append(
            Section(
                "Roadmap steps",
                tuple(
                    f"{catalog.roadmap_step_number(s)}. {catalog.roadmap_step(s).name}"
                    for s in steps
                ),
            )
        )
    description = cert.summary or ""
    if cert.aliases:
        description += f"\n*Also called:* {', '.join(cert.aliases)}"
    return Card(
        title=cert.name,
        description=description.strip(),
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.CERT,
    )
