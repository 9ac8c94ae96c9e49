"""Which salary figures answer a question, and what to show when none answers it exactly.

Pure: ``/salary`` resolves what the member typed (bot/lookup) and renders (bot/embeds); this
module only chooses. The articles never give every region at every level, so a question such
as "USA, entry level" has no exact figure, yet an article gives an entry-level figure without a
region and others give USA figures without a level. Those are shown as the *closest* figures,
each group labelled with what it is, never merged or averaged into an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from content.models import Fact, Level, Salary

__all__ = [
    "LEVEL_STATED_REGION_NOT",
    "REGION_STATED_LEVEL_NOT",
    "REGION_STATED_OTHER_LEVEL",
    "SalaryGroup",
    "SalarySelection",
    "relevant_notes",
    "select_salaries",
]

REGION_STATED_LEVEL_NOT: Final = "region stated, level not stated"
LEVEL_STATED_REGION_NOT: Final = "level stated, region not stated"
REGION_STATED_OTHER_LEVEL: Final = "region stated, another level"


@dataclass(frozen=True)
class SalaryGroup:
    """Figures of one kind: ``label`` is ``None`` for exact answers, else what they are."""

    label: str | None
    salaries: tuple[Salary, ...]


@dataclass(frozen=True)
class SalarySelection:
    """The exact figures (possibly none) and the labelled closest figures, in display order."""

    groups: tuple[SalaryGroup, ...]

    @property
    def exact(self) -> tuple[Salary, ...]:
        """The figures that answer the question exactly (possibly none)."""
        return next((g.salaries for g in self.groups if g.label is None), ())

    @property
    def closest(self) -> tuple[SalaryGroup, ...]:
        """The labelled groups of closest figures, offered when nothing is exact."""
        return tuple(g for g in self.groups if g.label is not None)

    @property
    def salaries(self) -> tuple[Salary, ...]:
        """Every figure of the selection, in display order."""
        return tuple(s for group in self.groups for s in group.salaries)


def select_salaries(
    salaries: Sequence[Salary],
    *,
    in_region: Callable[[Salary], bool] | None,
    level: Level | None,
    region_is_unstated: bool = False,
) -> SalarySelection:
    """The figures for a region (``in_region``) and/or ``level``.

    Exact figures come first. With both a region and a level, the region's figures whose level
    the article does not state, and the level's figures whose region it does not state, follow
    as labelled context; when neither exists and nothing is exact, the region's figures for
    other levels do. ``region_is_unstated`` marks the "region not stated" pseudo-region, whose
    figures already are the level-only ones.
    """
    if in_region is None:
        exact = tuple(s for s in salaries if level is None or s.level == level)
        return SalarySelection((SalaryGroup(None, exact),))
    regional = [s for s in salaries if in_region(s)]
    if level is None:
        return SalarySelection((SalaryGroup(None, tuple(regional)),))
    groups = [SalaryGroup(None, tuple(s for s in regional if s.level == level))]
    groups.append(
        SalaryGroup(REGION_STATED_LEVEL_NOT, tuple(s for s in regional if s.level is None))
    )
    if not region_is_unstated:
        groups.append(
            SalaryGroup(
                LEVEL_STATED_REGION_NOT,
                tuple(s for s in salaries if s.region is None and s.level == level),
            )
        )
    if not any(g.salaries for g in groups):
        groups.append(
            SalaryGroup(
                REGION_STATED_OTHER_LEVEL,
                tuple(s for s in regional if s.level is not None and s.level != level),
            )
        )
    return SalarySelection(tuple(g for g in groups if g.salaries or g.label is None))


def relevant_notes(notes: Iterable[Fact], shown: Iterable[Salary]) -> tuple[Fact, ...]:
    """The notes on pay from the articles whose figures are shown: what those articles say
    moves their figures. A note from an article with no figure on screen is left out."""
    sources = {source for salary in shown for source in salary.sources}
    return tuple(note for note in notes if sources & set(note.sources))
