"""The weekly post: this week's challenge plus a recap of last week, as a :class:`ChallengePost`.

:func:`load_recap` reads storage (one count and two leaderboard reads); :func:`build_post` is pure
and turns content plus the recap into sections. The Discord side decides how it looks; the only
Discord-shaped thing here is the ``<@id>`` fallback for a member whose display name is unknown
(Discord shows it as the member's name inside an embed, without pinging).

Privacy: opted-out members never appear (storage does not rank them). Unless the guild made its
leaderboard public (``leaderboard_public``), the recap gives numbers only, no names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from content.models import Catalog, Challenge
from content.text import plural
from scheduler.planning import IsoWeek
from scheduler.ports import ChallengePost, PostSection
from scheduler.season import SeasonChallenge, planning_week
from storage.models import GuildSchedule, LeaderboardRow, Period, PostState
from storage.store import Store

__all__ = [
    "WeekRecap",
    "build_post",
    "build_weekly_post",
    "challenge_sections",
    "load_recap",
]

#: How many of last week's finishers are read to find the longest streaks.
RECAP_SCAN = 200
TOP_N = 3


@dataclass(frozen=True)
class WeekRecap:
    """What happened in the guild's previous challenge week.

    ``finishers`` are last week's completers in completion order (first finisher first), at
    most :data:`RECAP_SCAN`; ``completed`` is the full count.
    """

    week: IsoWeek
    challenge_title: str | None
    completed: int
    finishers: tuple[LeaderboardRow, ...]
    season_leaders: tuple[LeaderboardRow, ...]


async def load_recap(
    store: Store, catalog: Catalog, schedule: GuildSchedule, week: IsoWeek
) -> WeekRecap | None:
    """The recap of the guild's latest *sent* post before ``week`` within the season, if any."""
    latest = await store.posts.latest_sent(schedule.guild_id)
    if latest is None:
        return None
    recap_week = planning_week(latest.week)
    if recap_week >= week:
        # This week's post is already out (a caller rebuilding it): recap the one before.
        previous = await store.posts.get(schedule.guild_id, week.previous())
        if previous is None or previous.state is not PostState.SENT:
            return None
        latest, recap_week = previous, week.previous()
    if schedule.season_start is not None and recap_week < IsoWeek.of(schedule.season_start):
        return None  # last season's post: not this season's story
    guild_id = schedule.guild_id
    completed = await store.leaderboards.count_ranked(guild_id, Period.WEEK, week=recap_week)
    finishers = await store.leaderboards.top(
        guild_id, Period.WEEK, week=recap_week, limit=RECAP_SCAN
    )
    leaders = await store.leaderboards.top(guild_id, Period.SEASON, limit=TOP_N)
    try:
        title: str | None = catalog.challenge(latest.challenge_id).title
    except KeyError:
        title = None  # content changed since; the recap still stands without a title
    return WeekRecap(
        week=recap_week,
        challenge_title=title,
        completed=completed,
        finishers=tuple(sorted(finishers, key=lambda row: (row.reached_at, row.user_id))),
        season_leaders=tuple(leaders),
    )


def _name(row: LeaderboardRow) -> str:
    return row.display_name or f"<@{row.user_id}>"


def _lines(items: Iterable[str]) -> str:
    return "\n".join(items)


