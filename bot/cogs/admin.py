"""Moderator commands: ``/admin schedule|show|pause|resume|post-now|leaderboard-visibility|
mark|unmark|export|report`` and ``/admin rewards add|remove|list`` (milestone roles).

The group carries ``default_member_permissions`` Manage Server (Discord hides it from others) and
the cog checks Manage Server again on every invocation, since server admins can change who sees
a command. Every reply is ephemeral. Input is validated by the scheduler's own parsers, so a bad
weekday, time or zone gets the same friendly message everywhere.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import zoneinfo
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any, Final

import discord
from discord import app_commands
from rapidfuzz import fuzz, utils

from bot.cards import (
    CHART_FILENAME,
    ChartWeek,
    SeasonChart,
    chart_alt_text,
    render_off_loop,
    render_season_chart,
    season_note,
)
from bot.cogs.base import ServicesCog
from bot.cooldowns import cooldown
from bot.errors import NotFoundError, UserFacingError, echo
from bot.permissions import POST_PERMISSIONS, RECOVERY_PERMISSION
from bot.reload import reload_content
from bot.rewards import check_assignable, role_problem_text
from bot.weekly import discord_time, guild_of
from content.limits import MAX_CHOICES, NOTE_MAX
from content.models import Catalog, Challenge
from content.text import clean_note, clip, csv_cell
from scheduler.jobs import Outcome, PostOutcome
from scheduler.planning import WEEKDAY_NAMES, WeeklySchedule
from scheduler.ports import MissingPermissions, RoleNotAssignable
from scheduler.rewards import describe_rule, reward_member
from scheduler.season import (
    EARLIEST_SEASON_START,
    LATEST_SEASON_START,
    SEASON_RULE,
    SeasonStatus,
    WeekState,
    default_season_start,
    load_status,
)
from scheduler.zones import COMMON_ZONES, rank_zones  # noqa: F401 (COMMON_ZONES re-exported)
from storage.models import EXPORT_HEADER, CompletionSource, ExportRow, GuildSchedule
from storage.reports import WeekWindow
from storage.rewards import RewardKind, RewardRule
from storage.store import Store

OUTCOME_TEXT: Final = {
    "sent": "✅ Posted this week's challenge.",
    "already_sent": "This week's challenge is already posted; I do not post it twice.",
    "failed": "❌ Posting failed",
    "not_due": "This week's post time has not come yet.",
    "missed": "This week's post was given up as missed (too late to send).",
    "no_challenge": "Nothing to post this week.",
    "not_configured": "Set the schedule first with `/admin schedule`.",
}


def describe_outcome(outcome: PostOutcome) -> str:
    """What ``/admin post-now`` tells the moderator."""
    status = Outcome(outcome.outcome).value
    text = OUTCOME_TEXT.get(status, f"Result: {status}")
    if outcome.outcome is Outcome.SENT and outcome.recovered:
        text = "✅ This week's post was already in the channel (found after a restart)."
    if outcome.message_id is not None and outcome.outcome in (Outcome.SENT, Outcome.ALREADY_SENT):
        text += f" Message id {outcome.message_id}."
    if outcome.outcome is Outcome.FAILED:
        text += f": {echo(outcome.reason)}." if outcome.reason else "."
        text += " Fix it and run `/admin post-now` again."
    elif outcome.reason and outcome.outcome is not Outcome.NO_CHALLENGE:
        text += f" ({echo(outcome.reason)})"  # no challenge: the season module explains
    return text


# --------------------------------------------------------------------------- pure helpers


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    """Up to 25 IANA zones for what was typed, ranked by :func:`scheduler.zones.rank_zones`
    ("IST": Asia/Kolkata first, then its other meanings)."""
    return [app_commands.Choice(name=zone, value=zone) for zone in rank_zones(current)]


def weekday_choices(current: str) -> list[app_commands.Choice[str]]:
    """Weekday names for what was typed (by its first three letters), else all seven."""
    typed = current.strip().lower()
    return [
        app_commands.Choice(name=day, value=day)
        for day in WEEKDAY_NAMES
        if day.lower().startswith(typed[:3]) or not typed
    ] or [app_commands.Choice(name=day, value=day) for day in WEEKDAY_NAMES]


def challenge_choices(catalog: Catalog, current: str) -> list[app_commands.Choice[str]]:
    """Up to 25 challenges whose name, id or week number matches what was typed."""
    typed = current.strip().lower()
    found = [
        c
        for c in catalog.challenges
        if not typed or typed in c.name.lower() or typed in c.id or typed == str(c.week)
    ]
    return [
        app_commands.Choice(name=f"Week {c.week}: {c.name}"[:100], value=c.id)
        for c in found[:MAX_CHOICES]
    ]


#: How many "did you mean" names a moderator gets for a challenge that matches nothing.
CHALLENGE_SUGGESTIONS: Final = 3
#: A suggestion scores at least this (0-100) and is within SUGGEST_WITHIN of the best one.
SUGGEST_AT_LEAST: Final = 60
SUGGEST_WITHIN: Final = 10


def find_challenge(catalog: Catalog, typed: str) -> Challenge:
    """A challenge by id (what autocomplete sends), exact name or week number.

    Anything else is "not found" with the closest challenges (for the moderator who typed it),
    never another challenge's record.
    """
    text = typed.strip()
    for challenge in catalog.challenges:
        if text in (challenge.id, str(challenge.week)) or text.lower() == challenge.name.lower():
            return challenge
    if text.isdigit():
        raise UserFacingError(
            f"There is no challenge {echo(text)}: the season has challenges 1 to "
            f"{len(catalog.challenges)}. Pick one from the list as you type."
        )
    raise NotFoundError("challenge", text, challenge_suggestions(catalog, text))


def challenge_suggestions(catalog: Catalog, typed: str) -> list[str]:
    """Up to :data:`CHALLENGE_SUGGESTIONS` "week. name" labels close to ``typed``, best first.

    A word of the name (``mathh``) or all of its words (``math for ml``) count; only names
    about as close as the best one are offered, so a shared "for" suggests nothing.
    """
    query = utils.default_process(typed)
    scored = []
    for challenge in catalog.challenges:
        target = utils.default_process(f"{challenge.id} {challenge.name}")
        score = max(fuzz.token_set_ratio(query, target), fuzz.partial_ratio(query, target))
        scored.append((score, f"{challenge.week}. {challenge.name}"))
    scored.sort(key=lambda item: -item[0])  # stable: ties keep season order
    best = scored[0][0] if scored else 0
    return [
        label
        for score, label in scored[:CHALLENGE_SUGGESTIONS]
        if score >= SUGGEST_AT_LEAST and score >= best - SUGGEST_WITHIN
    ]


def parse_schedule(weekday: str, time: str, timezone: str) -> WeeklySchedule:
    """A weekly schedule from the options, or a friendly error naming what is wrong."""
    try:
        return WeeklySchedule.from_strings(weekday, time, timezone)
    except ValueError as error:
        raise UserFacingError(discord.utils.escape_mentions(str(error))) from None


def parse_season_start(text: str) -> date:
    """A season's first day (YYYY-MM-DD) within the supported range, or a friendly error."""
    try:
        start = date.fromisoformat(text.strip())
    except ValueError:
        raise UserFacingError(
            f"“{echo(text)}” is not a date; use YYYY-MM-DD, e.g. 2026-01-05."
        ) from None
    if not EARLIEST_SEASON_START <= start <= LATEST_SEASON_START:
        raise UserFacingError(
            f"A season must start between {EARLIEST_SEASON_START.isoformat()} and "
            f"{LATEST_SEASON_START.isoformat()}; got {start.isoformat()}."
        )
    return start


