"""Shared formatting of figures and facts: money, names, fact lines with their markers."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from content.models import (
    Fact,
    Salary,
)

if TYPE_CHECKING:
    pass
from bot.embeds.layout import (
    Citations,
)

CURRENCY_SYMBOLS: Final = {"USD": "$", "GBP": "£", "EUR": "€", "INR": "₹", "JPY": "¥"}
PERIOD_WORDS: Final = {"year": "per year", "month": "per month", "hour": "per hour"}
PERIOD_SHORT: Final = {"year": "/yr", "month": "/mo", "hour": "/h"}
LEVEL_LABELS: Final = {"entry": "Entry", "mid": "Mid", "senior": "Senior", None: "Any level"}
LEVEL_ORDER: Final = {"entry": 0, "mid": 1, "senior": 2, None: 3}
LAKH: Final = Decimal(100_000)


def _number(value: Decimal) -> str:
    """``Decimal("14.50")`` -> ``"14.5"``; ``Decimal("110")`` -> ``"110"``."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_range(salary: Salary) -> str:
    """Compact figure for tables: ``$110K–170K/yr``, ``₹7–12 LPA``, ``$40–120/h``, ``+`` kept."""
    symbol = CURRENCY_SYMBOLS.get(salary.currency, salary.currency + " ")
    values = [v for v in (salary.min, salary.max, salary.amount) if v is not None]
    plus = "+" if salary.open_ended else ""
    if salary.currency == "INR" and salary.period == "year" and all(v >= LAKH for v in values):
        text = "–".join(_number(v / LAKH) for v in values)
        return f"{symbol}{text}{plus} LPA"
    if all(v >= 1000 for v in values):
        text = "–".join(_number(v / 1000) + "K" for v in values)
    else:
        text = "–".join(_number(v) for v in values)
    return f"{symbol}{text}{plus}{PERIOD_SHORT[salary.period]}"


def money_exact(salary: Salary) -> str:
    """Full figure: ``$90,000 – $120,000+ per year``."""
    symbol = CURRENCY_SYMBOLS.get(salary.currency, salary.currency + " ")
    values = [v for v in (salary.min, salary.max, salary.amount) if v is not None]
    text = " – ".join(
        f"{symbol}{v:,.0f}" if v == v.to_integral() else f"{symbol}{v:,}" for v in values
    )
    plus = "+" if salary.open_ended else ""
    return f"{text}{plus} {PERIOD_WORDS[salary.period]}"


def join_names(names: Iterable[str], empty: str = "—") -> str:
    """Names joined with commas, or ``empty`` when there are none."""
    text = ", ".join(names)
    return text or empty


def facts_text(facts: Iterable[Fact], cite: Citations) -> tuple[str, ...]:
    """``• **Name**: text ¹`` per fact (the headline figure is part of the text); the name is
    left out when the text already starts with it."""
    return tuple(f"• {_fact_line(fact)}{cite.mark(fact.sources)}" for fact in facts)


def _fact_line(fact: Fact) -> str:
    if fact.text.casefold().startswith(fact.name.casefold()):
        return fact.text
    return f"**{fact.name}**: {fact.text}"


#: Footer of a card that states nothing from an article (only our words and names).
NO_MARKERS_FOOTER: Final = "Lines without a small number are our words. Sources: /about-sources"
#: Label of text that is ours, not an article's: shown without a source marker.
IN_SHORT: Final = "In short (our words):"
