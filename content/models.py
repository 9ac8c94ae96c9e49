"""Typed schema of the career-guide content (pydantic v2, all models frozen).

Every fact carries ``sources``: the seed file names of the articles it comes from
(``sources.yaml`` lists them). Fields that point at another item are annotated with
:class:`Ref`; :func:`integrity_problems` walks those annotations, so a new reference field
is checked as soon as it is declared with one of the ``*Ref`` aliases below.

Missing facts are ``None`` (or an empty tuple), never guessed.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from difflib import get_close_matches
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from content.currencies import ISO_4217, is_currency_code
from content.numbers import figure_in, numbers_in, stated_amounts

__all__ = [
    "CHALLENGE_HOURS",
    "KINDS",
    "POINTS_PER_HOUR",
    "Catalog",
    "Certification",
    "Challenge",
    "Comparison",
    "ComparisonRow",
    "Cost",
    "Editorial",
    "Fact",
    "Industry",
    "Item",
    "Ours",
    "OutlookTopic",
    "Point",
    "Ref",
    "Resource",
    "RoadmapStep",
    "Role",
    "Salary",
    "Source",
    "SourceStep",
    "Tool",
    "ToolCategory",
    "integrity_problems",
]


@dataclass(frozen=True)
class Ref:
    """Marks a string field as a reference to an item of ``kind`` (a :class:`Catalog` field)."""

    kind: str


@dataclass(frozen=True)
class Editorial:
    """Marks a text field as our own words (a summary, a task), not an article's statement.

    Replies show such text without a source marker and labelled as ours ("In short: ..."),
    and :func:`editorial_problems` keeps figures out of it: a number a member reads must come
    with the article that states it.
    """


def _iso_currency(code: str) -> str:
    if not is_currency_code(code):
        # Swapped letters ("GPB") are the usual typo; difflib alone would suggest "PAB".
        swapped = [c for c in sorted(ISO_4217) if sorted(c) == sorted(code)]
        close = swapped or get_close_matches(code, sorted(ISO_4217), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{code!r} is not an ISO 4217 currency code{hint}")
    return code


def _no_figure(text: str) -> str:
    mark = figure_in(text)
    if mark is not None:
        raise ValueError(
            f"our own words may not state a figure (found {mark!r}): put it in a sourced "
            "statement (a point or fact with sources) so members see which article says it"
        )
    return text


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable link (absolute http(s) with a host), or ``None``."""
    try:
        parts = urlsplit(url)
    except ValueError as error:
        return f"not a URL ({error})"
    if parts.scheme not in {"http", "https"}:
        return f"{url!r} must start with https:// or http://"
    if not parts.hostname or "." not in parts.hostname or any(c.isspace() for c in url):
        return f"{url!r} has no valid host"
    return None


def _numbers_text(values: Iterable[Decimal]) -> str:
    return "[" + ", ".join(format(v.normalize(), "f") for v in values) + "]"


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_iso_currency)
]
SourceFile = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
#: Our own words: shown without a source marker, labelled as ours, never holding a figure.
Ours = Annotated[str, StringConstraints(min_length=1), Editorial(), AfterValidator(_no_figure)]

SourceRef = Annotated[str, Ref("sources")]
RoleRef = Annotated[str, Ref("roles")]
ToolRef = Annotated[str, Ref("tools")]
ToolCategoryRef = Annotated[str, Ref("tool_categories")]
ResourceRef = Annotated[str, Ref("resources")]
CertificationRef = Annotated[str, Ref("certifications")]
RoadmapStepRef = Annotated[str, Ref("roadmap")]

Sources = Annotated[tuple[SourceRef, ...], Field(min_length=1)]
Level = Literal["entry", "mid", "senior"]
Period = Literal["year", "month", "hour"]
#: What an outlook fact is about: ``/outlook topic:`` picks them by this.
OutlookTopic = Literal["growth", "demand", "future"]
#: Challenge points per estimated hour of work: points are proportional to effort.
POINTS_PER_HOUR = 5
#: A week's challenge fits in this many hours (inclusive) for a study-group member.
CHALLENGE_HOURS = (4, 6)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Point(_Model):
    """One sourced statement: a bullet of a list (a responsibility, a skill, a task of a day)."""

    text: NonEmptyStr
    sources: Sources


