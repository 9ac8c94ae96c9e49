"""Member commands of the weekly challenge: ``/challenge current|done|undo``, ``/progress`` and
``/leaderboard`` (``/privacy`` and ``/forget-me`` are in :mod:`bot.cogs.privacy`).

Each command is a thin shell over an ``answer_*`` coroutine that takes the store, the catalog
and plain ids and returns a :class:`~bot.embeds.Reply` (or text): those are what the unit tests
drive, with a real SQLite store. Private data (own progress, errors, confirmations) is always
ephemeral; the leaderboard is public only where the guild made it so.

"This week's challenge" is the guild's latest *sent* post (the ledger, not the calendar): it is
what the members saw and what the Mark done button records, and it stays open until the next
post goes out, which is also how streaks count it (see :mod:`storage.streaks`).
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import discord
from discord import app_commands

from bot.cards import (
    PROGRESS_FILENAME,
    CellState,
    ProgressModel,
    WeekCell,
    build_progress_model,
    kept_picture,
    progress_alt_text,
    render_off_loop,
    render_progress_card,
)
from bot.cogs.base import ServicesCog
from bot.cooldowns import cooldown
from bot.embeds import Card, Reply, Section, render, render_one
from bot.errors import (
    UserFacingError,
)
from bot.lag import room_to_draw
from bot.views import OwnedView, send_reply
from bot.weekly import (
    CHALLENGE_COLOUR,
    answer_recorded,
    challenge_or_error,
    confirm_in_time,
    discord_time,
    done_view,
    guild_of,
    record_done,
)
from content.limits import NOTE_MAX
from content.models import Catalog, Challenge
from content.text import clean_note, clip, one_line, plural
from scheduler.digest import challenge_sections
from scheduler.season import SeasonStatus, WeekState, load_status
from storage.models import CompletionSource, LeaderboardRow, Period, PostRecord
from storage.store import Store

log = logging.getLogger(__name__)

LEADERBOARD_PAGE_SIZE: Final = 10
LEADERBOARD_TIMEOUT: Final = 180.0
NAME_MAX: Final = 32
#: Seconds a member's command may answer from a copy of the guild's settings and latest post
#: (every interaction reads them; they change a few times a week). This process's own changes
#: are seen at once; another process's (a person with ``sqlite3``) within this long.
MEMBER_READ_AGE: Final = 2.0

PERIODS: Final = {"week": Period.WEEK, "season": Period.SEASON, "all": Period.ALL_TIME}
PERIOD_TITLES: Final = {
    Period.WEEK: "This week",
    Period.SEASON: "This season",
    Period.ALL_TIME: "All time",
}

NOT_CONFIGURED: Final = (
    "There is no weekly challenge in this server yet: a moderator can set one up with "
    "`/admin schedule`."
)


# --------------------------------------------------------------------------- shared pieces


def member_name(display_name: str | None, user_id: int) -> str:
    """A member's cached name made safe for an embed, or their mention (which never pings)."""
    if not display_name:
        return f"<@{user_id}>"
    name = clip(one_line(display_name), NAME_MAX)
    return discord.utils.escape_mentions(discord.utils.escape_markdown(name))


def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server in this channel (what ``/admin`` needs), checked at run time."""
    return interaction.permissions.manage_guild


def when(instant: datetime) -> str:
    """An instant as every viewer's local date and time, with "in 3 days"."""
    return f"{discord_time(instant, 'F')} ({discord_time(instant, 'R')})"


async def current_post(store: Store, guild_id: int) -> PostRecord:
    """The guild's latest sent post, or a friendly error saying why there is none."""
    post = await store.posts.latest_sent(guild_id, max_age=MEMBER_READ_AGE)
    if post is not None:
        return post
    settings = await store.settings.get(guild_id, max_age=MEMBER_READ_AGE)
    if settings is None or settings.channel_id is None:
        raise UserFacingError(NOT_CONFIGURED)
    raise UserFacingError(
        "No challenge has been posted in this server yet. `/challenge current` shows it "
        "as soon as the first weekly post is out."
    )


def challenge_card_sections(catalog: Catalog, challenge: Challenge) -> list[Section]:
    """The challenge as the weekly post shows it (:func:`scheduler.digest.challenge_sections`)."""
    return [
        Section(section.heading, tuple(section.text.splitlines()))
        for section in challenge_sections(catalog, challenge)
    ]


# --------------------------------------------------------------------------- answers


