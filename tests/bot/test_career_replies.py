"""Career answers are laid out once per guide and options; a content reload starts afresh."""

from __future__ import annotations

from bot.cogs.roles import RolesCog
from bot.cogs.tools import ToolsCog
from bot.lookup import GuideCache
from content.models import Catalog


def test_a_career_answer_is_kept_per_guide_and_options(catalog: Catalog) -> None:
    current = {"catalog": catalog}
    cog = RolesCog(GuideCache(lambda: current["catalog"]))
    first = cog.answer("role", name="ml engineer")
    assert cog.answer("role", name="ml engineer") is first
    assert first == RolesCog.answers["role"](cog.guide(), name="ml engineer")
    assert cog.answer("role", name="data scientist") != first
    current["catalog"] = catalog.model_copy(update={"roles": catalog.roles[::-1]})
    again = cog.answer("role", name="ml engineer")
    assert again is not first  # a new guide: answered again from the new catalog


def test_options_in_any_order_are_one_answer(catalog: Catalog) -> None:
    cog = ToolsCog(GuideCache(lambda: catalog))
    assert cog.answer("tools", category="mlops", name=None) is cog.answer(
        "tools", name=None, category="mlops"
    )