def export_csv(rows: Sequence[ExportRow]) -> bytes:
    """UTF-8 CSV with a header row (``storage.models.EXPORT_HEADER``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")


def when(instant: datetime) -> str:
    """An instant as every viewer's local date and time, with "in 3 days"."""
    return f"{discord_time(instant, 'F')} ({discord_time(instant, 'R')})"


def describe_settings(status: SeasonStatus) -> list[str]:
    """The lines ``/admin show`` and ``/admin schedule`` answer with (season module's words)."""
    settings = status.schedule
    assert settings is not None
    schedule = WeeklySchedule(
        settings.weekday, settings.post_time, zoneinfo.ZoneInfo(settings.timezone)
    )
    channel = f"<#{settings.channel_id}>" if settings.channel_id else "no channel yet"
    lines = [
        f"**Weekly post:** {schedule.describe()} in {channel}",
        f"**Season:** {status.season_line()}",
        f"**Rule:** {SEASON_RULE}",
    ]
    note = status.before_schedule_note()
    if note:
        lines.append(f"**Not posted:** {note} `/admin post-now` posts a week in its own week.")
    lines.append("**State:** " + ("running" if settings.enabled else "paused (`/admin resume`)"))
    upcoming = status.upcoming
    if upcoming is not None:
        lines.append(
            f"**Next post:** challenge {upcoming.number} (**{upcoming.challenge.name}**) "
            f"{when(upcoming.post_at)}"
        )
    elif settings.enabled:
        lines.append("**Next post:** none planned (no challenge left in the season)")
    reason = status.no_challenge_reason(when)
    if reason is not None:
        lines.append(f"**This week:** {reason}")
    visibility = "public" if settings.leaderboard_public else "moderators only"
    lines.append(f"**Leaderboard:** {visibility}")
    lines.append(
        "**Discussion threads:** "
        + (
            "on (a thread on each weekly post)"
            if settings.threads
            else "off (`/admin schedule threads:True`)"
        )
    )
    return lines