def challenge_sections(catalog: Catalog, challenge: Challenge) -> list[PostSection]:
    """A challenge as sections (tasks, roadmap step, resources, tools, points): the one way it is
    rendered, in the weekly post and in ``/challenge current``. A reference the catalog cannot
    resolve (a half-reloaded catalog) loses its line instead of failing the whole post."""
    sections = [
        PostSection(
            "Tasks",
            _lines(f"{n}. {task}" for n, task in enumerate(challenge.tasks, start=1)),
        )
    ]
    try:
        step = catalog.roadmap_step(challenge.roadmap_step)
        number = catalog.roadmap_step_number(challenge.roadmap_step)
        sections.append(PostSection("Roadmap step", f"Step {number}: {step.title}"))
    except KeyError:
        pass  # the catalog checks references; a half-reloaded catalog just loses this line
    resources: list[str] = []
    for resource_id in challenge.resources:
        try:
            resource = catalog.resource(resource_id)
        except KeyError:
            continue
        by = resource.provider or resource.author
        resources.append(f"• {resource.name}" + (f" ({by})" if by else ""))
    for certification_id in challenge.certifications:
        try:
            resources.append(f"• {catalog.certification(certification_id).name} (certification)")
        except KeyError:
            continue
    tools = []
    for tool_id in challenge.tools:
        try:
            tools.append(catalog.tool(tool_id).name)
        except KeyError:
            continue
    if tools:
        resources.append("Tools: " + ", ".join(tools))
    if resources:
        sections.append(PostSection("Resources", _lines(resources)))
    sections.append(
        PostSection("Points", f"{plural(challenge.points, 'point')} when you mark it done.")
    )
    return sections


def _recap_sections(recap: WeekRecap, *, names: bool, this_week: IsoWeek) -> list[PostSection]:
    when = "Last week" if recap.week == this_week.previous() else f"Recap of {recap.week}"
    title = f" ({recap.challenge_title})" if recap.challenge_title else ""
    if recap.completed == 0:
        return [
            PostSection(
                f"{when}{title}", "Nobody marked it done yet; it is never too late to finish."
            )
        ]
    sections = [PostSection(f"{when}{title}", f"{plural(recap.completed, 'member')} completed it.")]
    streakers = sorted(
        (row for row in recap.finishers if row.current_streak >= 2),
        key=lambda row: (-row.current_streak, row.reached_at, row.user_id),
    )[:TOP_N]
    first = recap.finishers[0] if recap.finishers else None
    if names:
        if recap.season_leaders:
            sections.append(
                PostSection(
                    "Season leaders",
                    _lines(
                        f"{row.rank}. {_name(row)}: {plural(row.points, 'point')}"
                        for row in recap.season_leaders
                    ),
                )
            )
        if streakers:
            sections.append(
                PostSection(
                    "Longest streaks",
                    _lines(
                        f"{_name(row)}: {plural(row.current_streak, 'week')} in a row"
                        for row in streakers
                    ),
                )
            )
        if first is not None:
            sections.append(
                PostSection(
                    "Shout-out",
                    f"{_name(first)} was the first to finish last week's challenge. Well done!",
                )
            )
    else:
        if streakers:
            best = streakers[0].current_streak
            sections.append(
                PostSection(
                    "Longest streaks",
                    f"The longest current streak is {plural(best, 'week')} in a row.",
                )
            )
        sections.append(
            PostSection(
                "Shout-out",
                f"Thank you to all {plural(recap.completed, 'member')} who finished. Keep going!"
                if recap.completed > 1
                else "Thank you to the member who finished. Keep going!",
            )
        )
    return sections


def build_post(
    catalog: Catalog,
    schedule: GuildSchedule,
    season: SeasonChallenge,
    recap: WeekRecap | None,
    *,
    late: bool = False,
) -> ChallengePost:
    """The post for ``season.week``: challenge sections first, then the recap (pure)."""
    sections = challenge_sections(catalog, season.challenge)
    if recap is not None:
        sections += _recap_sections(recap, names=schedule.leaderboard_public, this_week=season.week)
    return ChallengePost(
        guild_id=schedule.guild_id,
        week=season.week,
        challenge_id=season.challenge.id,
        challenge_number=season.number,
        title=season.challenge.title,
        summary=season.challenge.summary,
        # Whole: the Discord side splits a long section into "(cont.)" fields.
        sections=tuple(sections),
        late=late,
    )


async def build_weekly_post(
    store: Store,
    catalog: Catalog,
    schedule: GuildSchedule,
    season: SeasonChallenge,
    *,
    late: bool = False,
) -> ChallengePost:
    """:func:`load_recap` then :func:`build_post`."""
    recap = await load_recap(store, catalog, schedule, season.week)
    return build_post(catalog, schedule, season, recap, late=late)