class Item(_Model):
    """Anything a slash command can look up: stable slug id, display name, aliases."""

    id: Slug
    name: NonEmptyStr
    aliases: tuple[NonEmptyStr, ...] = ()
    sources: Sources


class Source(_Model):
    """One seed article. Facts refer to it by its file name (``file``), which is its id."""

    file: SourceFile
    title: NonEmptyStr
    url: str | None = None
    note: Ours | None = None

    @model_validator(mode="after")
    def _url(self) -> Source:
        if self.url is not None:
            problem = url_problem(self.url)
            if problem:
                raise ValueError(f"url: {problem}")
        return self

    @property
    def id(self) -> str:
        """The source's key: its article file name."""
        return self.file

    @property
    def name(self) -> str:
        """The article's title."""
        return self.title


class Role(Item):
    """A role or job title.

    ``kind``: ``core`` (the Machine Learning Engineer), ``related`` (a neighbouring role the
    articles describe or compare), ``job-title`` (another title for ML engineering work),
    ``career-step`` (where an ML engineer can grow to).
    """

    kind: Literal["core", "related", "job-title", "career-step"]
    summary: Point | None = None
    details: tuple[Point, ...] = ()
    responsibilities: tuple[Point, ...] = ()
    technical_skills: tuple[Point, ...] = ()
    soft_skills: tuple[Point, ...] = ()
    education: tuple[Point, ...] = ()
    day_in_the_life: tuple[Point, ...] = ()
    challenges: tuple[Point, ...] = ()
    job_titles: tuple[RoleRef, ...] = ()
    career_path: tuple[RoleRef, ...] = ()
    related_roles: tuple[RoleRef, ...] = ()


class ComparisonRow(_Model):
    """One aspect of a comparison: the left role's side and the right role's."""

    aspect: NonEmptyStr
    left: NonEmptyStr
    right: NonEmptyStr
    sources: Sources


class Comparison(Item):
    """A side-by-side table of two roles, one row per aspect (rows keep their own source)."""

    left: RoleRef
    right: RoleRef
    rows: Annotated[tuple[ComparisonRow, ...], Field(min_length=1)]
    notes: tuple[Point, ...] = ()


class Industry(Item):
    """An industry that hires ML engineers: what it uses them for, and who hires."""

    uses: tuple[Point, ...] = ()
    employers: tuple[Point, ...] = ()


class Fact(Item):
    """A standalone statement with an optional headline figure (demand, outlook, pay factors).

    ``figure`` is the headline number as the text states it; every number in it must occur in
    ``text``. ``topic`` groups outlook facts for ``/outlook``.
    """

    text: NonEmptyStr
    figure: str | None = None
    topic: OutlookTopic | None = None

    @model_validator(mode="after")
    def _figure(self) -> Fact:
        if self.figure is not None:
            missing = [n for n in numbers_in(self.figure) if n not in numbers_in(self.text)]
            if missing:
                shown = ", ".join(format(n, "f") for n in missing)
                raise ValueError(f"figure {self.figure!r}: {shown} not found in the text")
        return self


class ToolCategory(Item):
    """A group of tools (``/tools category``)."""

    description: Ours | None = None


class Tool(Item):
    """A tool or language.

    ``purpose`` is our own one-liner (shown as "In short", without a source marker);
    ``used_for`` is what an article says the tool is for, when one does; ``notes`` keep other
    things the articles say about it.
    """

    category: ToolCategoryRef
    purpose: Ours
    used_for: Point | None = None
    notes: tuple[Point, ...] = ()


