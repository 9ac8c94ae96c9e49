"""Text rules shared by every layer: shortening, plurals, and cleaning members' free text.

Here (in :mod:`content`, the bottom layer) so that the scheduler's digest and the bot's
replies, notes and CSV export use the same rule; pure functions, no discord import.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "ELLIPSIS",
    "FORMULA_STARTS",
    "clean_note",
    "clean_text",
    "clip",
    "csv_cell",
    "one_line",
    "plural",
]

#: What a shortened text ends with: visibly shortened, never silently.
ELLIPSIS: Final = "…"
#: A spreadsheet runs a cell starting with these as a formula (CSV injection), even after
#: leading spaces or control characters: such cells are quoted with a leading ``'``.
FORMULA_STARTS: Final = ("=", "+", "-", "@")

# Control characters (Unicode category Cc: NUL, BEL, ESC, DEL, C1...) other than the
# whitespace ones, which are removed; the whitespace ones (tab, line breaks...) become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_CONTROL_SPACE = re.compile(r"[\t\n\x0b\x0c\r\x1c-\x1f\x85]")


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with "…" when it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 week``, ``2 weeks``; ``many`` for irregular words (``audit entries``)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def one_line(text: str) -> str:
    """Every run of whitespace (line breaks and tabs included) as one space, ends trimmed."""
    return " ".join(text.split())


def clean_text(text: str) -> str:
    """Free text without control characters (NUL, escape sequences...) on one line."""
    return one_line(_CONTROL.sub("", text))


def clean_note(note: str | None) -> str | None:
    """A member's or moderator's note as stored, on every path; ``None`` if nothing is left.

    ``/challenge done``, ``/admin mark`` and ``/admin unmark`` all store notes through this.
    """
    if note is None:
        return None
    return clean_text(note) or None


def csv_cell(value: object) -> object:
    """A value made safe for a spreadsheet: text is cleaned and formulas are neutralised.

    Numbers pass unchanged. Text loses its control characters (whitespace ones become
    spaces) and, if it would start a formula once leading spaces are skipped, gets a
    leading ``'``.
    """
    if not isinstance(value, str):
        return value
    text = _CONTROL_SPACE.sub(" ", _CONTROL.sub("", value))
    if text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text
