"""The progress card and the season chart: model, text, picture and alt text agree.

A real SQLite store holds a season of the bundled content (Mondays 09:00 Europe/Berlin from
2026-W46) whose schedule was set the day after challenge 1's post time: week 1 is "before the
schedule", week 2 is posted and done, week 3 posted and not done, week 4 missed while the bot
was offline, week 5 (the current week) posted and open, the rest ahead. The clock is fixed.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import random
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.utils import MISSING
from discord.webhook.async_ import interaction_message_response_params
from PIL import Image

import bot.cards as cards
from bot.cards import (
    ALT_TEXT_LIMIT,
    BACKGROUND,
    BAR,
    CELL_FILL,
    PLOT,
    CellState,
    ProgressModel,
    SeasonChart,
    WeekCell,
    chart_alt_text,
    progress_alt_text,
    progress_layout,
    render_off_loop,
    render_progress_card,
    render_season_chart,
)
from bot.cogs.admin import AdminCog, season_report
from bot.cogs.challenges import ChallengesCog, progress_model, progress_reply
from bot.lag import PICTURE_LAG, Admission, LagMeter, room_to_draw
from bot.services import Services
from content.models import Catalog
from storage.models import GuildSchedule
from storage.store import Store, open_store
from tests.bot.conftest import assert_reply_valid
from tests.fakediscord.validation import assert_valid, validate_interaction_callback

GUILD, CHANNEL = 700_000_000_000_000_001, 700_000_000_000_000_002
ADA, LIN, MOD = 2001, 2002, 2003
SET_UP_AT = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)  # Tuesday of W46: after challenge 1's post
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # Wednesday of W50: challenge 5's week


def monday(week: int) -> datetime:
    """09:00 Berlin (08:00 UTC in winter) on the Monday of 2026-W``week``."""
    return datetime.fromisocalendar(2026, week, 1).replace(hour=8, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = SET_UP_AT

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def no_kept_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no picture kept from another (they share the process)."""
    monkeypatch.setattr(cards, "_kept", cards._Kept(cards.PICTURES_KEPT))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    clock = Clock()
    async with await open_store(tmp_path / "bot.db", clock=clock) as opened:
        await opened.settings.save(
            GuildSchedule(
                guild_id=GUILD,
                channel_id=CHANNEL,
                weekday=0,
                post_time=time(9, 0),
                timezone="Europe/Berlin",
                season_start=date(2026, 11, 9),
            )
        )
        yield opened


async def post(store: Store, catalog: Catalog, week: int, *, missed: bool = False) -> None:
    challenge = catalog.challenges[week - 46]
    claim = await store.posts.claim(
        GUILD,
        (2026, week),
        challenge_id=challenge.id,
        channel_id=CHANNEL,
        scheduled_for=monday(week),
    )
    if missed:
        await store.posts.mark_missed(claim.post.post_id, reason="offline")
    else:
        await store.posts.mark_sent(claim.post.post_id, message_id=week, posted_at=monday(week))


async def complete(store: Store, catalog: Catalog, user: int, number: int, at: datetime) -> None:
    challenge = catalog.challenges[number - 1]
    await store.progress.record_completion(
        GUILD, user, challenge.id, points=challenge.points, completed_at=at, display_name="x"
    )


async def season(store: Store, catalog: Catalog, *, through: int = 50) -> None:
    """Weeks 47..``through`` posted (49 missed); Ada did challenge 2, Lin did 2, 3 and 5."""
    for week in range(47, through + 1):
        await post(store, catalog, week, missed=week == 49)
    await complete(store, catalog, ADA, 2, monday(47) + timedelta(days=1))
    await complete(store, catalog, LIN, 2, monday(47) + timedelta(days=2))
    await complete(store, catalog, LIN, 3, monday(48) + timedelta(days=8))  # late: in W49
    if through >= 50:
        await complete(store, catalog, LIN, 5, monday(50) + timedelta(hours=2))


async def ada(store: Store, catalog: Catalog, now: datetime = NOW) -> ProgressModel:
    return await progress_model(
        store,
        catalog,
        guild_id=GUILD,
        user_id=ADA,
        shown="Ada",
        own=True,
        moderator=False,
        now=now,
    )