class Salary(Item):
    """One salary figure exactly as one source states it: never averaged, never merged.

    Amounts are in whole currency units per ``period`` (₹10 LPA is ``1000000`` INR a year).
    Either ``amount`` or ``min``/``max`` is set. ``open_ended`` marks a "+" after the top
    figure. ``region`` and ``level`` are ``None`` when the source names none.
    """

    region: str | None = None
    level: Level | None = None
    level_as_stated: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    amount: Decimal | None = None
    open_ended: bool = False
    currency: CurrencyCode
    period: Period
    framing: NonEmptyStr
    as_stated: NonEmptyStr
    note: Ours | None = None

    @model_validator(mode="after")
    def _amounts(self) -> Salary:
        has_range = self.min is not None or self.max is not None
        if self.amount is None and not has_range:
            raise ValueError("give either amount or min/max")
        if self.amount is not None and has_range:
            raise ValueError("give either amount or min/max, not both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        for value in (self.min, self.max, self.amount):
            if value is not None and value <= 0:
                raise ValueError(f"amounts must be positive, got {value}")
        given = sorted(v for v in (self.min, self.max, self.amount) if v is not None)
        stated = sorted(stated_amounts(self.as_stated))
        if given != stated:
            raise ValueError(
                f"amounts {_numbers_text(given)} differ from the figures in as_stated "
                f"{self.as_stated!r} ({_numbers_text(stated)})"
            )
        return self


class Cost(_Model):
    """A certification's cost, with the article's own words."""

    amount: Decimal = Field(gt=0)
    currency: CurrencyCode
    period: Period | None = None
    approximate: bool = False
    as_stated: NonEmptyStr

    @model_validator(mode="after")
    def _amount(self) -> Cost:
        stated = stated_amounts(self.as_stated)
        if stated != [self.amount]:
            raise ValueError(
                f"amount {_numbers_text([self.amount])} differs from the figure in as_stated "
                f"{self.as_stated!r} ({_numbers_text(stated)})"
            )
        return self


class Certification(Item):
    """Only what the articles state; every unknown is ``None``."""

    provider: NonEmptyStr
    platform: str | None = None
    summary: str | None = None
    cost: Cost | None = None
    exam_format: str | None = None
    prerequisites: str | None = None
    passing_score: int | None = Field(default=None, gt=0)
    languages: tuple[NonEmptyStr, ...] | None = None
    languages_note: str | None = None
    validity: str | None = None
    earns: str | None = None
    courses: int | None = Field(default=None, gt=0)


class Resource(Item):
    """A course, book, learning platform, conference or journal the articles recommend."""

    kind: Literal["course", "book", "platform", "conference", "journal", "community"]
    provider: str | None = None
    author: str | None = None
    notes: tuple[Point, ...] = ()


class SourceStep(_Model):
    """Where a roadmap step appears in one article, in that article's own words."""

    source: SourceRef
    label: NonEmptyStr


class RoadmapStep(Item):
    """One step of the merged roadmap; the list order in ``roadmap.yaml`` is the step order.

    ``summary`` is ours (the merged step in a sentence); ``skills`` keep the articles' words.
    """

    summary: Ours
    skills: tuple[Point, ...] = ()
    resources: tuple[ResourceRef, ...] = ()
    tools: tuple[ToolRef, ...] = ()
    certifications: tuple[CertificationRef, ...] = ()
    roles: tuple[RoleRef, ...] = ()
    source_steps: tuple[SourceStep, ...] = ()

    @property
    def title(self) -> str:
        """The step's name (every item has a title)."""
        return self.name


class Challenge(Item):
    """A weekly challenge of the season; weeks run 1..N in roadmap order.

    ``summary`` and ``tasks`` are ours; ``sources`` name the articles whose step, tools and
    resources the challenge practises. ``hours`` is our estimate of the work for someone at
    that point of the roadmap (within :data:`CHALLENGE_HOURS`), and ``points`` are
    :data:`POINTS_PER_HOUR` per hour, so points follow effort.
    """

    week: int = Field(gt=0)
    roadmap_step: RoadmapStepRef
    summary: Ours
    tasks: Annotated[tuple[Ours, ...], Field(min_length=2, max_length=5)]
    resources: tuple[ResourceRef, ...] = ()
    tools: tuple[ToolRef, ...] = ()
    certifications: tuple[CertificationRef, ...] = ()
    hours: int = Field(ge=CHALLENGE_HOURS[0], le=CHALLENGE_HOURS[1])
    points: int = Field(gt=0)

    @model_validator(mode="after")
    def _points(self) -> Challenge:
        if self.points != POINTS_PER_HOUR * self.hours:
            raise ValueError(
                f"points ({self.points}) must be {POINTS_PER_HOUR} per hour of work: "
                f"{POINTS_PER_HOUR * self.hours} for {self.hours} hours"
            )
        return self

    @property
    def title(self) -> str:
        """The challenge's name (every item has a title)."""
        return self.name


# Catalog field name -> item model. Order is the display order of ``Catalog.counts()``.
KINDS: dict[str, type[BaseModel]] = {
    "sources": Source,
    "roles": Role,
    "comparisons": Comparison,
    "industries": Industry,
    "outlook": Fact,
    "tool_categories": ToolCategory,
    "tools": Tool,
    "salaries": Salary,
    "salary_notes": Fact,
    "certifications": Certification,
    "resources": Resource,
    "roadmap": RoadmapStep,
    "challenges": Challenge,
}

_KIND_LABELS = {
    "sources": "source",
    "roles": "role",
    "comparisons": "comparison",
    "industries": "industry",
    "outlook": "outlook fact",
    "tool_categories": "tool category",
    "tools": "tool",
    "salaries": "salary",
    "salary_notes": "salary note",
    "certifications": "certification",
    "resources": "resource",
    "roadmap": "roadmap step",
    "challenges": "challenge",
}

Loc = tuple[str | int, ...]


def _item_id(item: BaseModel) -> str:
    return item.file if isinstance(item, Source) else str(getattr(item, "id", ""))


def _find_ref(annotation: Any) -> Ref | None:
    """The :class:`Ref` on ``annotation`` itself (through ``Annotated`` and ``X | None``)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        args = get_args(annotation)
        found = next((m for m in args[1:] if isinstance(m, Ref)), None)
        return found or _find_ref(args[0])
    if origin is Union or origin is types.UnionType:
        for arg in get_args(annotation):
            found = _find_ref(arg)
            if found is not None:
                return found
    return None


def _tuple_args(annotation: Any, length: int) -> list[Any]:
    """Annotations of the elements of a tuple-typed value (``tuple[X, ...]`` or fixed)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _tuple_args(get_args(annotation)[0], length)
    if origin is Union or origin is types.UnionType:
        for arg in get_args(annotation):
            found = _tuple_args(arg, length)
            if found:
                return found
        return []
    if origin is tuple:
        args = get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            return [args[0]] * length
        return list(args)
    return []


def _walk(
    value: Any, annotation: Any, metadata: Sequence[Any], loc: Loc
) -> Iterator[tuple[Loc, Ref, str]]:
    if isinstance(value, str):
        ref = next((m for m in metadata if isinstance(m, Ref)), None) or _find_ref(annotation)
        if ref is not None:
            yield loc, ref, value
    elif isinstance(value, BaseModel):
        yield from iter_references(value, loc)
    elif isinstance(value, tuple):
        for index, (element, element_annotation) in enumerate(
            zip(value, _tuple_args(annotation, len(value)), strict=False)
        ):
            yield from _walk(element, element_annotation, (), (*loc, index))


def iter_references(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, Ref, str]]:
    """Every ``(loc, Ref, target id)`` inside ``model``, found through the field annotations."""
    for name, info in type(model).model_fields.items():
        yield from _walk(getattr(model, name), info.annotation, info.metadata, (*loc, name))