async def season_report(
    store: Store, catalog: Catalog, guild_id: int, now: datetime
) -> tuple[SeasonChart, str]:
    """``/admin report``: the chart of the season's weeks and the same numbers in words.

    A week runs from Monday 00:00 to the next Monday on the guild's own calendar (the weeks
    the season module counts in); a week counts as started from its Monday on.
    """

    def plural_members(count: int) -> str:
        return "1 member" if count == 1 else f"{count} members"

    status = await load_status(store, catalog, guild_id, now)
    schedule = status.schedule
    if schedule is None or not status.weeks:
        raise UserFacingError(
            status.no_challenge_reason(when) or "There is no season to report on yet."
        )
    zone = zoneinfo.ZoneInfo(schedule.timezone)
    windows = [
        WeekWindow(
            plan.challenge.id,
            datetime.combine(plan.week.monday(), time(0), zone),
            datetime.combine(plan.week.next().monday(), time(0), zone),
        )
        for plan in status.weeks
    ]
    activity = await store.reports.season_activity(guild_id, windows)
    weeks = tuple(
        ChartWeek(
            plan.number,
            completions,
            active,
            started=window.start <= now,
            posted=plan.state is WeekState.POSTED,
            current=plan.week == status.week,
        )
        for plan, window, completions, active in zip(
            status.weeks, windows, activity.completions, activity.active, strict=True
        )
    )
    note = season_note(status)
    chart = SeasonChart(weeks, activity.participants, note)
    lines = [f"**Season report** · {note} · {plural_members(chart.participants)} took part."]
    started = [week for week in weeks if week.started]
    for week in started[-3:][::-1]:
        label = "This week" if week.current else f"Week {week.number}"
        share = (
            f" ({round(100 * week.completions / chart.participants)}%)"
            if chart.participants
            else ""
        )
        done = f"{week.completions} completed{share}" if week.posted else "not posted"
        lines.append(
            f"{label} (challenge {week.number}): {done}, {plural_members(week.active)} active."
        )
    lines.append("Bars: completions of each week's challenge; line: members active that week.")
    return chart, "\n".join(lines)


#: Milestone roles per server (a member's "Recorded" reply names each one reached).
MAX_REWARDS: Final = 10
#: Bounds of ``/admin rewards add``: a streak of ten years, a million points.
MAX_REWARD_STREAK: Final = 520
MAX_REWARD_POINTS: Final = 1_000_000


# --------------------------------------------------------------------------- the cog


