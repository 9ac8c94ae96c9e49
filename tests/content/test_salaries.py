"""Choosing salary figures: exact ones, else the closest ones labelled with what they are."""

from __future__ import annotations

import pytest

from content.loader import load_catalog
from content.models import Catalog, Salary
from content.salaries import (
    LEVEL_STATED_REGION_NOT,
    REGION_STATED_LEVEL_NOT,
    REGION_STATED_OTHER_LEVEL,
    relevant_notes,
    select_salaries,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def region(name: str | None):  # type: ignore[no-untyped-def]
    return lambda s: s.region == name


def ids(salaries: tuple[Salary, ...]) -> list[str]:
    return [s.id for s in salaries]


def test_usa_entry_has_no_exact_figure_and_shows_the_closest(catalog: Catalog) -> None:
    selection = select_salaries(catalog.salaries, in_region=region("USA"), level="entry")
    assert selection.exact == ()
    assert [(g.label, ids(g.salaries)) for g in selection.closest] == [
        (REGION_STATED_LEVEL_NOT, ["usa-2025-average-range", "usa-global-approx"]),
        (LEVEL_STATED_REGION_NOT, ["glassdoor-indeed-2025-entry"]),
    ]


def test_india_entry_is_exact_with_related_figures(catalog: Catalog) -> None:
    selection = select_salaries(catalog.salaries, in_region=region("India"), level="entry")
    assert ids(selection.exact) == ["india-entry-0-4-years"]
    assert [g.label for g in selection.closest] == [
        REGION_STATED_LEVEL_NOT,
        LEVEL_STATED_REGION_NOT,
    ]


def test_unstated_region_does_not_repeat_itself_as_closest(catalog: Catalog) -> None:
    selection = select_salaries(
        catalog.salaries, in_region=region(None), level="mid", region_is_unstated=True
    )
    assert ids(selection.exact) == ["glassdoor-indeed-2025-mid"]
    assert selection.closest == ()


def test_other_levels_of_the_region_when_nothing_else_exists(catalog: Catalog) -> None:
    india_levels = [
        s for s in catalog.salaries if s.region == "India" and s.level in {"mid", "senior"}
    ]
    selection = select_salaries(india_levels, in_region=region("India"), level="entry")
    assert selection.exact == ()
    assert [g.label for g in selection.closest] == [REGION_STATED_OTHER_LEVEL]
    assert ids(selection.salaries) == ["india-mid-4-7-years", "india-senior-7-plus-years"]


def test_no_region_and_no_level_is_everything(catalog: Catalog) -> None:
    selection = select_salaries(catalog.salaries, in_region=None, level=None)
    assert selection.exact == catalog.salaries


def test_notes_are_those_of_the_articles_whose_figures_are_shown(catalog: Catalog) -> None:
    uk = [catalog.salary("uk-2025-average-range")]
    assert [n.id for n in relevant_notes(catalog.salary_notes, uk)] == ["higher-pay-skills"]
    assert relevant_notes(catalog.salary_notes, []) == ()
