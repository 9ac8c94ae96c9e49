"""Figures inside quoted text: what ``$110K – $170K/year`` or ``₹7 LPA – ₹12 LPA`` amounts to.

Content keeps each figure twice: as numbers (``min: 110000``) and in the article's own words
(``as_stated``). These helpers read the numbers back out of the words so ``content check`` can
refuse a pair that disagree, and keep figures out of text that is ours.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

__all__ = ["FIGURE_MARKS", "figure_in", "numbers_in", "stated_amounts"]

_NUMBER: Final = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(K|k|M|LPA|lakh)?(?![\w])"
)
#: Multipliers for the units the articles write after a figure.
_UNITS: Final = {
    "K": Decimal(1_000),
    "k": Decimal(1_000),
    "M": Decimal(1_000_000),
    "LPA": Decimal(100_000),
    "lakh": Decimal(100_000),
}
#: Signs that a text states a figure (an amount of money or a percentage).
FIGURE_MARKS: Final = re.compile(r"[$£€₹¥%]|\d\s*LPA\b|\b\d+\s*(?:USD|EUR|GBP|INR)\b")


def numbers_in(text: str) -> list[Decimal]:
    """Every number written in ``text``, as written (``"23% to 31%"`` -> ``[23, 31]``)."""
    return [
        Decimal(whole.replace(",", "") + (fraction or ""))
        for whole, fraction, _unit in _NUMBER.findall(text)
    ]


def stated_amounts(text: str) -> list[Decimal]:
    """The amounts a money text states, units applied.

    ``"$110K – $170K/year"`` -> ``[110000, 170000]``; ``"₹10 – ₹35 LPA"`` -> ``[1000000,
    3500000]`` (a unit written once after a range applies to both ends);
    ``"$90,000-$120,000"`` -> ``[90000, 120000]``.
    """
    found = _NUMBER.findall(text)
    units = [unit for _whole, _fraction, unit in found]
    # "₹10 – ₹35 LPA": the first end borrows the unit of the next number.
    for index in range(len(units) - 2, -1, -1):
        if not units[index]:
            units[index] = units[index + 1]
    amounts = []
    for (whole, fraction, _unit), unit in zip(found, units, strict=True):
        value = Decimal(whole.replace(",", "") + (fraction or ""))
        amounts.append((value * _UNITS[unit]).normalize() if unit else value)
    return [Decimal(format(a, "f")) for a in amounts]


def figure_in(text: str) -> str | None:
    """The first sign of a figure in ``text`` (``"$"``, ``"%"``...), or ``None``."""
    match = FIGURE_MARKS.search(text)
    return match.group(0) if match else None
