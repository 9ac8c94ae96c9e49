"""Layout within Discord's limits (split, never truncated) and money formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.embeds import (
    CONTINUED,
    Card,
    Reply,
    Section,
    money_exact,
    money_range,
    render,
    render_one,
    split_text,
    superscript,
)
from content.limits import (
    DESCRIPTION_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    FOOTER_LIMIT,
    MESSAGE_TOTAL_LIMIT,
    TITLE_LIMIT,
)
from content.models import Salary
from tests.bot.conftest import assert_reply_valid


def _words(text: str) -> list[str]:
    return text.split()


@pytest.mark.slow  # property test, 300 examples
@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=5000),
    st.integers(min_value=1, max_value=1100),
)
def test_split_text_respects_the_limit_and_keeps_every_word(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert "".join(_words("\n".join(chunks))) == "".join(_words(text))


def test_split_text_prefers_line_breaks() -> None:
    lines = [f"• point number {n}" for n in range(200)]
    chunks = split_text("\n".join(lines), 1024)
    assert len(chunks) > 1
    assert all(chunk.split("\n")[0].startswith("• point") for chunk in chunks)
    assert sum(len(chunk.split("\n")) for chunk in chunks) == 200


def _page_ok(embed_dict: dict[str, object]) -> None:
    fields = embed_dict.get("fields") or []
    assert isinstance(fields, list)
    assert len(str(embed_dict.get("title", ""))) <= TITLE_LIMIT
    assert len(str(embed_dict.get("description", ""))) <= DESCRIPTION_LIMIT
    assert len(fields) <= FIELDS_LIMIT
    for f in fields:
        assert len(f["name"]) <= FIELD_NAME_LIMIT
        assert len(f["value"]) <= FIELD_VALUE_LIMIT


def test_huge_card_is_split_into_valid_pages_without_losing_text() -> None:
    description = "\n".join(f"Line {n}: " + "word " * 30 for n in range(150))  # ~24k chars
    sections = tuple(
        Section(f"Section {n}", tuple(f"• item {n}.{m} " + "x" * 40 for m in range(40)))
        for n in range(40)
    )
    unbreakable = Section("One long word", ("y" * 5000,))
    card = Card(
        title="T" * 400,
        description=description,
        sections=(*sections, unbreakable),
        footer="Sources: " + "z" * 3000,
    )
    pages = render(card)
    assert len(pages) > 10
    for page in pages:
        assert len(page) <= MESSAGE_TOTAL_LIMIT
        assert page.footer.text is not None
        assert len(page.footer.text) <= FOOTER_LIMIT
        assert page.footer.text.startswith(f"Page {pages.index(page) + 1}/{len(pages)}")
        _page_ok(page.to_dict())  # type: ignore[arg-type]
    text = "\n".join(
        (p.description or "") + "\n" + "\n".join(str(f.value) for f in p.fields) for p in pages
    )
    for n in range(150):
        assert f"Line {n}:" in text
    for n in range(40):
        assert f"• item {n}.39 " in text
    assert text.count("y") == 5000
    assert any(f.name == "One long word" + CONTINUED for p in pages for f in p.fields)
    assert_reply_valid(Reply(pages=tuple(pages)))


def test_small_card_is_one_page_without_page_numbers() -> None:
    pages = render(Card(title="Hi", description="Hello", footer="Sources: a"))
    assert len(pages) == 1
    assert pages[0].footer.text == "Sources: a"


def test_empty_sections_are_skipped() -> None:
    pages = render(Card(title="Hi", sections=(Section("Empty", ()),), footer="f"))
    assert pages[0].fields == []


def _salary(**values: object) -> Salary:
    base: dict[str, object] = {
        "id": "x",
        "name": "x",
        "currency": "USD",
        "period": "year",
        "framing": "f",
        "as_stated": "s",
        "sources": ["000_27d9e9dda03bb5f1.txt"],
    }
    amounts = [values[k] for k in ("min", "max", "amount") if k in values]
    base["as_stated"] = " – ".join(str(v) for v in amounts)  # the figures, as the article says
    return Salary.model_validate(base | values)


@pytest.mark.parametrize(
    ("values", "compact", "exact"),
    [
        ({"min": 110000, "max": 170000}, "$110K–170K/yr", "$110,000 – $170,000 per year"),
        (
            {"min": 1460000, "max": 2500000, "currency": "INR", "open_ended": True},
            "₹14.6–25+ LPA",
            "₹1,460,000 – ₹2,500,000+ per year",
        ),
        ({"min": 40, "max": 120, "period": "hour"}, "$40–120/h", "$40 – $120 per hour"),
        ({"amount": 49, "period": "month"}, "$49/mo", "$49 per month"),
        (
            {"min": 55000, "max": 100000, "currency": "EUR"},
            "€55K–100K/yr",
            "€55,000 – €100,000 per year",
        ),
        (
            {"min": 5000, "max": 6000, "currency": "CHF"},
            "CHF 5K–6K/yr",
            "CHF 5,000 – CHF 6,000 per year",
        ),
    ],
)
def test_money(values: dict[str, object], compact: str, exact: str) -> None:
    salary = _salary(**values)
    assert money_range(salary) == compact
    assert money_exact(salary) == exact


def test_money_keeps_decimals() -> None:
    salary = _salary(min=Decimal("14.5"), max=Decimal("20.25"), period="hour")
    assert money_range(salary) == "$14.5–20.25/h"


def test_superscript() -> None:
    assert superscript(1) == "¹"
    assert superscript(40) == "⁴⁰"


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=3000)


@pytest.mark.slow  # property test: any card
@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=400),
    description=_TEXT,
    sections=st.lists(
        st.tuples(
            st.text(min_size=1, max_size=300),
            st.lists(st.text(min_size=1, max_size=1500), max_size=8),
            st.booleans(),
        ),
        max_size=40,
    ),
    footer=st.text(max_size=2500),
)
def test_any_card_renders_to_pages_discord_accepts(
    title: str,
    description: str,
    sections: list[tuple[str, list[str], bool]],
    footer: str,
) -> None:
    card = Card(
        title=title,
        description=description,
        sections=tuple(Section(name, tuple(lines), inline) for name, lines, inline in sections),
        footer=footer or "f",
    )
    pages = render(card)
    for page in pages:
        assert len(page) <= MESSAGE_TOTAL_LIMIT
        _page_ok(page.to_dict())  # type: ignore[arg-type]
        assert page.description is None or page.description.strip()
        assert all(f.name and f.name.strip() and f.value and f.value.strip() for f in page.fields)
    assert_reply_valid(Reply(pages=tuple(pages)))


def test_blank_lines_and_names_never_make_blank_fields() -> None:
    pages = render(
        Card(title="t", description="  ", sections=(Section(" ", ("x",)), Section("s", (" ",))))
    )
    assert pages[0].description is None
    assert [(f.name, f.value) for f in pages[0].fields] == [("\u200b", "x")]


def test_render_one_is_render_when_the_card_fits_and_says_where_the_rest_is_when_not() -> None:
    small = Card(title="T", description="d", sections=(Section("S", ("line",)),), footer="f")
    assert render_one(small, ("More", "elsewhere")).to_dict() == render(small)[0].to_dict()
    big = Card(
        title="Big",
        sections=tuple(Section(f"S{n}", ("word " * 190,)) for n in range(40)),
        footer="f",
        url="https://example.org/post",
    )
    assert len(render(big)) > 1
    embed = render_one(big, ("More", "The rest is in `/challenge current`."))
    assert len(embed) <= MESSAGE_TOTAL_LIMIT
    assert len(embed.fields) <= FIELDS_LIMIT
    assert (embed.fields[-1].name, embed.fields[-1].value) == (
        "More",
        "The rest is in `/challenge current`.",
    )
    assert embed.url == "https://example.org/post"
    assert embed.footer.text == "f"  # one message: no "Page 1/3"
