"""Forgiving lookup of content items by name: autocomplete choices and resolution of typed values.

A :class:`FuzzyIndex` is built once per catalog (see :class:`Guide`) from each item's name, id
and aliases, plus two abbreviations derived here because members type them and articles do
not: initials of multi-word names ("gcp", "aws") and numeronyms of long single words ("k8s").
Text is compared in a case-, accent- and punctuation-insensitive form (NFKD + casefold).

Two jobs, two rules:

* **Autocomplete** (:meth:`FuzzyIndex.choices`) only *offers*: exact and prefix matches rank
  first and rapidfuzz's ``WRatio`` adds anything that looks alike, since a member picks from it.
* **Resolving a typed value** (:meth:`FuzzyIndex.lookup`) *answers*, so it must never answer with
  another item's facts. In order:

  1. *Exact*: the value autocomplete sent, or the query equal to a name, id, alias, derived
     abbreviation or the name without spaces ("scikitlearn"), also once filler words ("the",
     "of", the kind's own noun such as "cert" or "step") are dropped. Shown without comment.
  2. *Covered*: every distinctive word of the query must match a word of the item's names,
     where a word matches when it is equal, when it is the start of the name's word (three
     letters or more: "dat sci", "tensor"), or when it is a typo of it within Lucene's "AUTO"
     edit budget (optimal string alignment distance, a swap counts once): no edit for words of
     one or two characters, one for three to five, two for six and more ("pytroch", "kuberntes",
     "Indiana" -> India). Words of one or two characters in names ("ai", "r", "us") are codes
     and match only exactly. So "aws solutions architect" is not the AWS ML Specialty (two of
     its three words name nothing in it) and "France" is not "freelance" (three edits).
  3. Among covered items the best fit wins: fewest words of its closest name left unmatched
     ("tensor" is all of "TensorFlow" but half of "TensorFlow Extended"), then fewest edits.
     A tie is not guessed: the member is asked, with the tied items as choices ("pyt": Python
     or PyTorch; "data": any of five roles).
  4. Nothing covered: "not found" with the closest names as suggestions.

A match from step 2-3 is not exact, so the reply says what it shows in its first line
(:attr:`Match.notice`: "Showing **India** for “Indiana”").

:class:`Guide` keeps a catalog together with every index derived from it, so a content reload
swaps both at once (:class:`GuideCache` rebuilds when ``Content.catalog`` changes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from discord.utils import escape_markdown
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.errors import NotFoundError, echo
from content.limits import MAX_CHOICE_TEXT, MAX_CHOICES
from content.models import Catalog, Item, Salary, Source, iter_references
from content.text import clip

#: Fuzzy scores are scaled below exact/prefix scores so that a typo never outranks a prefix.
FUZZY_WEIGHT = 0.9
FUZZY_CUTOFF = 60.0
#: Queries and terms shorter than these take part in exact/prefix matching only.
FUZZY_MIN_QUERY = 3
#: Autocomplete answers kept per index (one per distinct normalised query).
CHOICES_KEPT = 512
FUZZY_MIN_TERM = 3
SUGGESTIONS = 5
#: A query word this long may stand for the start of a name's word ("dat sci", "tensor").
MIN_PREFIX = 3
#: Name words this short are codes ("ai", "r", "us", "de"): matched only exactly.
MAX_CODE_WORD = 2
#: Words that say nothing about which item is meant, in any index; each index adds the nouns
#: of its own kind ("cert", "step"...). Dropped from multi-word queries only, so "in" (India)
#: alone still means India.
FILLER_WORDS = frozenset({"a", "an", "the", "of", "for", "and", "to", "with", "in", "on", "my"})


#: Suggestions are the autocomplete matches scoring at least this; when none does, the first
#: entries in display order (for regions: every region the articles give figures for).
SUGGEST_MIN_SCORE = 75.0


def typo_budget(word: str) -> int:
    """Edits a typed word may be away from a name's word: Lucene's "AUTO" fuzziness, shifted.

    0 for one or two characters, 1 for three to six, 2 for seven and more. (Lucene allows two
    from six letters; at six two edits are a third of the word: "gitlab" would be "github".)
    """
    return 0 if len(word) < 3 else 1 if len(word) < 7 else 2


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


def choice_text(text: str) -> str:
    """``text`` fitted to an autocomplete choice's name or value (a visible ellipsis)."""
    return clip(text, MAX_CHOICE_TEXT)


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
    """An entry with its match score (higher is better)."""

    entry: Entry
    score: float
    #: The entry's term that matched best ("" for the empty query).
    term: str = ""


@dataclass(frozen=True)
class Match:
    """What a typed value resolved to, and whether it named the entry exactly."""

    entry: Entry
    query: str
    exact: bool

    @property
    def notice(self) -> str | None:
        """The reply's first line for a non-exact match: ``Showing **India** for “Indiana”.``"""
        if self.exact:
            return None
        return f"Showing **{escape_markdown(self.entry.label)}** for “{echo(self.query)}”."