def states(model: ProgressModel) -> dict[int, CellState]:
    return {cell.number: cell.state for cell in model.weeks}


# --------------------------------------------------------------------------- the model


async def test_each_week_gets_its_state_from_the_season_and_the_members_completions(
    store: Store, catalog: Catalog
) -> None:
    await season(store, catalog)
    model = await ada(store, catalog)
    assert len(model.weeks) == len(catalog.challenges)
    expected = {
        1: CellState.BEFORE_SCHEDULE,
        2: CellState.DONE,
        3: CellState.MISSED,  # posted, not done, and no longer the open challenge
        4: CellState.MISSED,  # the bot was offline: not posted
        5: CellState.THIS_WEEK,
    }
    expected |= {n: CellState.AHEAD for n in range(6, len(catalog.challenges) + 1)}
    assert states(model) == expected
    assert [cell.number for cell in model.weeks if cell.current] == [5]
    assert model.season_note == f"Week 5 of {len(catalog.challenges)}"
    assert (model.completed, model.season_points) == (1, catalog.challenges[1].points)
    assert (model.rank, model.ranked) == (2, 2)
    # Week 4 was not posted, so it neither counts nor breaks the streak; week 3 broke it.
    assert (model.current_streak, model.best_streak) == (0, 1)
    programming = next(s for s in model.steps if s.name == "Learn programming")
    assert (programming.done, programming.total, programming.covered) == (1, 2, False)


async def test_before_this_weeks_post_the_latest_post_is_the_open_one(
    store: Store, catalog: Catalog
) -> None:
    await season(store, catalog, through=49)  # W50's post (Monday 09:00 Berlin) not out yet
    early = monday(50) - timedelta(hours=2)
    model = await ada(store, catalog, early)
    assert states(model)[3] is CellState.THIS_WEEK  # challenge 3: the latest post, still open
    assert states(model)[5] is CellState.AHEAD
    assert [cell.number for cell in model.weeks if cell.current] == [5]
    fields = {
        f.name: f.value or "" for f in progress_reply(model, shown="A", own=True).pages[0].fields
    }
    assert "the latest post, still open" in fields["Posted, not done yet (Mark done still counts)"]


async def test_the_text_says_what_the_card_shows(store: Store, catalog: Catalog) -> None:
    await season(store, catalog)
    model = await ada(store, catalog)
    reply = progress_reply(model, shown="Ada", own=True)
    assert_reply_valid(reply)
    (page,) = reply.pages
    fields = {f.name: f.value or "" for f in page.fields}
    section_of = {
        CellState.DONE: "Done",
        CellState.THIS_WEEK: "Posted, not done yet (Mark done still counts)",
        CellState.AHEAD: "Still ahead this season",
        CellState.BEFORE_SCHEDULE: "Not posted",
    }
    for cell in model.weeks:
        line = f"{cell.number}. {cell.name} ("
        if cell.state is CellState.MISSED:
            name = (
                "Posted, not done yet (Mark done still counts)"
                if cell.number == 3
                else ("Not posted")
            )
        else:
            name = section_of[cell.state]
        holders = [n for n, value in fields.items() if line in value]
        assert holders == [name], (cell, holders)
    assert "this week's challenge" in fields[section_of[CellState.THIS_WEEK]]
    assert "missed while the bot was offline" in fields["Not posted"]
    assert "before this server's schedule" in fields["Not posted"]
    assert fields["Completed"] == f"1 of {len(catalog.challenges)} challenges"
    assert fields["Roadmap steps covered: 0 of 9"] == "◐ Learn programming (1/2)"
    assert page.description == model.season_note


async def test_alt_text_says_it_in_words_within_discords_limit(
    store: Store, catalog: Catalog
) -> None:
    await season(store, catalog)
    text = progress_alt_text(await ada(store, catalog))
    assert "1 of 15 challenges done" in text
    assert "Done: week 2." in text
    assert "Missed or not posted: weeks 3–4." in text
    assert "This week: week 5." in text
    assert "Ahead: weeks 6–15." in text
    assert "Before schedule: week 1." in text
    assert "rank 2 of 2" in text
    huge = ProgressModel(
        1, 1, 0, 0, None, 0, False,
        tuple(
            WeekCell(n, f"c{n}", "x" * 90, 1, list(CellState)[n % 5], None, None)
            for n in range(1, 400)
        ),
        (), False, "Week 1 of 399",
    )  # fmt: skip
    assert len(progress_alt_text(huge)) <= ALT_TEXT_LIMIT


