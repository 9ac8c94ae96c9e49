"""Forgiving lookup of content items by name: autocomplete choices and resolution of typed values.

A :class:`FuzzyIndex` is built once per catalog (see :class:`Guide`) from each item's name, id
and aliases, plus two abbreviations derived here because members type them and articles do
not: initials of multi-word names ("gcp", "aws") and numeronyms of long single words ("k8s").
Matching is case-, accent- and punctuation-insensitive (NFKD + casefold), exact and prefix
matches rank first, and rapidfuzz's ``WRatio`` catches typos.

:class:`Guide` keeps a catalog together with every index derived from it, so a content reload
swaps both at once (:class:`GuideCache` rebuilds when ``services.catalog`` changes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from bot.errors import NotFoundError
from content.models import Catalog, Item, Salary, Source, iter_references

#: Discord's limits for autocomplete: 25 choices, names and values 1..100 characters.
MAX_CHOICES = 25
MAX_CHOICE_TEXT = 100

#: Fuzzy scores are scaled below exact/prefix scores so that a typo never outranks a prefix.
FUZZY_WEIGHT = 0.9
FUZZY_CUTOFF = 60.0
#: Queries and terms shorter than these take part in exact/prefix matching only.
FUZZY_MIN_QUERY = 3
FUZZY_MIN_TERM = 3
#: A typed value resolves to the best match when it scores this much...
RESOLVE_MIN_SCORE = 70.0
#: ...and beats the runner-up by this margin; otherwise the member gets suggestions.
RESOLVE_MARGIN = 5.0
SUGGESTIONS = 5

_NON_WORD = re.compile(r"[^\w+#]+")


def normalise(text: str) -> str:
    """Lower-case, accent-free, punctuation-as-space form used for matching.

    ``"  Scikit-Learn "`` -> ``"scikit learn"``; ``"Ärzte"`` -> ``"arzte"``. ``+`` and ``#``
    survive so "C++" and "C#" stay distinct.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).replace("_", " ").split())


def abbreviations(name: str) -> set[str]:
    """Initials of a multi-word name and the numeronym of a long single word.

    ``"Google Cloud Platform"`` -> ``{"gcp"}``; ``"Kubernetes"`` -> ``{"k8s"}``.
    """
    words = normalise(name).split()
    found: set[str] = set()
    if len(words) >= 2:
        found.add("".join(word[0] for word in words))
    if len(words) == 1 and len(words[0]) >= 6 and words[0].isalpha():
        word = words[0]
        found.add(f"{word[0]}{len(word) - 2}{word[-1]}")
    return found