async def answer_current(
    store: Store, catalog: Catalog, *, guild_id: int, user_id: int, now: datetime
) -> tuple[Reply, str | None]:
    """``/challenge current``: the reply and the challenge id its Mark done button is for.

    The current challenge is the server's latest weekly post; what this week holds and what
    comes next are the season module's words (the same as ``/admin show``).
    """
    status = await load_status(store, catalog, guild_id, now, max_age=MEMBER_READ_AGE)
    post = await store.posts.latest_sent(guild_id, max_age=MEMBER_READ_AGE)
    if post is None:
        if status.schedule is None or status.schedule.channel_id is None:
            raise UserFacingError(NOT_CONFIGURED)
        raise UserFacingError(
            status.no_challenge_reason(when) or "No challenge has been posted here yet."
        )
    challenge = challenge_or_error(catalog, post.challenge_id)
    done = await store.progress.get_completion(guild_id, user_id, challenge.id)
    sections = challenge_card_sections(catalog, challenge)
    if done is not None:
        yours = f"✅ Done on {discord_time(done.completed_at, 'D')} (+{done.points} points)."
    else:
        yours = "Not done yet: press **Mark done** below or use `/challenge done`."
    sections.append(Section("You", (yours,)))
    sections.append(Section("When", when_lines(status, post)))
    card = Card(
        title=f"Challenge {challenge.week}: {challenge.name}",
        description=challenge.summary,
        sections=tuple(sections),
        footer=f"Week {post.week} · /progress shows your streak and what is left",
        colour=CHALLENGE_COLOUR,
    )
    return Reply(tuple(render(card)), ephemeral=True), (None if done else challenge.id)


def when_lines(status: SeasonStatus, post: PostRecord) -> tuple[str, ...]:
    """When the shown post went out, and what this week and the next post hold."""
    lines = [f"Posted {discord_time(post.posted_at or post.scheduled_for, 'F')}"]
    reason = status.no_challenge_reason(when)
    upcoming = status.upcoming
    if reason is not None and status.this_week is not None:
        lines.append(reason)  # this week's challenge is not out yet: says when it will be
    elif upcoming is not None:
        lines.append(
            f"Next: challenge {upcoming.number} (**{upcoming.challenge.name}**) "
            f"{discord_time(upcoming.post_at, 'R')}"
        )
    else:
        lines.append(reason or "No next post is planned.")
    return tuple(lines)


async def answer_undo(store: Store, catalog: Catalog, *, guild_id: int, user_id: int) -> str:
    """``/challenge undo``: remove the member's completion of the current challenge."""
    post = await current_post(store, guild_id)
    removed = await store.progress.undo_completion(guild_id, user_id, post.challenge_id)
    try:
        name = discord.utils.escape_markdown(catalog.challenge(post.challenge_id).name)
    except KeyError:
        name = post.challenge_id
    if removed:
        return f"Removed your completion of **{name}**. Mark it done again whenever you like."
    return f"You had not marked **{name}** done, so there was nothing to remove."


async def progress_model(
    store: Store,
    catalog: Catalog,
    *,
    guild_id: int,
    user_id: int,
    shown: str,
    own: bool,
    moderator: bool,
    now: datetime,
) -> ProgressModel:
    """What ``/progress`` shows (text and picture alike), or a friendly refusal.

    ``shown`` is how the member is named in a refusal (:func:`member_name`).
    """
    settings = await store.settings.get(guild_id, max_age=MEMBER_READ_AGE)
    if not own and not moderator and not (settings is not None and settings.leaderboard_public):
        raise UserFacingError(
            "In this server only moderators can look at another member's progress. "
            "Use `/progress` without a member for your own."
        )
    summary = await store.progress.summary(guild_id, user_id)
    if summary is None or (summary.opted_out and not own and not moderator):
        if own:
            raise UserFacingError(
                "You have no recorded progress here yet. `/challenge current` shows this "
                "week's challenge; press Mark done when you finish it."
            )
        raise UserFacingError(f"{shown} has no recorded progress in this server.")
    history = await store.progress.history(guild_id, user_id)
    # Rank from the rank counts: time independent of the guild's size (storage.ranks).
    mine = await store.leaderboards.rank(guild_id, user_id, Period.SEASON)
    ranked = (
        mine.ranked
        if mine is not None
        else await store.leaderboards.count_ranked(guild_id, Period.SEASON)
    )
    status = await load_status(store, catalog, guild_id, now, max_age=MEMBER_READ_AGE)
    return build_progress_model(
        status,
        catalog,
        {record.challenge_id for record in history},
        season_points=summary.season_points,
        all_points=summary.points,
        current_streak=summary.current_streak,
        best_streak=summary.best_streak,
        rank=None if mine is None else mine.rank,
        ranked=ranked,
        opted_out=summary.opted_out,
    )