def integrity_problems(
    kinds: Mapping[str, Sequence[tuple[int, BaseModel]]],
    also_known: Mapping[str, set[str]] | None = None,
    unchecked: frozenset[str] = frozenset(),
) -> list[tuple[Loc, str]]:
    """Cross-item checks: duplicate ids and aliases, dangling references, season order.

    ``kinds`` maps a kind to ``(index in its YAML list, item)`` pairs, so problems point at
    the right list element even when some items were dropped for failing validation.
    ``also_known`` adds ids of items that failed validation, so they do not also show up as
    dangling references; references to a kind in ``unchecked`` are not checked (the loader
    passes the kinds it could not read because a file did not parse).
    Returns ``(loc, message)`` pairs with ``loc = (kind, index, field, ...)``.
    """
    problems: list[tuple[Loc, str]] = []
    ids: dict[str, set[str]] = {
        kind: set(also_known.get(kind, ())) if also_known else set() for kind in KINDS
    }
    for kind, items in kinds.items():
        first_seen: dict[str, int] = {}
        for index, item in items:
            item_id = _item_id(item)
            id_field = "file" if kind == "sources" else "id"
            if item_id in first_seen:
                problems.append(
                    (
                        (kind, index, id_field),
                        f"duplicate {_KIND_LABELS.get(kind, kind)} id {item_id!r} "
                        f"(first used by {kind}[{first_seen[item_id]}])",
                    )
                )
                continue
            first_seen[item_id] = index
            ids.setdefault(kind, set()).add(item_id)
        problems.extend(_alias_problems(kind, items))
    for kind, items in kinds.items():
        for index, item in items:
            for loc, ref, target in iter_references(item, (kind, index)):
                if ref.kind not in unchecked and target not in ids.get(ref.kind, set()):
                    known = sorted(ids.get(ref.kind, set()))
                    hint = f" (known: {', '.join(known)})" if 0 < len(known) <= 8 else ""
                    problems.append(
                        (loc, f"unknown {_KIND_LABELS.get(ref.kind, ref.kind)} {target!r}{hint}")
                    )
    problems.extend(_season_problems(kinds))
    problems.extend(_uncited_use_problems(kinds, unchecked, ids.get("sources", set())))
    return problems