def clip(text: str, limit: int = MAX_CHOICE_TEXT) -> str:
    """``text`` shortened to ``limit`` characters with a visible ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Entry:
    """One thing a member can pick: ``value`` is sent back by Discord, ``label`` is shown."""

    value: str
    label: str
    terms: tuple[str, ...]
    #: Exact forms (id, name, aliases, extra keys), normalised: these resolve without fuzzing.
    keys: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Scored:
    entry: Entry
    score: float
    #: The entry's term that matched best ("" for the empty query).
    term: str = ""


class FuzzyIndex:
    """Ranked, forgiving matching over a fixed list of entries (in display order)."""

    def __init__(self, kind: str, entries: Iterable[Entry]) -> None:
        self.kind = kind
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._by_value = {entry.value: entry for entry in self.entries}
        self._by_key: dict[str, Entry] = {}
        for entry in self.entries:
            for key in entry.keys:
                self._by_key.setdefault(key, entry)
        # Flat term list: terms[i] belongs to entries[owner[i]]. Terms shorter than
        # FUZZY_MIN_TERM ("r", "tf", "np") take part in exact and prefix matching only: as fuzzy
        # targets they would "match" any query that contains their letters.
        self._terms: list[str] = []
        self._owner: list[int] = []
        self._fuzzy_terms: list[str] = []
        self._fuzzy_owner: list[int] = []
        for position, entry in enumerate(self.entries):
            for term in entry.terms:
                self._terms.append(term)
                self._owner.append(position)
                if len(term) >= FUZZY_MIN_TERM:
                    self._fuzzy_terms.append(term)
                    self._fuzzy_owner.append(position)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, value: str) -> Entry | None:
        """The entry whose value is exactly ``value`` (what autocomplete sent back)."""
        return self._by_value.get(value)

    def rank(self, query: str, only: Collection[str] | None = None) -> list[Scored]:
        """Entries matching ``query`` best first (ties keep display order)."""
        entries = self.entries
        q = normalise(query)
        if not q:
            return [Scored(e, 0.0) for e in entries if only is None or e.value in only]
        best: dict[int, tuple[float, str]] = {}
        q_words = q.split()
        for term, owner in zip(self._terms, self._owner, strict=True):
            score = _bonus(q, q_words, term)
            if score and score > best.get(owner, (0.0, ""))[0]:
                best[owner] = (score, term)
        if len(q) >= FUZZY_MIN_QUERY:
            for term, fuzzy, i in process.extract_iter(
                q, self._fuzzy_terms, scorer=fuzz.WRatio, processor=None, score_cutoff=FUZZY_CUTOFF
            ):
                owner = self._fuzzy_owner[i]
                score = fuzzy * FUZZY_WEIGHT
                if score > best.get(owner, (0.0, ""))[0]:
                    best[owner] = (score, term)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
        return [
            Scored(entries[i], score, term)
            for i, (score, term) in ranked
            if only is None or entries[i].value in only
        ]

    def choices(
        self, query: str, limit: int = MAX_CHOICES, only: Collection[str] | None = None
    ) -> list[tuple[str, str]]:
        """Up to ``limit`` (<= 25) ``(label, value)`` pairs for Discord's autocomplete."""
        limit = min(limit, MAX_CHOICES)
        return [(s.entry.label, s.entry.value) for s in self.rank(query, only)[:limit]]

    def resolve(self, query: str, only: Collection[str] | None = None) -> Entry:
        """The entry a typed or picked value means, or :class:`NotFoundError` with suggestions.

        Exact values, names, ids and aliases win. Otherwise the best match is accepted when it
        is clearly best (by RESOLVE_MARGIN), or when the query is at least half of a name it
        starts ("tensor" -> TensorFlow); anything less certain becomes "did you mean...".
        """
        entry = self._by_value.get(query) or self._by_key.get(normalise(query))
        if entry is not None and (only is None or entry.value in only):
            return entry
        q = normalise(query)
        ranked = self.rank(query, only) if q else []
        if ranked:
            top = ranked[0]
            runner_up = ranked[1].score if len(ranked) > 1 else 0.0
            clear = top.score - runner_up >= RESOLVE_MARGIN
            completes = top.term.startswith(q) and 2 * len(q) >= len(top.term)
            if top.score >= RESOLVE_MIN_SCORE and (clear or completes):
                return top.entry
        ambiguous = len(ranked) > 1 and ranked[0].score >= RESOLVE_MIN_SCORE
        raise NotFoundError(
            self.kind, query, self.suggest(query, ranked, only), ambiguous=ambiguous
        )

    def suggest(
        self, query: str, ranked: Sequence[Scored], only: Collection[str] | None = None
    ) -> list[str]:
        """The closest labels: the ranked matches, else whatever rapidfuzz finds nearest."""
        if ranked:
            return [s.entry.label for s in ranked[:SUGGESTIONS]]
        q = normalise(query)
        allowed = [i for i, e in enumerate(self.entries) if only is None or e.value in only]
        labels = [normalise(self.entries[i].label) for i in allowed]
        nearest = process.extract(q, labels, scorer=fuzz.ratio, processor=None, limit=SUGGESTIONS)
        return [self.entries[allowed[i]].label for _label, score, i in nearest if score > 0]


