"""Articles read right: "an entry-level figure", never "a entry-level", in every reply."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.cogs import career_answers
from bot.cogs.privacy import privacy_reply
from bot.embeds import Reply, with_article
from bot.lookup import Guide
from bot.preview import preview_post
from bot.weekly import render_weekly_post
from tests.bot.conftest import reply_text

#: "a" before a vowel letter, unless the word starts with a consonant sound ("a user").
WRONG_ARTICLE = re.compile(r"\b[Aa] (?!u[ns]|one|eu)([aeiouAEIOU][\w-]*)")
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("entry-level", "an entry-level"),
        ("mid-level", "a mid-level"),
        ("senior-level", "a senior-level"),
        ("any-level", "an any-level"),
        ("ML engineer", "an ML engineer"),
        ("SRE", "an SRE"),
        ("UX designer", "a UX designer"),
        ("user", "a user"),
        ("hour", "an hour"),
        ("one-off", "a one-off"),
    ],
)
def test_with_article(phrase: str, expected: str) -> None:
    assert with_article(phrase) == expected


def every_reply(guide: Guide) -> list[Reply]:
    answers = career_answers()
    catalog = guide.catalog
    replies = [answer(guide) for answer in answers.values()]
    replies += [answers["role"](guide, name=role.id) for role in catalog.roles]
    replies += [answers["tools"](guide, name=tool.id) for tool in catalog.tools]
    replies += [answers["cert"](guide, name=cert.id) for cert in catalog.certifications]
    replies += [answers["roadmap"](guide, step=str(n)) for n in range(1, len(catalog.roadmap) + 1)]
    regions = sorted({s.region for s in catalog.salaries if s.region})
    replies += [
        answers["salary"](guide, region=region, level=level)
        for region in regions
        for level in ("entry", "mid", "senior", None)
    ]
    replies.append(privacy_reply())
    return replies


def test_a_missing_level_reads_an_entry_level_figure(guide: Guide) -> None:
    text = reply_text(career_answers()["salary"](guide, region="Germany", level="entry"))
    assert "No article gives an entry-level figure for Germany" in text


async def test_no_reply_puts_a_before_a_vowel_sound(guide: Guide) -> None:
    texts = [reply_text(reply) for reply in every_reply(guide)]
    for number in range(1, len(guide.catalog.challenges) + 1):
        embed, view = render_weekly_post(preview_post(guide.catalog, number, NOW))
        view.stop()
        texts.append(reply_text(Reply(pages=(embed,))))
    wrong = sorted({m.group(0) for text in texts for m in WRONG_ARTICLE.finditer(text)})
    assert wrong == []