#: Fields through which an item uses other items that come from the articles.
_USES: Final = ("resources", "tools", "certifications")


def _uncited_use_problems(
    kinds: Mapping[str, Sequence[tuple[int, BaseModel]]],
    unchecked: frozenset[str],
    known_sources: set[str],
) -> list[tuple[Loc, str]]:
    """A roadmap step or challenge must cite an article that names what it uses.

    Week 6 once practised two of 000's resources while citing 001-003 only: its footer named
    articles that never mention them. Each resource, tool or certification a step or challenge
    uses must share at least one source with it.
    """
    by_kind = {
        kind: {_item_id(item): item for _, item in kinds.get(kind, ())}
        for kind in _USES
        if kind not in unchecked
    }
    problems: list[tuple[Loc, str]] = []
    for kind in ("roadmap", "challenges"):
        for index, item in kinds.get(kind, ()):
            cited = set(getattr(item, "sources", ()))
            for field_name in _USES:
                for position, target in enumerate(getattr(item, field_name, ())):
                    used = by_kind.get(field_name, {}).get(target)
                    # An unknown source is reported as such; it cannot make a gap as well.
                    named = set(getattr(used, "sources", ())) & known_sources
                    if used is None or not named or cited & named:
                        continue
                    named_by = ", ".join(getattr(used, "sources", ()))
                    problems.append(
                        (
                            (kind, index, field_name, position),
                            f"{target!r} is named only by {named_by}, which this "
                            f"{_KIND_LABELS[kind]} does not cite: add one to its sources",
                        )
                    )
    return problems


def _alias_problems(kind: str, items: Sequence[tuple[int, BaseModel]]) -> list[tuple[Loc, str]]:
    """An alias may not be another item's id, name or alias: autocomplete must stay unambiguous."""
    named = [(index, item) for index, item in items if isinstance(item, Item)]
    primary: dict[str, str] = {}
    for _, item in named:
        primary.setdefault(item.id, item.id)
        primary.setdefault(item.name.casefold(), item.id)
    problems: list[tuple[Loc, str]] = []
    alias_owner: dict[str, str] = {}
    for index, item in named:
        for alias_index, alias in enumerate(item.aliases):
            key = alias.casefold()
            owners = [primary.get(key), alias_owner.get(key)]
            other = next((o for o in owners if o is not None and o != item.id), None)
            if other is not None:
                problems.append(
                    (
                        (kind, index, "aliases", alias_index),
                        f"alias {alias!r} is already used by {other!r}",
                    )
                )
            alias_owner.setdefault(key, item.id)
    return problems


def _season_problems(
    kinds: Mapping[str, Sequence[tuple[int, BaseModel]]],
) -> list[tuple[Loc, str]]:
    """Challenges are numbered 1..N and practise the roadmap steps in roadmap order.

    Each challenge is compared with the one before it only, so one misplaced challenge gives
    one problem rather than one for every challenge after it.
    """
    problems: list[tuple[Loc, str]] = []
    step_order = {_item_id(step): n for n, (_, step) in enumerate(kinds.get("roadmap", ()), 1)}
    previous: tuple[int, Challenge, int] | None = None  # (index, challenge, step number)
    for index, challenge in kinds.get("challenges", ()):
        if not isinstance(challenge, Challenge):
            continue
        if challenge.week != index + 1:
            problems.append(
                (("challenges", index, "week"), f"expected week {index + 1}, got {challenge.week}")
            )
        step = step_order.get(challenge.roadmap_step)
        if step is None:
            continue  # reported as a dangling reference
        if previous is not None and step < previous[2]:
            problems.append(
                (
                    ("challenges", index, "roadmap_step"),
                    f"roadmap step {challenge.roadmap_step!r} (step {step}) comes before "
                    f"{previous[1].roadmap_step!r} (step {previous[2]}) of the previous challenge "
                    f"challenges[{previous[0]}]: the season follows the roadmap in order",
                )
            )
        previous = (index, challenge, step)
    return problems