def _bonus(q: str, q_words: Sequence[str], term: str) -> float:
    """Scores for exact and prefix matches, which rapidfuzz's ratios under-rate."""
    if term == q:
        return 100.0
    if term.startswith(q):
        return 96.0 + 3.0 * len(q) / len(term)
    t_words = term.split()
    if any(word.startswith(q) for word in t_words):
        return 92.0
    if len(q_words) > 1 and all(any(t.startswith(w) for t in t_words) for w in q_words):
        return 90.0
    if len(q) >= FUZZY_MIN_QUERY and q in term:
        return 86.0
    return 0.0


def item_entry(
    item: Item | Source,
    label: str | None = None,
    extra_keys: Iterable[str] = (),
) -> Entry:
    """An entry for a content item: matched by name, id, aliases and derived abbreviations."""
    name = item.name
    aliases: tuple[str, ...] = item.aliases if isinstance(item, Item) else ()
    exact = {normalise(text) for text in (name, item.id, *aliases, *extra_keys, label or "")}
    exact.discard("")
    terms = set(exact)
    terms |= {term.replace(" ", "") for term in exact if " " in term}
    terms |= abbreviations(name)
    return Entry(
        value=item.id,
        label=clip(label or name),
        terms=tuple(sorted(terms)),
        keys=frozenset(exact),
    )


# --------------------------------------------------------------------------- regions

#: The value and label used for salary figures whose source names no region.
UNSTATED_REGION = "unstated"
UNSTATED_LABEL = "Region not stated by the source"
#: The issue asks for this region even when no source names it.
REMOTE_REGION = "Remote/Freelance"

#: Other names members type for the regions the articles name (normalised keys). Hand-written
#: because the articles use one spelling each and no library maps "Deutschland" to "Germany".
REGION_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "usa": ("us", "u s a", "united states", "united states of america", "america", "american"),
    "us": ("usa", "united states", "united states of america", "america"),
    "uk": ("united kingdom", "britain", "great britain", "england", "gb"),
    "germany": ("deutschland", "de", "german"),
    "india": ("bharat", "indian", "in"),
    "remote freelance": ("remote", "freelance", "freelancer", "contract", "contractor"),
    "remote": ("freelance", "remote freelance", "worldwide"),
    "global": ("worldwide", "world", "international"),
}


def region_entries(salaries: Sequence[Salary]) -> list[Entry]:
    """Regions the salary sources name (first-seen order), plus remote/freelance and unstated."""
    seen: dict[str, str] = {}
    unstated = False
    for salary in salaries:
        if salary.region is None:
            unstated = True
        else:
            seen.setdefault(normalise(salary.region), salary.region)
    if not any("remote" in key for key in seen):
        seen[normalise(REMOTE_REGION)] = REMOTE_REGION
    entries = []
    for key, region in seen.items():
        exact = {key, *REGION_SYNONYMS.get(key, ())}
        entries.append(
            Entry(
                value=clip(region),
                label=clip(region),
                terms=tuple(sorted(exact)),
                keys=frozenset(exact),
            )
        )
    if unstated:
        exact = {UNSTATED_REGION, "not stated", "any", "global", "unspecified"} - set(seen)
        entries.append(
            Entry(
                value=UNSTATED_REGION,
                label=UNSTATED_LABEL,
                terms=tuple(sorted(exact | {normalise(UNSTATED_LABEL)})),
                keys=frozenset(exact),
            )
        )
    return entries


# --------------------------------------------------------------------------- the guide