@dataclass(frozen=True, order=True)
class _Fit:
    """How well a query covers an entry (smaller is better); see the module docstring."""

    #: Words of the entry's closest name that no query word matched.
    unmatched: int
    #: Typing edits summed over the query's words (a prefix costs none).
    edits: int


class FuzzyIndex:
    """Ranked, forgiving matching over a fixed list of entries (in display order)."""

    def __init__(self, kind: str, entries: Iterable[Entry], filler: Iterable[str] = ()) -> None:
        self.kind = kind
        self.entries: tuple[Entry, ...] = tuple(entries)
        #: Words dropped from multi-word queries: FILLER_WORDS, this kind's nouns, ``filler``.
        self.filler = FILLER_WORDS | {normalise(w) for w in (*kind.split(), *filler)}
        self.filler |= {f"{word}s" for word in self.filler if len(word) > 2}
        self._by_value = {entry.value: entry for entry in self.entries}
        # Exact forms -> positions. Named forms (name, id, aliases) win over derived ones
        # (initials, numeronyms, names without spaces); a form shared by two entries is a tie.
        self._named: dict[str, list[int]] = {}
        self._derived: dict[str, list[int]] = {}
        # Per entry: its names as word tuples (what coverage is judged against).
        self._phrases: list[tuple[tuple[str, ...], ...]] = []
        self._words: list[frozenset[str]] = []
        for position, entry in enumerate(self.entries):
            named = entry.keys or frozenset(entry.terms)
            for key in named:
                self._named.setdefault(key, []).append(position)
            derived = set(entry.terms) | {term.replace(" ", "") for term in entry.terms}
            derived |= {self._distinctive(key) for key in named}
            for form in sorted(derived - named - {""}):
                self._derived.setdefault(form, []).append(position)
            phrases = tuple(sorted({tuple(key.split()) for key in named if key}))
            self._phrases.append(phrases)
            self._words.append(frozenset(word for phrase in phrases for word in phrase))
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
        self._choices: dict[tuple[str, int, frozenset[str] | None], tuple[tuple[str, str], ...]]
        self._choices = {}

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
        # Members type the same prefixes ("p", "py", "pyt"...) again and again: an answer is
        # kept per normalised query (entries never change; a content reload builds new indexes).
        key = (normalise(query), limit, None if only is None else frozenset(only))
        kept = self._choices.get(key)
        if kept is None:
            kept = tuple((s.entry.label, s.entry.value) for s in self.rank(query, only)[:limit])
            if len(self._choices) >= CHOICES_KEPT:
                del self._choices[next(iter(self._choices))]  # the oldest
            self._choices[key] = kept
        return list(kept)

    def resolve(self, query: str, only: Collection[str] | None = None) -> Entry:
        """The entry ``query`` means (see :meth:`lookup`), or :class:`NotFoundError`."""
        return self.lookup(query, only).entry

    def lookup(self, query: str, only: Collection[str] | None = None) -> Match:
        """The entry a typed or picked value means, or :class:`NotFoundError` with suggestions.

        The rule is the module docstring's: exact forms first, then the one entry whose names
        cover every distinctive word of the query best; a tie asks, nothing covered suggests.
        """
        allowed = set(self._allowed(only))
        entry = self._by_value.get(query)
        if entry is not None and (only is None or entry.value in only):
            return Match(entry, query, exact=True)
        q = normalise(query)
        distinctive = self._distinctive(q).split()
        for form in dict.fromkeys((q, " ".join(distinctive))):
            for table in (self._named, self._derived):
                found = [i for i in table.get(form, ()) if i in allowed]
                found += [i for i in table.get(form.replace(" ", ""), ()) if i in allowed]
                found = list(dict.fromkeys(found))
                if len(found) == 1:
                    return Match(self.entries[found[0]], query, exact=True)
                if found:
                    raise self._not_found(query, only, tied=found)
        fits = sorted((fit, i) for i in allowed if (fit := self._fit(distinctive, i)) is not None)
        if not fits:
            raise self._not_found(query, only)
        best = fits[0][0]
        tied = [i for fit, i in fits if fit == best]
        if len(tied) > 1:
            raise self._not_found(query, only, tied=tied)
        return Match(self.entries[tied[0]], query, exact=False)

    def _distinctive(self, text: str) -> str:
        """``text`` (normalised) without filler words, unless that leaves nothing."""
        words = text.split()
        return " ".join([w for w in words if w not in self.filler] or words)

    def _allowed(self, only: Collection[str] | None) -> list[int]:
        return [i for i, e in enumerate(self.entries) if only is None or e.value in only]

    def _fit(self, words: Sequence[str], position: int) -> _Fit | None:
        """How ``words`` cover entry ``position``'s names, or None when one word names nothing."""
        if not words:
            return None
        names = self._words[position]
        edits = 0
        matched: set[str] = set()
        for word in words:
            costs = {name: cost for name in names if (cost := _word_cost(word, name)) is not None}
            if not costs:
                return self._fit_compact(words, position)
            edits += min(costs.values())
            matched.update(costs)
        unmatched = min(
            sum(1 for w in phrase if w not in matched and w not in self.filler)
            for phrase in self._phrases[position]
        )
        word_fit = _Fit(unmatched, edits)
        compact_fit = self._fit_compact(words, position)
        return word_fit if compact_fit is None else min(word_fit, compact_fit)

    def _fit_compact(self, words: Sequence[str], position: int) -> _Fit | None:
        """A name typed with other spacing and at most one typo ("scikitlern", "py torh").

        One edit only: two would let a whole short word go missing ("sr ml engineer").
        """
        typed = "".join(words)
        budget = min(1, typo_budget(typed))
        best: int | None = None
        for phrase in self._phrases[position]:
            name = "".join(phrase)
            if len(name) <= MAX_CODE_WORD:
                continue
            distance = OSA.distance(typed, name, score_cutoff=budget)
            if distance <= budget and (best is None or distance < best):
                best = distance
        return None if best is None else _Fit(0, best)

    def _not_found(
        self, query: str, only: Collection[str] | None, tied: Sequence[int] = ()
    ) -> NotFoundError:
        """The error for a tie (the tied entries as choices) or a miss (the closest names)."""
        if tied:
            labels = [self.entries[i].label for i in tied]
            return NotFoundError(self.kind, query, labels[:SUGGESTIONS], ambiguous=True)
        return NotFoundError(self.kind, query, self.suggest(query, self.rank(query, only), only))

    def suggest(
        self, query: str, ranked: Sequence[Scored], only: Collection[str] | None = None
    ) -> list[str]:
        """The closest labels (autocomplete's best scoring SUGGEST_MIN_SCORE or more); when
        nothing is that close, the first entries in display order, so the member still sees
        what there is ("France": the regions the articles give figures for)."""
        close = [s.entry.label for s in ranked if s.score >= SUGGEST_MIN_SCORE]
        if close:
            return close[:SUGGESTIONS]
        return [self.entries[i].label for i in self._allowed(only)][:SUGGESTIONS]