def format_loc(loc: Loc) -> str:
    """``("salaries", 3, "currency")`` -> ``"salaries[3].currency"``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class Catalog(_Model):
    """All content, validated together: ids unique per kind, every reference resolves."""

    sources: tuple[Source, ...] = ()
    roles: tuple[Role, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    industries: tuple[Industry, ...] = ()
    outlook: tuple[Fact, ...] = ()
    tool_categories: tuple[ToolCategory, ...] = ()
    tools: tuple[Tool, ...] = ()
    salaries: tuple[Salary, ...] = ()
    salary_notes: tuple[Fact, ...] = ()
    certifications: tuple[Certification, ...] = ()
    resources: tuple[Resource, ...] = ()
    roadmap: tuple[RoadmapStep, ...] = ()
    challenges: tuple[Challenge, ...] = ()

    _index: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _integrity(self) -> Catalog:
        problems = integrity_problems(
            {kind: list(enumerate(getattr(self, kind))) for kind in KINDS}
        )
        if problems:
            raise ValueError("; ".join(f"{format_loc(loc)}: {msg}" for loc, msg in problems))
        return self

    def model_post_init(self, context: Any, /) -> None:
        """Index every item by id for the lookups below."""
        self._index = {
            kind: {_item_id(item): item for item in getattr(self, kind)} for kind in KINDS
        }

    # -- lookups ---------------------------------------------------------------------------

    def get(self, kind: str, item_id: str) -> Any:
        """The item of ``kind`` (a field name such as ``"tools"``) with ``item_id``; KeyError."""
        return self._index[kind][item_id]

    def source(self, file: str) -> Source:
        """The source with this file name (``KeyError`` if none)."""
        result: Source = self._index["sources"][file]
        return result

    def role(self, role_id: str) -> Role:
        """The role with this id (``KeyError`` if none)."""
        result: Role = self._index["roles"][role_id]
        return result

    def comparison(self, comparison_id: str) -> Comparison:
        """The comparison with this id (``KeyError`` if none)."""
        result: Comparison = self._index["comparisons"][comparison_id]
        return result

    def industry(self, industry_id: str) -> Industry:
        """The industry with this id (``KeyError`` if none)."""
        result: Industry = self._index["industries"][industry_id]
        return result

    def tool(self, tool_id: str) -> Tool:
        """The tool with this id (``KeyError`` if none)."""
        result: Tool = self._index["tools"][tool_id]
        return result

    def tool_category(self, category_id: str) -> ToolCategory:
        """The tool category with this id (``KeyError`` if none)."""
        result: ToolCategory = self._index["tool_categories"][category_id]
        return result

    def tools_in(self, category_id: str) -> tuple[Tool, ...]:
        """The tools of a category, in catalog order."""
        return tuple(tool for tool in self.tools if tool.category == category_id)

    def salary(self, salary_id: str) -> Salary:
        """The salary figure with this id (``KeyError`` if none)."""
        result: Salary = self._index["salaries"][salary_id]
        return result

    def certification(self, certification_id: str) -> Certification:
        """The certification with this id (``KeyError`` if none)."""
        result: Certification = self._index["certifications"][certification_id]
        return result

    def resource(self, resource_id: str) -> Resource:
        """The learning resource with this id (``KeyError`` if none)."""
        result: Resource = self._index["resources"][resource_id]
        return result

    def roadmap_step(self, step_id: str) -> RoadmapStep:
        """The roadmap step with this id (``KeyError`` if none)."""
        result: RoadmapStep = self._index["roadmap"][step_id]
        return result

    def roadmap_step_number(self, step_id: str) -> int:
        """1-based position of the step in the roadmap."""
        for number, step in enumerate(self.roadmap, start=1):
            if step.id == step_id:
                return number
        raise KeyError(step_id)

    def challenge(self, challenge_id: str) -> Challenge:
        """The challenge with this id (``KeyError`` if none)."""
        result: Challenge = self._index["challenges"][challenge_id]
        return result

    def challenge_for_week(self, week: int) -> Challenge | None:
        """The challenge of season week ``week`` (1-based), or ``None``."""
        return next((c for c in self.challenges if c.week == week), None)

    def counts(self) -> dict[str, int]:
        """Items per kind, e.g. ``{"sources": 4, "roles": 20, "tools": 38, ...}``."""
        return {kind: len(getattr(self, kind)) for kind in KINDS}