def progress_reply(model: ProgressModel, *, shown: str, own: bool) -> Reply:
    """``/progress`` as text: the same model the card is drawn from."""
    if model.opted_out:
        rank = "Not ranked (opted out)"
    elif model.rank is None:
        rank = "Not ranked yet this season"
    else:
        rank = f"#{model.rank} of {model.ranked}"
    sections = [
        Section("Season points", (str(model.season_points),), inline=True),
        Section("All-time points", (str(model.all_points),), inline=True),
        Section("Rank this season", (rank,), inline=True),
        Section("Completed", (f"{model.completed} of {len(model.weeks)} challenges",), inline=True),
        Section("Current streak", (plural(model.current_streak, "week"),), inline=True),
        Section("Best streak", (plural(model.best_streak, "week"),), inline=True),
    ]
    done = model.cells(CellState.DONE)
    if done:
        sections.append(Section("Done", tuple(f"✅ {week_line(c)}" for c in done)))
    sections += season_sections(model)
    sections.append(steps_section(model))
    note = model.season_note
    card = Card(
        title=f"Progress of {shown}" if not own else "Your progress",
        description=note if own else f"Member: {shown}" + (f" · {note}" if note else ""),
        sections=tuple(sections),
        footer="Streaks count consecutive weekly posts completed · /privacy",
        colour=CHALLENGE_COLOUR,
    )
    return Reply(tuple(render(card)), ephemeral=True)


async def answer_progress(
    store: Store,
    catalog: Catalog,
    *,
    guild_id: int,
    user_id: int,
    name: str,
    own: bool,
    moderator: bool,
    now: datetime,
) -> Reply:
    """``/progress`` as text: points, streaks, rank and where each week of the season stands."""
    shown = member_name(name, user_id)
    model = await progress_model(
        store,
        catalog,
        guild_id=guild_id,
        user_id=user_id,
        shown=shown,
        own=own,
        moderator=moderator,
        now=now,
    )
    return progress_reply(model, shown=shown, own=own)


def week_line(cell: WeekCell) -> str:
    """``3. Math for machine learning (25 pts)``."""
    return f"{cell.number}. {cell.name} ({cell.points} pts)"


def season_sections(model: ProgressModel) -> list[Section]:
    """The challenges not done yet, grouped by the state of their week (as on the card)."""
    if not model.planned:  # no season planned: everything not done is still ahead
        lines = tuple(f"• {week_line(c)}" for c in model.cells(CellState.AHEAD))
        return [Section("Still ahead on the roadmap", lines or ("Nothing: all done 🎉",))]
    open_now: list[str] = []
    not_posted: list[str] = []
    ahead: list[str] = []
    for cell in model.weeks:
        line = week_line(cell)
        if cell.state is CellState.THIS_WEEK:
            when_posted = "this week's challenge" if cell.current else "the latest post, still open"
            open_now.append(f"⏳ {line}: {when_posted}")
        elif cell.state is CellState.MISSED and cell.week_state is WeekState.POSTED:
            open_now.append(f"✖️ {line}: missed its week")
        elif cell.state is CellState.MISSED:
            not_posted.append(f"– {line}: missed while the bot was offline")
        elif cell.state is CellState.BEFORE_SCHEDULE:
            not_posted.append(f"– {line}: before this server's schedule")
        elif cell.state is CellState.AHEAD and cell.week_state is WeekState.AHEAD:
            assert cell.post_at is not None  # planned weeks have a post time
            ahead.append(f"• {line}, {discord_time(cell.post_at, 'd')}")
        elif cell.state is CellState.AHEAD:
            ahead.append(f"• {line}, being posted")
    sections = []
    if open_now:
        sections.append(Section("Posted, not done yet (Mark done still counts)", tuple(open_now)))
    if not_posted:
        sections.append(Section("Not posted", tuple(not_posted)))
    sections.append(
        Section("Still ahead this season", tuple(ahead) or ("Nothing: the season is done 🎉",))
    )
    return sections


def steps_section(model: ProgressModel) -> Section:
    """Roadmap steps covered (every challenge done) and started."""
    covered = model.covered_steps
    lines = [
        f"✅ {step.name} ({step.done}/{step.total})"
        if step.covered
        else f"◐ {step.name} ({step.done}/{step.total})"
        for step in model.steps
        if step.done
    ]
    return Section(
        f"Roadmap steps covered: {len(covered)} of {len(model.steps)}",
        tuple(lines) or ("None yet: a step is covered when all its challenges are done.",),
    )