@dataclass(frozen=True)
class Guide:
    """A catalog and everything derived from it once: indexes, numbering, reverse links."""

    catalog: Catalog
    roles: FuzzyIndex
    tool_categories: FuzzyIndex
    tools: FuzzyIndex
    certifications: FuzzyIndex
    roadmap: FuzzyIndex
    regions: FuzzyIndex
    #: Source file -> 1-based number used for footnote markers in replies.
    source_numbers: Mapping[str, int]
    #: Source file -> how many facts in the catalog cite it.
    facts_per_source: Mapping[str, int]
    #: Tool id -> roadmap step ids / challenge weeks that use it.
    steps_by_tool: Mapping[str, tuple[str, ...]]
    weeks_by_tool: Mapping[str, tuple[int, ...]]
    #: Roadmap step id -> challenge ids practising it, in week order.
    challenges_by_step: Mapping[str, tuple[str, ...]]
    #: Certification id -> roadmap step ids that recommend it.
    steps_by_certification: Mapping[str, tuple[str, ...]]

    @classmethod
    def build(cls, catalog: Catalog) -> Guide:
        """Derive every index from ``catalog`` (milliseconds; done at start-up and on reload)."""
        steps = catalog.roadmap
        return cls(
            catalog=catalog,
            roles=FuzzyIndex("role", (item_entry(r) for r in catalog.roles)),
            tool_categories=FuzzyIndex(
                "tool category", (item_entry(c) for c in catalog.tool_categories)
            ),
            tools=FuzzyIndex("tool", (item_entry(t) for t in catalog.tools)),
            certifications=FuzzyIndex(
                "certification", (item_entry(c) for c in catalog.certifications)
            ),
            roadmap=FuzzyIndex(
                "roadmap step",
                (
                    item_entry(step, label=f"{n}. {step.name}", extra_keys=(str(n),))
                    for n, step in enumerate(steps, start=1)
                ),
            ),
            regions=FuzzyIndex("region", region_entries(catalog.salaries)),
            source_numbers={s.file: n for n, s in enumerate(catalog.sources, start=1)},
            facts_per_source=_facts_per_source(catalog),
            steps_by_tool=_reverse(steps, lambda step: step.tools),
            weeks_by_tool=_reverse_weeks(catalog),
            challenges_by_step=_group(catalog.challenges, lambda c: c.roadmap_step),
            steps_by_certification=_reverse(steps, lambda step: step.certifications),
        )


def _facts_per_source(catalog: Catalog) -> dict[str, int]:
    counts = {source.file: 0 for source in catalog.sources}
    for kind in type(catalog).model_fields:
        if kind == "sources":
            continue
        for item in getattr(catalog, kind):
            for _loc, ref, target in iter_references(item):
                if ref.kind == "sources" and target in counts:
                    counts[target] += 1
    return counts


def _reverse(
    items: Sequence[Any], targets: Callable[[Any], Iterable[str]]
) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for item in items:
        for target in targets(item):
            found.setdefault(target, []).append(item.id)
    return {key: tuple(value) for key, value in found.items()}


def _reverse_weeks(catalog: Catalog) -> dict[str, tuple[int, ...]]:
    found: dict[str, list[int]] = {}
    for challenge in catalog.challenges:
        for tool in challenge.tools:
            found.setdefault(tool, []).append(challenge.week)
    return {key: tuple(value) for key, value in found.items()}


def _group(items: Sequence[Any], key: Callable[[Any], str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for item in items:
        found.setdefault(key(item), []).append(item.id)
    return {k: tuple(v) for k, v in found.items()}


class GuideCache:
    """The current :class:`Guide` for whatever catalog ``get_catalog()`` returns now.

    A content reload replaces ``services.catalog``; the next call rebuilds the guide once and
    swaps it in one assignment, so readers never see a catalog with another catalog's index.
    """

    def __init__(self, get_catalog: Callable[[], Catalog]) -> None:
        self._get_catalog = get_catalog
        self._guide: Guide | None = None

    def current(self) -> Guide:
        catalog = self._get_catalog()
        guide = self._guide
        if guide is None or guide.catalog is not catalog:
            guide = Guide.build(catalog)
            self._guide = guide
        return guide
