"""The shared text rules: clip, plural, note cleaning and spreadsheet-safe CSV cells."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content.text import FORMULA_STARTS, clean_note, clip, csv_cell, one_line, plural


def test_clip_keeps_short_text_and_marks_a_cut() -> None:
    assert clip("short", 10) == "short"
    assert clip("exactly10!", 10) == "exactly10!"
    assert clip("a long sentence here", 8) == "a long…"  # the space before the cut goes too
    assert len(clip("x" * 500, 100)) == 100


def test_plural() -> None:
    assert plural(1, "week") == "1 week"
    assert plural(0, "week") == "0 weeks"
    assert plural(2, "audit entry", "audit entries") == "2 audit entries"
    assert plural(1, "audit entry", "audit entries") == "1 audit entry"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("  did it\n\toffline  ", "did it offline"),
        ("a\x00b\x07c\x1b[31md", "abc[31md"),  # NUL, BEL and ESC are dropped
        ("line\r\nbreak\x85next", "line break next"),
        ("   \n\t ", None),
        ("\x00", None),
        (None, None),
    ],
)
def test_clean_note(raw: str | None, stored: str | None) -> None:
    assert clean_note(raw) == stored


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1 @all", "'+1 @all"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        (" =cmd", "' =cmd"),  # leading whitespace does not hide a formula
        ("\t=cmd", "' =cmd"),
        ("\r\n+cmd", "'  +cmd"),
        ("\x00=cmd", "'=cmd"),  # nor does a control character
        ("\x00\x1b @x", "' @x"),
        ("Ada\x00 Lovelace", "Ada Lovelace"),
        ("Lin, the 2nd", "Lin, the 2nd"),
        ("2026-W48", "2026-W48"),
        ("", ""),
    ],
)
def test_csv_cell(raw: str, cell: str) -> None:
    assert csv_cell(raw) == cell


def test_csv_cell_leaves_numbers() -> None:
    assert csv_cell(-3) == -3
    assert csv_cell(None) is None


@given(st.text())
def test_csv_cells_hold_no_control_characters_and_start_no_formula(text: str) -> None:
    cell = csv_cell(text)
    assert isinstance(cell, str)
    assert not any(unicodedata.category(ch) == "Cc" for ch in cell)
    assert cell.startswith("'") or not cell.lstrip().startswith(FORMULA_STARTS)
    out = io.StringIO()
    csv.writer(out).writerow([cell])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [cell]


@given(st.text())
def test_clean_note_is_one_clean_line(text: str) -> None:
    note = clean_note(text)
    if note is not None:
        assert note == one_line(note)
        assert not any(unicodedata.category(ch) == "Cc" for ch in note)