def leaderboard_line(row: LeaderboardRow) -> str:
    """One leaderboard row: rank, name, points, challenges and streaks."""
    streak = f" · 🔥 {row.current_streak}" if row.current_streak else ""
    best = f" (best {row.best_streak})" if row.best_streak else ""
    return (
        f"**{row.rank}.** {member_name(row.display_name, row.user_id)} — **{row.points}** pts"
        f" · {plural(row.completions, 'challenge')}{streak}{best}"
    )


#: Ten rows never fill a message; if names ever did, the page says so instead of failing.
LEADERBOARD_OVERFLOW: Final = ("More", "Turn the page with the buttons below.")


@dataclass(frozen=True)
class LeaderboardPage:
    """One page of a leaderboard, ready to show: the embed and where it is in the board."""

    embed: discord.Embed
    page: int  # 0-based
    pages: int


async def leaderboard_page(
    store: Store, *, guild_id: int, period: Period, page: int, viewer_id: int
) -> LeaderboardPage:
    """Page ``page`` (0-based, clamped) of the guild's board, with the viewer's own standing."""
    total = await store.leaderboards.count_ranked(guild_id, period)
    pages = max(1, math.ceil(total / LEADERBOARD_PAGE_SIZE))
    page = max(0, min(page, pages - 1))
    rows = await store.leaderboards.top(
        guild_id, period, limit=LEADERBOARD_PAGE_SIZE, offset=page * LEADERBOARD_PAGE_SIZE
    )
    title = f"Leaderboard · {PERIOD_TITLES[period]}"
    if period is Period.WEEK:
        latest = await store.posts.latest_sent(guild_id, max_age=MEMBER_READ_AGE)
        if latest is not None:
            title += f" ({latest.week})"
    lines = [leaderboard_line(row) for row in rows]
    if not lines:
        lines = ["Nobody is on the board yet: press **Mark done** on the weekly post to start."]
    if all(row.user_id != viewer_id for row in rows):
        mine = await store.leaderboards.rank(guild_id, viewer_id, period)
        if mine is not None:
            lines += ["", f"You: #{mine.rank} with **{mine.points}** pts"]
    card = Card(
        title=title,
        description="\n".join(lines),
        footer=f"Page {page + 1}/{pages} · {plural(total, 'member')} ranked · "
        "ties share a rank; earlier finishers first",
        colour=CHALLENGE_COLOUR,
    )
    return LeaderboardPage(render_one(card, LEADERBOARD_OVERFLOW), page, pages)


# --------------------------------------------------------------------------- views


class LeaderboardView(OwnedView):
    """Previous/Next over a leaderboard, reading each page when it is asked for.

    Only the member who ran the command turns its pages; buttons go away after a timeout.
    """

    refusal = "Only the member who ran `/leaderboard` can turn its pages; run it yourself."

    def __init__(
        self, store: Store, *, guild_id: int, period: Period, shown: LeaderboardPage, owner_id: int
    ) -> None:
        super().__init__(owner_id, timeout=LEADERBOARD_TIMEOUT)
        self.store = store
        self.guild_id = guild_id
        self.period = period
        self.page = shown.page
        self.pages = shown.pages
        self._sync()

    def _sync(self) -> None:
        self.previous_page.disabled = self.page <= 0
        self.next_page.disabled = self.page >= self.pages - 1

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        shown = await leaderboard_page(
            self.store,
            guild_id=self.guild_id,
            period=self.period,
            page=page,
            viewer_id=self.owner_id,
        )
        self.page, self.pages = shown.page, shown.pages
        self._sync()
        await interaction.response.edit_message(embed=shown.embed, view=self)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous_page(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[LeaderboardView]
    ) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.primary)
    async def next_page(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[LeaderboardView]
    ) -> None:
        await self._show(interaction, self.page + 1)


# --------------------------------------------------------------------------- the cog


