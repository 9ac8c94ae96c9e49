"""Pure rendering: content models -> ``discord.Embed`` pages. One module per topic.

``layout`` holds the :class:`Card` model and the one layout engine; ``formatting`` the shared
figure and fact formatting; the other modules build the cards of one command each. Everything
public is re-exported here, so callers import from ``bot.embeds``.
"""

from __future__ import annotations

from bot.embeds.certs import (
    cert_card,
    cert_list,
)
from bot.embeds.formatting import (
    CURRENCY_SYMBOLS,
    IN_SHORT,
    LAKH,
    LEVEL_LABELS,
    LEVEL_ORDER,
    NO_MARKERS_FOOTER,
    PERIOD_SHORT,
    PERIOD_WORDS,
    facts_text,
    join_names,
    money_exact,
    money_range,
)
from bot.embeds.info import (
    HelpEntry,
    help_card,
    sources_card,
)
from bot.embeds.layout import (
    BLANK,
    CONTINUED,
    Card,
    Citations,
    Colour,
    Reply,
    Section,
    bullets,
    render,
    render_one,
    split_text,
    superscript,
    with_article,
)
from bot.embeds.outlook import (
    OUTLOOK_TOPICS,
    industry_line,
    outlook_card,
)
from bot.embeds.roadmap import (
    RESOURCE_KIND_TITLES,
    roadmap_overview,
    roadmap_step_card,
)
from bot.embeds.roles import (
    ROLE_KIND_TITLES,
    comparison_lines,
    role_card,
    role_list,
)
from bot.embeds.salaries import (
    GOOD_TO_KNOW,
    salary_detail,
    salary_detail_lines,
    salary_overview,
)
from bot.embeds.tools import (
    tool_card,
    tool_categories_card,
    tool_category_card,
)

__all__ = [
    "BLANK",
    "CONTINUED",
    "CURRENCY_SYMBOLS",
    "GOOD_TO_KNOW",
    "IN_SHORT",
    "LAKH",
    "LEVEL_LABELS",
    "LEVEL_ORDER",
    "NO_MARKERS_FOOTER",
    "OUTLOOK_TOPICS",
    "PERIOD_SHORT",
    "PERIOD_WORDS",
    "RESOURCE_KIND_TITLES",
    "ROLE_KIND_TITLES",
    "Card",
    "Citations",
    "Colour",
    "HelpEntry",
    "Reply",
    "Section",
    "bullets",
    "cert_card",
    "cert_list",
    "comparison_lines",
    "facts_text",
    "help_card",
    "industry_line",
    "join_names",
    "money_exact",
    "money_range",
    "outlook_card",
    "render",
    "render_one",
    "roadmap_overview",
    "roadmap_step_card",
    "role_card",
    "role_list",
    "salary_detail",
    "salary_detail_lines",
    "salary_overview",
    "sources_card",
    "split_text",
    "superscript",
    "tool_card",
    "tool_categories_card",
    "tool_category_card",
    "with_article",
]