def _word_cost(word: str, name: str) -> int | None:
    """Edits from typed ``word`` to a name's word ``name`` (0: equal or a prefix), or None."""
    if word == name:
        return 0
    if len(name) <= MAX_CODE_WORD:
        return None
    if len(word) >= MIN_PREFIX and name.startswith(word):
        return 0
    budget = typo_budget(word)
    distance = OSA.distance(word, name, score_cutoff=budget)
    return distance if distance <= budget else None


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
        label=choice_text(label or name),
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
                value=choice_text(region),
                label=choice_text(region),
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


# --------------------------------------------------------------------------- levels

#: What members add to a certification's name without naming another one.
CERTIFICATION_FILLER = ("cert", "certificate", "certified", "certification", "exam")

#: Salary levels (the values the content uses) with their labels and the words members type
#: for them. Hand-written: the articles write "Entry-Level (0–4 years)", members "junior".
SALARY_LEVELS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "entry": ("Entry level", ("entry level", "junior", "jr", "beginner", "fresher", "graduate")),
    "mid": ("Mid level", ("mid level", "middle", "intermediate", "mid career")),
    "senior": ("Senior level", ("senior level", "sr", "experienced")),
}


def level_entries() -> list[Entry]:
    """Entries for :data:`SALARY_LEVELS` (value ``"entry"``, label ``"Entry level"``...)."""
    entries = []
    for value, (label, aliases) in SALARY_LEVELS.items():
        exact = {value, normalise(label), *aliases}
        entries.append(
            Entry(value=value, label=label, terms=tuple(sorted(exact)), keys=frozenset(exact))
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
    salary_levels: FuzzyIndex
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
            roles=FuzzyIndex("role", (item_entry(r) for r in catalog.roles), filler=("job",)),
            tool_categories=FuzzyIndex(
                "tool category", (item_entry(c) for c in catalog.tool_categories)
            ),
            tools=FuzzyIndex("tool", (item_entry(t) for t in catalog.tools)),
            certifications=FuzzyIndex(
                "certification",
                (item_entry(c) for c in catalog.certifications),
                filler=CERTIFICATION_FILLER,
            ),
            roadmap=FuzzyIndex(
                "roadmap step",
                (
                    item_entry(step, label=f"{n}. {step.name}", extra_keys=(str(n),))
                    for n, step in enumerate(steps, start=1)
                ),
            ),
            regions=FuzzyIndex(
                "region", region_entries(catalog.salaries), filler=("country", "salary")
            ),
            salary_levels=FuzzyIndex("salary level", level_entries(), filler=("salary",)),
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

    A content reload replaces ``Content.catalog``; the next call rebuilds the guide once and
    swaps it in one assignment, so readers never see a catalog with another catalog's index.
    """

    def __init__(self, get_catalog: Callable[[], Catalog]) -> None:
        self._get_catalog = get_catalog
        self._guide: Guide | None = None

    def current(self) -> Guide:
        """The guide for the current catalog, rebuilt once after a reload."""
        catalog = self._get_catalog()
        guide = self._guide
        if guide is None or guide.catalog is not catalog:
            guide = Guide.build(catalog)
            self._guide = guide
        return guide
