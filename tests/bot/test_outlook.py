"""``/outlook`` and the reworked ``/salary`` replies."""

from __future__ import annotations

import pytest

from bot.cogs import career_answers
from bot.cogs.outlook import topic_index
from bot.embeds import GOOD_TO_KNOW, OUTLOOK_TOPICS
from bot.errors import NotFoundError
from bot.lookup import Guide
from content.models import Catalog
from tests.bot.conftest import assert_reply_valid, reply_text

ANSWERS = career_answers()


def test_outlook_answers_growth_demand_industries_and_pay_with_sources(
    guide: Guide, catalog: Catalog
) -> None:
    reply = ANSWERS["outlook"](guide)
    assert_reply_valid(reply)
    text = reply_text(reply)
    assert "Job growth has risen from 23% to 31% over the past decade. ⁴" in text
    assert "up to 75%" in text
    for heading in OUTLOOK_TOPICS.values():
        assert heading in text
    for industry in catalog.industries:
        assert f"**{industry.name}**" in text
    # Industries cite per article: Finance's uses carry four different markers.
    finance = next(line for line in text.split("\n") if line.startswith("• **Finance**"))
    assert all(marker in finance for marker in ("¹", "²", "³", "⁴"))
    assert "USA: up to **$110K–170K/yr**" in text


@pytest.mark.parametrize(
    ("typed", "topic"),
    [("growth", "growth"), ("pay", "salaries"), ("sectors", "industries"), ("trends", "future")],
)
def test_outlook_topic(guide: Guide, typed: str, topic: str) -> None:
    reply = ANSWERS["outlook"](guide, topic=typed)
    names = [(f.name or "").removesuffix(" (cont.)") for page in reply.pages for f in page.fields]
    assert set(names) == {OUTLOOK_TOPICS[topic]}


def test_outlook_region_narrows_pay_only(guide: Guide) -> None:
    text = reply_text(ANSWERS["outlook"](guide, region="india"))
    assert "Pay in India" in text
    assert "₹7–12 LPA" in text
    assert "$110K" not in text
    assert "growth and demand figures for no country" in text
    assert "23% to 31%" in text


def test_outlook_unknown_topic_is_not_found(guide: Guide) -> None:
    with pytest.raises(NotFoundError) as caught:
        ANSWERS["outlook"](guide, topic="weather")
    assert "No outlook topic matches" in caught.value.message


def test_topic_autocomplete() -> None:
    assert [value for _label, value in topic_index().choices("ind")][:1] == ["industries"]
    assert len(topic_index().choices("")) == len(OUTLOOK_TOPICS)


def test_salary_usa_entry_points_to_the_closest_figures(guide: Guide) -> None:
    reply = ANSWERS["salary"](guide, region="USA", level="entry")
    text = reply_text(reply)
    assert "No article gives an entry-level figure for USA" in text
    assert "Closest (level stated, region not stated)" in text
    assert "$90,000-$120,000" in text
    assert "Closest (region stated, level not stated): USA" in text


def test_good_to_know_once_and_only_the_relevant_notes(guide: Guide) -> None:
    uk = ANSWERS["salary"](guide, region="UK")
    names = [f.name for page in uk.pages for f in page.fields]
    assert names.count(GOOD_TO_KNOW) == 1
    text = reply_text(uk)
    assert "Skills in MLOps, cloud ML, and deep learning" in text  # 000 gives the UK figure
    assert "metro cities" not in text  # 003's note: 003 gives no UK figure
    overview = ANSWERS["salary"](guide)
    assert [f.name for p in overview.pages for f in p.fields].count(GOOD_TO_KNOW) == 1