class ChallengesCog(ServicesCog, name="Challenges"):
    """Member-facing commands of the weekly challenge."""

    challenge = app_commands.Group(
        name="challenge",
        description="This week's roadmap challenge",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )

    @challenge.command(name="current", description="This week's challenge in this server")
    async def current(self, interaction: discord.Interaction[Any]) -> None:
        reply, button_for = await answer_current(
            self.store(),
            self.services.catalog,
            guild_id=guild_of(interaction),
            user_id=interaction.user.id,
            now=self.clock.now(),
        )
        if button_for is None or len(reply.pages) != 1:
            await send_reply(interaction, reply)
            return
        await interaction.response.send_message(
            embed=reply.pages[0], view=done_view(button_for), ephemeral=True
        )

    @challenge.command(name="done", description="Record this week's challenge as done")
    @app_commands.describe(note="Optional: a link or a few words on what you did")
    async def done(
        self,
        interaction: discord.Interaction[Any],
        note: app_commands.Range[str, 1, NOTE_MAX] | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        store = self.store()

        async def record() -> str:
            post = await current_post(store, guild_id)
            return await record_done(
                store,
                self.services.catalog,
                guild_id=guild_id,
                user_id=interaction.user.id,
                display_name=interaction.user.display_name,
                challenge_id=post.challenge_id,
                source=CompletionSource.COMMAND,
                note=clean_note(note),
                publisher=self.services.publisher,
            )

        await answer_recorded(interaction, await confirm_in_time(interaction, record()))

    @challenge.command(name="undo", description="Remove your 'done' mark of this week's challenge")
    async def undo(self, interaction: discord.Interaction[Any]) -> None:
        text = await answer_undo(
            self.store(),
            self.services.catalog,
            guild_id=guild_of(interaction),
            user_id=interaction.user.id,
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(
        name="progress", description="Challenges done, points, streaks, rank and what is left"
    )
    @app_commands.describe(member="Someone else (moderators, or when the leaderboard is public)")
    @app_commands.guild_only()
    async def progress(
        self, interaction: discord.Interaction[Any], member: discord.Member | None = None
    ) -> None:
        target = member or interaction.user
        if target.bot:
            raise UserFacingError("Bots do not take part in the challenges.")
        own = target.id == interaction.user.id
        shown = member_name(target.display_name, target.id)
        model = await progress_model(
            self.store(),
            self.services.catalog,
            guild_id=guild_of(interaction),
            user_id=target.id,
            shown=shown,
            own=own,
            moderator=is_moderator(interaction),
            now=self.clock.now(),
        )
        reply = progress_reply(model, shown=shown, own=own)
        # The picture is drawn off the event loop within a time limit; without it (too slow,
        # or Pillow failed: logged once) the text goes out alone. In a burst nothing is drawn
        # (bot.lag.room_to_draw), though a card drawn before for the same model still goes.
        png = (
            await render_off_loop(render_progress_card, model, what="progress card")
            if room_to_draw(interaction)
            else kept_picture(render_progress_card, model)
        )
        if png is None or len(reply.pages) != 1:
            await send_reply(interaction, reply)
            return
        embed = reply.pages[0]
        embed.set_image(url=f"attachment://{PROGRESS_FILENAME}")
        picture = discord.File(
            io.BytesIO(png), filename=PROGRESS_FILENAME, description=progress_alt_text(model)
        )
        await interaction.response.send_message(embed=embed, file=picture, ephemeral=True)

    @app_commands.command(name="leaderboard", description="Ranking by points, with streaks")
    @app_commands.describe(period="Which completions count (default: this season)", page="Page")
    @app_commands.choices(
        period=[
            app_commands.Choice(name="This week", value="week"),
            app_commands.Choice(name="This season", value="season"),
            app_commands.Choice(name="All time", value="all"),
        ]
    )
    @app_commands.guild_only()
    @cooldown(5, 30.0, key=lambda i: (i.guild_id, i.user.id))
    async def leaderboard(
        self,
        interaction: discord.Interaction[Any],
        period: app_commands.Choice[str] | None = None,
        page: app_commands.Range[int, 1, 10_000] = 1,
    ) -> None:
        guild_id = guild_of(interaction)
        store = self.store()
        settings = await store.settings.get(guild_id, max_age=MEMBER_READ_AGE)
        public = settings is not None and settings.leaderboard_public
        if not public and not is_moderator(interaction):
            raise UserFacingError(
                "In this server the leaderboard is for moderators only (a moderator can make "
                "it public with `/admin leaderboard-visibility`). `/progress` shows your own."
            )
        chosen = PERIODS[period.value if period else "season"]
        shown = await leaderboard_page(
            store, guild_id=guild_id, period=chosen, page=page - 1, viewer_id=interaction.user.id
        )
        ephemeral = not public
        if shown.pages < 2:
            await interaction.response.send_message(embed=shown.embed, ephemeral=ephemeral)
            return
        view = LeaderboardView(
            store, guild_id=guild_id, period=chosen, shown=shown, owner_id=interaction.user.id
        )
        await interaction.response.send_message(embed=shown.embed, view=view, ephemeral=ephemeral)
        view.attach(interaction)