# --------------------------------------------------------------------------- the picture


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


async def test_the_card_is_a_png_with_each_weeks_colour_where_its_cell_is(
    store: Store, catalog: Catalog
) -> None:
    await season(store, catalog)
    model = await ada(store, catalog)
    data = render_progress_card(model)
    layout = progress_layout(model)
    image = open_png(data)
    assert image.size == layout.size
    assert 760 <= image.size[0] <= 1100  # drawn at 2x for ~400-550 px in Discord
    assert image.size[1] <= image.size[0] * 0.75  # wide enough for the preview box
    assert len(data) < 100_000
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is not None
    assert len(colours) > 50, "a blank picture"
    assert image.getpixel((image.size[0] // 2, 4)) == BACKGROUND
    for number, state in states(model).items():
        assert image.getpixel(layout.probe(number)) == CELL_FILL[state], (number, state)
    # The current week has a light ring around its cell.
    left, top, _right, bottom = layout.cells[5]
    assert sum(image.getpixel((left - 4, (top + bottom) // 2))) > 600  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["RGBA", "RGB"])
def test_our_png_encoding_reads_back_pixel_for_pixel(mode: str) -> None:
    """Our encoder (rows unfiltered) against Pillow's decoder: every pixel, alpha included."""
    size = (37, 23)  # odd sizes: no row lines up with anything by luck
    noise = random.Random(7).randbytes(size[0] * size[1] * 4)
    image = Image.frombytes("RGBA", size, noise).convert(mode)
    data = cards.encode_png(image)
    check = Image.open(io.BytesIO(data))
    check.verify()  # chunk CRCs and structure
    back = Image.open(io.BytesIO(data))
    assert (back.format, back.mode, back.size) == ("PNG", "RGBA", size)
    assert back.tobytes() == image.convert("RGBA").tobytes()


async def test_the_cards_corners_are_transparent(store: Store, catalog: Catalog) -> None:
    await season(store, catalog)
    image = Image.open(io.BytesIO(render_progress_card(await ada(store, catalog))))
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0  # type: ignore[index]
    assert image.getpixel((image.size[0] // 2, image.size[1] // 2))[3] == 255  # type: ignore[index]


def test_a_short_season_and_no_season_still_draw() -> None:
    cell = WeekCell(1, "a", "A", 10, CellState.DONE, None, None)
    model = ProgressModel(10, 10, 1, 1, 1, 1, False, (cell,), (), False, "No season scheduled")
    image = open_png(render_progress_card(model))
    assert image.getpixel(progress_layout(model).probe(1)) == CELL_FILL[CellState.DONE]
    empty = replace(model, weeks=())
    assert open_png(render_progress_card(empty)).size == progress_layout(empty).size


# --------------------------------------------------------------------------- the chart


async def test_season_report_counts_and_draws_each_week(store: Store, catalog: Catalog) -> None:
    await season(store, catalog)
    # 00:30 on Monday of W49 in Berlin is still Sunday in UTC: weeks follow the server's zone.
    await complete(store, catalog, 2004, 2, datetime(2026, 11, 29, 23, 30, tzinfo=UTC))
    chart, text = await season_report(store, catalog, GUILD, NOW)
    by_number = {week.number: week for week in chart.weeks}
    assert [(w.completions, w.active) for w in chart.weeks[:5]] == [
        (0, 0),
        (3, 2),
        (1, 0),  # challenge 3 was done late, in week 4
        (0, 2),
        (1, 1),
    ]
    assert [w.posted for w in chart.weeks[:5]] == [False, True, True, False, True]
    assert by_number[5].current
    assert by_number[5].started
    assert not by_number[6].started
    assert chart.participants == 3
    assert "Week 5 of 15 · 3 members took part" in text
    assert "This week (challenge 5): 1 completed (33%), 1 member active." in text

    image = open_png(render_season_chart(chart))
    left, _top, right, bottom = PLOT
    slot = (right - left) / len(chart.weeks)
    centre_of_week_2 = round(left + slot * 1.5)
    assert image.getpixel((centre_of_week_2, bottom - 3)) == BAR
    centre_of_week_6 = round(left + slot * 5.5)
    assert image.getpixel((centre_of_week_6, bottom - 20)) != BAR
    alt = chart_alt_text(chart)
    assert "Week 2: 3 completed, 2 active." in alt
    assert "Week 4: not posted, 2 active." in alt


def test_chart_alt_text_keeps_the_latest_weeks_within_the_limit() -> None:
    weeks = tuple(cards.ChartWeek(n, n, n, started=True) for n in range(1, 200))
    text = chart_alt_text(SeasonChart(weeks, 500, "Week 199 of 199"))
    assert len(text) <= ALT_TEXT_LIMIT
    assert "Week 199: 199 completed" in text
    assert "Week 1: " not in text


# --------------------------------------------------------------------------- off the loop


async def test_a_failing_renderer_gives_no_picture_and_is_logged_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cards, "_failures", cards._OnceLog())

    def broken(_model: object) -> bytes:
        raise OSError("no font")

    with caplog.at_level(logging.DEBUG, logger="bot.cards"):
        for _ in range(3):
            assert await render_off_loop(broken, None, what="progress card") is None
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "logged once" in errors[0].getMessage()


async def test_a_slow_renderer_is_abandoned_at_the_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cards, "_failures", cards._OnceLog())
    release = threading.Event()

    def slow(_model: object) -> bytes:
        release.wait(5)
        return b"late"

    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        assert await render_off_loop(slow, None, what="progress card", limit=0.2) is None
    finally:
        release.set()
    assert loop.time() - started < 1.5


async def test_drawing_runs_off_the_event_loop() -> None:
    seen: list[bool] = []

    def where(_model: object) -> bytes:
        seen.append(threading.current_thread() is threading.main_thread())
        return b"png"

    assert await render_off_loop(where, None, what="test") == b"png"
    assert seen == [False]


async def test_an_equal_model_is_drawn_once_and_the_picture_reused() -> None:
    release = threading.Event()
    calls: list[tuple[int, int]] = []

    def slow(model: tuple[int, int]) -> bytes:
        calls.append(model)
        release.wait(5)
        return f"png {model}".encode()

    # Three requests for the same picture while it is being drawn, one for another.
    first = [asyncio.ensure_future(render_off_loop(slow, (1, 2), what="test")) for _ in range(3)]
    other = asyncio.ensure_future(render_off_loop(slow, (3, 4), what="test"))
    await asyncio.sleep(0.05)
    release.set()
    assert await asyncio.gather(*first) == [b"png (1, 2)"] * 3
    assert await other == b"png (3, 4)"
    # Drawn before: returned without drawing again.
    assert await render_off_loop(slow, (1, 2), what="test") == b"png (1, 2)"
    assert sorted(calls) == [(1, 2), (3, 4)]


async def test_failed_or_unhashable_pictures_are_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cards, "_failures", cards._OnceLog())
    outcomes: Iterator[bytes | Exception] = iter([OSError("no font"), b"png"])
    calls: list[object] = []

    def flaky(model: object) -> bytes:
        calls.append(model)
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert await render_off_loop(flaky, "m", what="test") is None
    assert await render_off_loop(flaky, "m", what="test") == b"png"  # the failure was not kept
    drawn: list[object] = []

    def unhashable(model: list[int]) -> bytes:
        drawn.append(model)
        return b"list"

    for _ in range(2):
        assert await render_off_loop(unhashable, [1], what="test") == b"list"
    assert calls == ["m", "m"]
    assert drawn == [[1], [1]]


async def test_the_kept_pictures_are_bounded() -> None:
    def render(model: int) -> bytes:
        return str(model).encode()

    for n in range(cards.PICTURES_KEPT + 5):
        assert await render_off_loop(render, n, what="test") == str(n).encode()
    assert len(cards._kept.done) <= cards.PICTURES_KEPT
    assert (render, 0) not in cards._kept.done  # the oldest went first
    assert (render, cards.PICTURES_KEPT + 4) in cards._kept.done


# --------------------------------------------------------------------------- the commands


@dataclass
class Sent:
    kwargs: dict[str, Any]


@dataclass
class StubMember:
    id: int
    display_name: str
    bot: bool = False


@dataclass
class StubResponse:
    sent: list[Sent]

    def is_done(self) -> bool:
        return bool(self.sent)

    async def send_message(self, content: str | None = None, **kwargs: Any) -> None:
        assert not self.sent, "answered twice"
        self.sent.append(Sent({"content": content, **kwargs}))


@dataclass
class StubInteraction:
    user: StubMember
    permissions: discord.Permissions = field(default_factory=discord.Permissions.none)
    guild_id: int = GUILD
    guild: None = None
    sent: list[Sent] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    #: A snowflake of now, as Discord's ids are (the handler reads how late it runs from it).
    id: int = field(default_factory=lambda: discord.utils.time_snowflake(discord.utils.utcnow()))

    def __post_init__(self) -> None:
        self.response = StubResponse(self.sent)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def wire_payload(sent: Sent) -> tuple[dict[str, Any], list[Any]]:
    """The JSON discord.py puts on the wire for this answer, and its files; validated."""
    kwargs = sent.kwargs
    embeds = kwargs.get("embeds") or ([kwargs["embed"]] if kwargs.get("embed") else MISSING)
    file = kwargs.get("file")
    params = interaction_message_response_params(
        type=4,
        content=kwargs.get("content"),
        embeds=embeds,
        files=[file] if file else MISSING,
        flags=discord.MessageFlags(ephemeral=True),
        previous_allowed_mentions=discord.AllowedMentions.none(),
        allowed_mentions=MISSING,
    )
    payload = params.payload
    if payload is None:
        assert params.multipart is not None
        payload = json.loads(params.multipart[0]["value"])
    assert_valid(validate_interaction_callback(payload))
    return payload, [file] if file else []


async def test_progress_command_sends_the_text_with_the_card_attached(
    services: Services, store: Store, catalog: Catalog
) -> None:
    await season(store, catalog)
    cog = ChallengesCog(services)
    interaction = StubInteraction(StubMember(ADA, "Ada"))
    await ChallengesCog.progress.callback(cog, interaction)  # type: ignore[arg-type]
    (sent,) = interaction.sent
    assert sent.kwargs["ephemeral"]
    payload, (file,) = wire_payload(sent)
    (embed,) = payload["data"]["embeds"]
    assert embed["image"]["url"] == "attachment://progress.png"
    assert any(f["name"] == "Season points" for f in embed["fields"])
    (attachment,) = payload["data"]["attachments"]
    assert attachment["filename"] == "progress.png"
    assert attachment["description"] == progress_alt_text(await ada(store, catalog))
    image = open_png(file.fp.read())
    assert image.size == progress_layout(await ada(store, catalog)).size


async def test_a_progress_handler_that_starts_late_sends_the_text_alone(
    services: Services, store: Store, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    await season(store, catalog)
    meter = LagMeter()
    monkeypatch.setattr("bot.cogs.challenges.room_to_draw", lambda i: room_to_draw(i, meter=meter))
    now = discord.utils.utcnow()
    meter.of(StubInteraction(StubMember(ADA, "Ada"), id=discord.utils.time_snowflake(now)))  # type: ignore[arg-type]
    late = now - timedelta(seconds=PICTURE_LAG + 0.3)
    interaction = StubInteraction(StubMember(ADA, "Ada"), id=discord.utils.time_snowflake(late))
    await ChallengesCog.progress.callback(
        ChallengesCog(services),  # type: ignore[arg-type]
        interaction,  # type: ignore[arg-type]
    )
    (sent,) = interaction.sent
    payload, files = wire_payload(sent)
    assert files == []
    (embed,) = payload["data"]["embeds"]
    assert "image" not in embed
    assert any(f["name"] == "Season points" for f in embed["fields"])


async def test_in_a_burst_progress_draws_nothing_but_sends_a_card_drawn_before(
    services: Services, store: Store, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    await season(store, catalog)
    busy = Admission(1)
    busy.running = 1
    busy._queue.append(asyncio.get_running_loop().create_future())  # one handler waiting
    monkeypatch.setattr("bot.cogs.challenges.room_to_draw", lambda i: room_to_draw(i, busy))
    drawn: list[ProgressModel] = []

    def counted(model: ProgressModel) -> bytes:
        drawn.append(model)
        return render_progress_card(model)

    monkeypatch.setattr("bot.cogs.challenges.render_progress_card", counted)
    cog: Any = ChallengesCog(services)
    first = StubInteraction(StubMember(ADA, "Ada"))
    await ChallengesCog.progress.callback(cog, first)  # type: ignore[arg-type]
    assert drawn == []
    assert wire_payload(first.sent[0])[1] == []  # busy, nothing kept: the text alone
    busy._queue.clear()  # quiet again: drawn, and kept
    await ChallengesCog.progress.callback(cog, StubInteraction(StubMember(ADA, "Ada")))  # type: ignore[arg-type]
    assert len(drawn) == 1
    busy._queue.append(asyncio.get_running_loop().create_future())
    again = StubInteraction(StubMember(ADA, "Ada"))
    await ChallengesCog.progress.callback(cog, again)  # type: ignore[arg-type]
    assert len(drawn) == 1  # busy: not drawn again...
    _payload, (file,) = wire_payload(again.sent[0])  # ...but the kept card is sent
    assert open_png(file.fp.read()).size == progress_layout(drawn[0]).size


async def test_progress_command_sends_the_text_alone_when_drawing_fails(
    services: Services, store: Store, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    await season(store, catalog)
    monkeypatch.setattr(cards, "_failures", cards._OnceLog())

    def broken(_model: ProgressModel) -> bytes:
        raise RuntimeError("Pillow is broken")

    monkeypatch.setattr("bot.cogs.challenges.render_progress_card", broken)
    interaction = StubInteraction(StubMember(ADA, "Ada"))
    await ChallengesCog.progress.callback(
        ChallengesCog(services),  # type: ignore[arg-type]
        interaction,  # type: ignore[arg-type]
    )
    (sent,) = interaction.sent
    payload, files = wire_payload(sent)
    assert files == []
    (embed,) = payload["data"]["embeds"]
    assert "image" not in embed
    assert any(f["name"] == "Season points" for f in embed["fields"])


async def test_admin_report_attaches_the_chart(
    services: Services, store: Store, catalog: Catalog
) -> None:
    await season(store, catalog)
    interaction = StubInteraction(StubMember(MOD, "Mod"), discord.Permissions(manage_guild=True))
    await AdminCog.report.callback(AdminCog(services), interaction)  # type: ignore[arg-type, call-arg]
    (sent,) = interaction.sent
    assert sent.kwargs["ephemeral"]
    payload, (file,) = wire_payload(sent)
    assert payload["data"]["content"].startswith("**Season report** · Week 5 of 15")
    (attachment,) = payload["data"]["attachments"]
    assert attachment["filename"] == "season-chart.png"
    assert attachment["description"].startswith("Season activity chart.")
    assert open_png(file.fp.read()).size == (800, cards.CHART_HEIGHT)


async def test_past_the_drawing_limit_the_answer_has_no_picture_until_a_place_is_free() -> None:
    release = threading.Event()
    started = threading.Semaphore(0)

    def blocked(_model: object) -> bytes:
        started.release()
        release.wait(5)
        return b"png"

    drawing = [
        asyncio.ensure_future(render_off_loop(blocked, n, what="test"))
        for n in range(cards.DRAWING_AT_ONCE)  # different models: no drawing is shared
    ]
    for _ in drawing:
        assert await asyncio.to_thread(started.acquire, True, 5)
    try:
        # Every place taken: text alone, at once, and the renderer is not even called.
        called: list[object] = []
        assert await render_off_loop(called.append, None, what="test") is None  # type: ignore[arg-type]
        assert called == []
    finally:
        release.set()
    assert await asyncio.gather(*drawing) == [b"png"] * cards.DRAWING_AT_ONCE
    assert await render_off_loop(lambda _model: b"again", None, what="test") == b"again"