class AdminCog(ServicesCog, name="Admin"):
    """``/admin ...``: schedule, posting, corrections and export, for Manage Server."""

    admin = app_commands.Group(
        name="admin",
        description="Weekly challenge settings and corrections (moderators)",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        default_permissions=discord.Permissions(manage_guild=True),
    )

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        # Checked again at run time: ``default_member_permissions`` is only the default.
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def _settings(self, guild_id: int) -> GuildSchedule:
        settings = await self.store().settings.get(guild_id)
        if settings is None:
            raise UserFacingError(
                "Nothing is set up yet: start with `/admin schedule` (channel, weekday, time, "
                "time zone)."
            )
        return settings

    async def _save(self, settings: GuildSchedule, actor_id: int) -> None:
        """Save and re-arm the guild's timer."""
        await self.store().settings.save(settings, actor_id=actor_id)
        await self.services.scheduler.reschedule(settings.guild_id)

    async def _reply(self, interaction: discord.Interaction[Any], text: str) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(text[:2000], ephemeral=True)
        else:
            await interaction.response.send_message(text[:2000], ephemeral=True)

    # ------------------------------------------------------------------ schedule

    @admin.command(name="schedule", description="Where and when the weekly challenge is posted")
    @app_commands.describe(
        channel="Channel for the weekly post",
        weekday="Day of the week, e.g. Monday",
        time="Local time, 24-hour HH:MM, e.g. 09:30",
        timezone="IANA time zone, e.g. Europe/Berlin",
        season_start="First day of the season, YYYY-MM-DD (default: keep, or this week)",
        threads="Start a discussion thread on each weekly post (default: keep, or on)",
    )
    async def schedule(  # noqa: PLR0917 -- Discord passes options positionally
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        weekday: app_commands.Range[str, 1, 20],
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64],
        season_start: app_commands.Range[str, 1, 20] | None = None,
        threads: bool | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        planned = parse_schedule(weekday, time, timezone)
        now = self.clock.now()
        existing = await self.store().settings.get(guild_id)
        warning = self._check_channel(interaction, channel)
        settings = GuildSchedule(
            guild_id=guild_id,
            channel_id=channel.id,
            weekday=planned.weekday,
            post_time=planned.local_time,
            timezone=planned.zone.key,
            season_start=existing.season_start if existing else None,
            enabled=existing.enabled if existing else True,
            leaderboard_public=existing.leaderboard_public if existing else False,
            threads=(existing.threads if existing else True) if threads is None else threads,
        )
        if season_start is not None:
            settings = _replace(settings, season_start=parse_season_start(season_start))
        elif settings.season_start is None:
            settings = _replace(settings, season_start=default_season_start(settings, now))
        await self._save(settings, interaction.user.id)
        status = await load_status(self.store(), self.services.catalog, guild_id, now)
        lines = ["Saved.", *describe_settings(status)]
        if warning:
            lines.append(warning)
        await self._reply(interaction, "\n".join(lines))

    def _check_channel(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel
    ) -> str | None:
        """Refuse a channel the bot cannot post in; a warning if it cannot read its history."""
        guild = interaction.guild
        me = guild.me if guild is not None else None
        cached = guild.get_channel(channel.id) if guild is not None else None
        if me is None or not isinstance(cached, discord.TextChannel):
            return None  # not cached: the first post will tell the moderators if it fails
        permissions = cached.permissions_for(me)
        missing = [p for p in POST_PERMISSIONS if not getattr(permissions, p)]
        if missing:
            names = ", ".join(p.replace("_", " ").title() for p in missing)
            raise UserFacingError(
                f"I cannot post in {cached.mention}: I need {names} there. "
                "Grant it and run `/admin schedule` again."
            )
        if not getattr(permissions, RECOVERY_PERMISSION):
            return (
                f"⚠️ Give me Read Message History in {cached.mention}, so after a crash I can "
                "find a post I already sent instead of guessing."
            )
        return None

    @schedule.autocomplete("timezone")
    async def schedule_timezone(
        self, _interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @schedule.autocomplete("weekday")
    async def schedule_weekday(
        self, _interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return weekday_choices(current)

    @admin.command(name="show", description="This server's weekly challenge settings")
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_of(interaction)
        await self._settings(guild_id)
        status = await load_status(self.store(), self.services.catalog, guild_id, self.clock.now())
        lines = describe_settings(status)
        latest = await self.store().posts.latest_sent(guild_id)
        if latest is not None:
            sent_at = latest.posted_at or latest.scheduled_for
            link = (
                f"https://discord.com/channels/{guild_id}/{latest.channel_id}/{latest.message_id}"
            )
            lines.append(f"**Last post:** {latest.week}, {discord_time(sent_at, 'f')} ({link})")
        await self._reply(interaction, "\n".join(lines))

    @admin.command(name="pause", description="Stop the weekly posts (settings are kept)")
    async def pause(self, interaction: discord.Interaction[Any]) -> None:
        settings = await self._settings(guild_of(interaction))
        if not settings.enabled:
            await self._reply(interaction, "Already paused. `/admin resume` starts posting again.")
            return
        await self._save(_replace(settings, enabled=False), interaction.user.id)
        await self._reply(interaction, "Paused: no weekly posts until `/admin resume`.")

    @admin.command(name="resume", description="Start the weekly posts again")
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        settings = await self._settings(guild_of(interaction))
        if settings.enabled:
            await self._reply(interaction, "The weekly posts are already running.")
            return
        await self._save(_replace(settings, enabled=True), interaction.user.id)
        status = await load_status(
            self.store(), self.services.catalog, settings.guild_id, self.clock.now()
        )
        lines = ["Resumed."]
        if status.upcoming is not None:
            lines.append(f"Next post: {when(status.upcoming.post_at)}.")
        reason = status.no_challenge_reason(when)
        if reason is not None:
            lines.append(f"This week: {reason}")
        await self._reply(interaction, " ".join(lines))

    @admin.command(name="post-now", description="Post this week's challenge now (never twice)")
    async def post_now(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_of(interaction)
        before = await self._settings(guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.services.scheduler.post_now(guild_id, actor_id=interaction.user.id)
        status = await load_status(self.store(), self.services.catalog, guild_id, self.clock.now())
        lines = [describe_outcome(outcome)]
        after = status.schedule
        if after is not None and after.season_start != before.season_start and outcome.ok:
            lines.insert(0, f"The season starts this week (season start: {after.season_start}).")
        if outcome.outcome is Outcome.NO_CHALLENGE:
            lines.append(status.no_challenge_reason(when) or "")
        elif status.upcoming is not None:
            upcoming = status.upcoming
            lines.append(
                f"Next: challenge {upcoming.number} (**{upcoming.challenge.name}**) "
                f"{when(upcoming.post_at)}."
            )
        await self._reply(interaction, "\n".join(line for line in lines if line))

    @admin.command(
        name="reload-content",
        description="Re-read the content YAML (for every server); invalid files change nothing",
    )
    @cooldown(1, 30.0, key=lambda i: i.guild_id)
    async def reload_content_command(self, interaction: discord.Interaction[Any]) -> None:
        # Content is the operator's files, shared by every server: re-reading them is harmless,
        # so any moderator may ask (e.g. after the operator deployed an edit).
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await reload_content(self.services.content, self.services.settings.content_dir)
        await self._reply(interaction, report.summary())

    @admin.command(
        name="leaderboard-visibility", description="Who can see /leaderboard and others' progress"
    )
    @app_commands.describe(visibility="public: every member; moderators: Manage Server only")
    @app_commands.choices(
        visibility=[
            app_commands.Choice(name="public", value="public"),
            app_commands.Choice(name="moderators", value="moderators"),
        ]
    )
    async def leaderboard_visibility(
        self, interaction: discord.Interaction[Any], visibility: app_commands.Choice[str]
    ) -> None:
        settings = await self._settings(guild_of(interaction))
        public = visibility.value == "public"
        if settings.leaderboard_public != public:
            await self.store().settings.save(
                _replace(settings, leaderboard_public=public), actor_id=interaction.user.id
            )
        text = (
            "The leaderboard is now public: every member can use `/leaderboard`, see others' "
            "`/progress`, and the weekly recap names the top members."
            if public
            else "The leaderboard is now for moderators only; the weekly recap gives numbers only."
        )
        await self._reply(interaction, text)

    # ------------------------------------------------------------------ corrections

    @admin.command(name="mark", description="Record a challenge as done for a member")
    @app_commands.describe(
        member="The member", challenge="The challenge", note="Why (kept in the audit log)"
    )
    async def mark(
        self,
        interaction: discord.Interaction[Any],
        member: discord.Member,
        challenge: app_commands.Range[str, 1, 100],
        note: app_commands.Range[str, 1, NOTE_MAX] | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        if member.bot:
            raise UserFacingError("Bots do not take part in the challenges.")
        found = find_challenge(self.services.catalog, challenge)
        result = await self.store().progress.record_completion(
            guild_id,
            member.id,
            found.id,
            points=found.points,
            source=CompletionSource.MODERATOR,
            note=clean_note(note),
            display_name=member.display_name,
            actor_id=interaction.user.id,
        )
        name = discord.utils.escape_markdown(found.name)
        if result.recorded:
            text = (
                f"Marked **{name}** done for {member.mention} (+{found.points} points). "
                "Recorded in the audit log."
            )
            # Milestone roles; never raises.
            await reward_member(self.store(), self.services.publisher, guild_id, member.id)
        else:
            when = discord_time(result.completion.completed_at, "D")
            text = f"{member.mention} already has **{name}** (since {when}); nothing changed."
        await self._reply(interaction, text)

    @admin.command(name="unmark", description="Remove a member's completion of a challenge")
    @app_commands.describe(
        member="The member", challenge="The challenge", reason="Why (kept in the audit log)"
    )
    async def unmark(
        self,
        interaction: discord.Interaction[Any],
        member: discord.Member,
        challenge: app_commands.Range[str, 1, 100],
        reason: app_commands.Range[str, 1, NOTE_MAX] | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        found = find_challenge(self.services.catalog, challenge)
        removed = await self.store().progress.undo_completion(
            guild_id,
            member.id,
            found.id,
            actor_id=interaction.user.id,
            reason=clean_note(reason),
        )
        name = discord.utils.escape_markdown(found.name)
        text = (
            f"Removed {member.mention}'s completion of **{name}**. Recorded in the audit log."
            if removed
            else f"{member.mention} had not completed **{name}**; nothing changed."
        )
        await self._reply(interaction, text)

    @mark.autocomplete("challenge")
    @unmark.autocomplete("challenge")
    async def challenge_autocomplete(
        self, _interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return challenge_choices(self.services.catalog, current)

    @admin.command(name="export", description="The season's progress as a CSV file")
    @app_commands.describe(period="season: every completion this season; week: the latest post's")
    @app_commands.choices(
        period=[
            app_commands.Choice(name="season", value="season"),
            app_commands.Choice(name="week", value="week"),
        ]
    )
    @cooldown(2, 60.0, key=lambda i: i.guild_id)
    async def export(
        self, interaction: discord.Interaction[Any], period: app_commands.Choice[str] | None = None
    ) -> None:
        guild_id = guild_of(interaction)
        store = self.store()
        rows = await store.export.season_rows(guild_id)
        label = "season"
        if period is not None and period.value == "week":
            latest = await store.posts.latest_sent(guild_id)
            week = str(latest.week) if latest is not None else None
            rows = [row for row in rows if week is not None and row.week == week]
            label = week or "week"
        data = export_csv(rows)
        stamp = self.clock.now().strftime("%Y%m%d")
        file = discord.File(io.BytesIO(data), filename=f"mlebot-{label}-{stamp}.csv")
        text = f"{len(rows)} completions ({label}); opted-out members are left out. Times are UTC."
        await interaction.response.send_message(text, file=file, ephemeral=True)

    @admin.command(name="report", description="A chart of the season: completions and activity")
    @cooldown(2, 60.0, key=lambda i: i.guild_id)
    async def report(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_of(interaction)
        await self._settings(guild_id)
        chart, text = await season_report(
            self.store(), self.services.catalog, guild_id, self.clock.now()
        )
        png = await render_off_loop(render_season_chart, chart, what="season chart")
        if png is None:  # too slow or failed (logged once): the numbers alone
            await self._reply(interaction, text)
            return
        picture = discord.File(
            io.BytesIO(png), filename=CHART_FILENAME, description=chart_alt_text(chart)
        )
        await interaction.response.send_message(text, file=picture, ephemeral=True)

    # ------------------------------------------------------------------ milestone roles

    rewards = app_commands.Group(
        name="rewards", description="Milestone roles: a role for a streak or points", parent=admin
    )

    @rewards.command(name="add", description="Give a role when a member reaches a milestone")
    @app_commands.describe(
        role="The role to give",
        streak="Weeks in a row (give exactly one of streak or points)",
        points="Season points (give exactly one of streak or points)",
        remove_when_broken="Streak only: take the role away when the streak breaks (default no)",
    )
    async def rewards_add(
        self,
        interaction: discord.Interaction[Any],
        role: discord.Role,
        streak: app_commands.Range[int, 1, MAX_REWARD_STREAK] | None = None,
        points: app_commands.Range[int, 1, MAX_REWARD_POINTS] | None = None,
        remove_when_broken: bool | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        rule = reward_rule(guild_id, role.id, streak, points, remove_when_broken=remove_when_broken)
        if interaction.guild is not None:  # the cached guild knows the bot's roles
            try:
                guild = interaction.guild
                check_assignable(guild, guild.get_role(role.id) or role, role.id)
            except (MissingPermissions, RoleNotAssignable) as error:
                raise UserFacingError(role_problem_text(error, role.mention)) from None
        store = self.store()
        existing = {r.role_id for r in await store.rewards.for_guild(guild_id)}
        if role.id not in existing and len(existing) >= MAX_REWARDS:
            raise UserFacingError(
                f"This server has {MAX_REWARDS} milestone roles, the most I keep. Remove one "
                "with `/admin rewards remove` first."
            )
        saved = await store.rewards.add(rule)
        verb = "Updated" if role.id in existing else "Saved"
        text = f"{verb}: members who reach {describe_rule(saved)} get {role.mention}."
        if saved.remove_when_broken:
            text += " It is taken away when their streak breaks."
        text += (
            " Members get it when they mark a challenge done; those who are already there get"
            " it with the next weekly post."
        )
        await self._reply(interaction, text)

    @rewards.command(name="remove", description="Stop giving a milestone role")
    @app_commands.describe(role="The milestone role")
    async def rewards_remove(
        self, interaction: discord.Interaction[Any], role: discord.Role
    ) -> None:
        guild_id = guild_of(interaction)
        if not await self.store().rewards.remove(guild_id, role.id):
            raise UserFacingError(
                f"{role.mention} is not a milestone role here. `/admin rewards list` shows them."
            )
        await self._reply(
            interaction,
            f"Removed: I no longer give {role.mention}. Members who have it keep it (Server "
            "Settings > Roles can take it away).",
        )

    @rewards.command(name="list", description="This server's milestone roles")
    async def rewards_list(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_of(interaction)
        store = self.store()
        rules = await store.rewards.for_guild(guild_id)
        if not rules:
            await self._reply(
                interaction,
                "No milestone roles yet. Add one with "
                "`/admin rewards add role:@Consistent streak:4`.",
            )
            return
        lines = ["**Milestone roles**"]
        for rule in rules:
            holders = len(await store.rewards.holders(guild_id, rule.role_id))
            line = f"• <@&{rule.role_id}>: {describe_rule(rule)}"
            if rule.remove_when_broken:
                line += ", taken away when the streak breaks"
            line += f" ({holders} {'member has' if holders == 1 else 'members have'} it)"
            if rule.problem:
                line += f"\n  ⚠️ Last problem: {echo(clip(rule.problem, 200))}"
            lines.append(line)
        await self._reply(interaction, "\n".join(lines))


def reward_rule(
    guild_id: int,
    role_id: int,
    streak: int | None,
    points: int | None,
    *,
    remove_when_broken: bool | None,
) -> RewardRule:
    """The reward ``/admin rewards add`` asked for, or a friendly error."""
    if (streak is None) == (points is None):
        raise UserFacingError(
            "Give exactly one milestone: `streak:` (weeks in a row) or `points:` (season points)."
        )
    if streak is not None:
        kind, threshold = RewardKind.STREAK, streak
    else:
        if remove_when_broken:
            raise UserFacingError(
                "`remove_when_broken` is for streak milestones; points are never lost."
            )
        kind, threshold = RewardKind.POINTS, points or 0
    return RewardRule(
        guild_id, role_id, kind, threshold, remove_when_broken=bool(remove_when_broken)
    )


def _replace(settings: GuildSchedule, **changes: Any) -> GuildSchedule:
    return dataclasses.replace(settings, **changes)
