"""Pictures: a member's season card (``/progress``) and the season chart (``/admin report``).

Two layers, both pure:

* **Models** (:class:`ProgressModel`, :class:`SeasonChart`): what the picture and the text say,
  built once from the season module (:mod:`scheduler.season`, the one place that says where
  each week stands) and the member's completions. The cog renders its embed text from the same
  model, and :func:`progress_alt_text` / :func:`chart_alt_text` say it in words for the
  attachment's ``description``: text, picture and alt text cannot disagree.
* **Renderers** (:func:`render_progress_card`, :func:`render_season_chart`): model -> PNG bytes,
  drawn with Pillow. Pillow is imported inside them, so commands that draw nothing (and
  ``mle-bot --help``) never load it.

The card has its own dark background (with a light border), so it reads the same in Discord's
light and dark themes; each week's state has its own shape as well as its own colour (check,
cross, hourglass, blank, dash), so it does not depend on telling red from green.

:func:`render_off_loop` runs a renderer in a worker thread with a time limit: the event loop
never waits on drawing, and when drawing fails or is too slow the caller sends its text alone
(the failure is logged once per kind, not once per request). At most
:data:`DRAWING_AT_ONCE` pictures are drawn at a time: in a burst of ``/progress`` the others
answer with their text alone rather than make every answer late.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Final, TypeVar

from content.models import Catalog
from scheduler.season import SeasonState, SeasonStatus, WeekState

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "ALT_TEXT_LIMIT",
    "CHART_FILENAME",
    "DRAWING_AT_ONCE",
    "PICTURES_KEPT",
    "PROGRESS_FILENAME",
    "RENDER_TIMEOUT",
    "CardLayout",
    "CellState",
    "ChartWeek",
    "ProgressModel",
    "SeasonChart",
    "StepProgress",
    "WeekCell",
    "build_progress_model",
    "chart_alt_text",
    "kept_picture",
    "progress_alt_text",
    "progress_layout",
    "render_off_loop",
    "render_progress_card",
    "render_season_chart",
    "season_note",
]

log = logging.getLogger(__name__)

#: Seconds a picture may take before the answer goes out without it (an interaction must be
#: answered within 3 s; the database reads come before this).
RENDER_TIMEOUT: Final = 2.0
#: Pictures drawn at the same time. A card costs ~20 ms of CPU and holds the GIL for part of
#: it; in a burst (hundreds of ``/progress`` at once, measured with ``bench/bench_burst.py``)
#: drawing them all made every answer late, so past this many the answer is text alone.
DRAWING_AT_ONCE: Final = max(2, os.cpu_count() or 1)
#: Discord's limit for an attachment's ``description`` (its alt text).
ALT_TEXT_LIMIT: Final = 1024
PROGRESS_FILENAME: Final = "progress.png"
CHART_FILENAME: Final = "season-chart.png"

# --------------------------------------------------------------------------- the progress model


class CellState(StrEnum):
    """The five states a week's cell shows on the card."""

    DONE = "done"
    """The member completed the week's challenge."""
    MISSED = "missed"
    """Gone by without a completion: posted and not done, or not posted (bot offline)."""
    THIS_WEEK = "this_week"
    """The open challenge (the server's latest post), not done yet: it still counts."""
    AHEAD = "ahead"
    """Its post is still to come (or being posted right now)."""
    BEFORE_SCHEDULE = "before_schedule"
    """Its post time passed before the server's schedule existed: never posted."""


CELL_LABELS: Final = {
    CellState.DONE: "Done",
    CellState.MISSED: "Missed / not posted",
    CellState.THIS_WEEK: "This week",
    CellState.AHEAD: "Ahead",
    CellState.BEFORE_SCHEDULE: "Before schedule",
}


@dataclass(frozen=True)
class WeekCell:
    """One week of the season as the member sees it."""

    number: int
    challenge_id: str
    name: str
    points: int
    state: CellState
    #: Where the season module says the week stands (``None`` when no season is planned).
    week_state: WeekState | None
    #: The week's post time (``None`` when no season is planned).
    post_at: datetime | None
    #: This is the server's current week (local calendar).
    current: bool = False


@dataclass(frozen=True)
class StepProgress:
    """A roadmap step of the season: how many of its challenges the member has done."""

    name: str
    done: int
    total: int

    @property
    def covered(self) -> bool:
        """Every challenge of the step is done."""
        return self.done >= self.total


@dataclass(frozen=True)
class ProgressModel:
    """Everything ``/progress`` says, in one place: the embed, the card and its alt text."""

    season_points: int
    all_points: int
    current_streak: int
    best_streak: int
    #: Season rank, ``None`` when not ranked (nothing this season, or opted out).
    rank: int | None
    ranked: int
    opted_out: bool
    weeks: tuple[WeekCell, ...]
    steps: tuple[StepProgress, ...]
    #: The server has a season planned (post times known); without one every week not done is
    #: simply ahead on the roadmap.
    planned: bool
    #: Where the season stands, e.g. "Week 3 of 15", "Season over".
    season_note: str

    @property
    def completed(self) -> int:
        """How many of the season's challenges the member has done."""
        return sum(cell.state is CellState.DONE for cell in self.weeks)

    @property
    def covered_steps(self) -> tuple[StepProgress, ...]:
        """The roadmap steps whose every challenge is done."""
        return tuple(step for step in self.steps if step.covered)

    def cells(self, *states: CellState) -> tuple[WeekCell, ...]:
        """The weeks in any of ``states``, in season order."""
        return tuple(cell for cell in self.weeks if cell.state in states)


def _cell_state(plan_state: WeekState, *, done: bool, open_now: bool) -> CellState:
    if done:
        return CellState.DONE
    if plan_state is WeekState.POSTED:
        # Only the latest post is this week's challenge; an older one went by undone (its
        # Mark done still counts, but the week is gone: the streak says so too).
        return CellState.THIS_WEEK if open_now else CellState.MISSED
    if plan_state is WeekState.MISSED:
        return CellState.MISSED
    if plan_state is WeekState.BEFORE_SCHEDULE:
        return CellState.BEFORE_SCHEDULE
    return CellState.AHEAD  # AHEAD, or DUE/UNCONFIRMED: being posted right now


def season_note(status: SeasonStatus) -> str:
    """Where the season stands in a few words: "Week 3 of 15", "Season over"..."""
    state = status.state
    if not status.weeks:
        return "No season scheduled"
    if state is SeasonState.NOT_STARTED:
        return "Season not started"
    if state is SeasonState.OVER:
        return "Season over"
    plan = status.this_week
    return f"Week {plan.number} of {status.length}" if plan is not None else ""


def build_progress_model(
    status: SeasonStatus,
    catalog: Catalog,
    done_ids: set[str],
    *,
    season_points: int,
    all_points: int,
    current_streak: int,
    best_streak: int,
    rank: int | None,
    ranked: int,
    opted_out: bool,
) -> ProgressModel:
    """The member's season from the season module's weeks and their completed challenge ids."""
    weeks: list[WeekCell] = []
    if status.weeks:
        latest = status.latest_posted
        current = status.week
        for plan in status.weeks:
            state = _cell_state(
                plan.state,
                done=plan.challenge.id in done_ids,
                open_now=latest is not None and plan.number == latest.number,
            )
            weeks.append(
                WeekCell(
                    plan.number,
                    plan.challenge.id,
                    plan.challenge.name,
                    plan.challenge.points,
                    state,
                    plan.state,
                    plan.post_at,
                    current=plan.week == current,
                )
            )
    else:
        for number, challenge in enumerate(catalog.challenges, 1):
            state = CellState.DONE if challenge.id in done_ids else CellState.AHEAD
            weeks.append(
                WeekCell(number, challenge.id, challenge.name, challenge.points, state, None, None)
            )
    steps: list[StepProgress] = []
    for step in catalog.roadmap:
        ids = [c.id for c in catalog.challenges if c.roadmap_step == step.id]
        if ids:
            steps.append(StepProgress(step.name, sum(i in done_ids for i in ids), len(ids)))
    return ProgressModel(
        season_points=season_points,
        all_points=all_points,
        current_streak=current_streak,
        best_streak=best_streak,
        rank=None if opted_out else rank,
        ranked=ranked,
        opted_out=opted_out,
        weeks=tuple(weeks),
        steps=tuple(steps),
        planned=bool(status.weeks),
        season_note=season_note(status),
    )


def weeks_phrase(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1–3, 5"``."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def _weeks(count: int) -> str:
    return "1 week" if count == 1 else f"{count} weeks"


def _members(count: int) -> str:
    return "1 member" if count == 1 else f"{count} members"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def progress_alt_text(model: ProgressModel) -> str:
    """The card in words (the attachment's ``description``, at most 1024 characters)."""
    rank = (
        "not ranked (opted out)"
        if model.opted_out
        else f"rank {model.rank} of {model.ranked}"
        if model.rank is not None
        else "not ranked yet"
    )
    parts = [
        f"Season progress card. {model.season_note}." if model.season_note else "Season card.",
        f"{model.completed} of {len(model.weeks)} challenges done, "
        f"{model.season_points} season points, current streak {_weeks(model.current_streak)}, "
        f"best {_weeks(model.best_streak)}, {rank}.",
    ]
    current = next((cell.number for cell in model.weeks if cell.current), None)
    for state in CellState:
        numbers = [cell.number for cell in model.weeks if cell.state is state]
        if numbers:
            label = CELL_LABELS[state].lower().replace(" / ", " or ")
            noun = "Week" if len(numbers) == 1 else "Weeks"
            parts.append(f"{label.capitalize()}: {noun.lower()} {weeks_phrase(numbers)}.")
    if current is not None:
        parts.append(f"The current week is week {current}.")
    covered = model.covered_steps
    names = ", ".join(step.name for step in covered) or "none yet"
    parts.append(f"Roadmap steps covered: {len(covered)} of {len(model.steps)} ({names}).")
    return _clip(" ".join(parts), ALT_TEXT_LIMIT)


# --------------------------------------------------------------------------- the chart model


@dataclass(frozen=True)
class ChartWeek:
    """One week of the season on the moderators' chart."""

    number: int
    #: Members who completed this week's challenge (so far).
    completions: int
    #: Members who recorded any completion during this calendar week.
    active: int
    #: The week has begun (later weeks are drawn as empty slots).
    started: bool
    #: The week's challenge was posted (not: before the schedule, missed, not yet).
    posted: bool = True
    current: bool = False


@dataclass(frozen=True)
class SeasonChart:
    """What ``/admin report`` draws: completions and active members per week of the season."""

    weeks: tuple[ChartWeek, ...]
    #: Members with at least one completion this season.
    participants: int
    season_note: str


def chart_alt_text(chart: SeasonChart) -> str:
    """The chart in words (the attachment's ``description``, at most 1024 characters)."""
    started = [w for w in chart.weeks if w.started]
    head = (
        f"Season activity chart. {chart.season_note}. {_members(chart.participants)} took part. "
        "Bars: members who completed each week's challenge; line: members active that week."
    )
    if not started:
        return _clip(head + " No week has started yet.", ALT_TEXT_LIMIT)
    # Newest weeks matter most: if all weeks do not fit, keep the latest ones.
    lines = [
        f"Week {w.number}: {w.completions} completed, {w.active} active."
        if w.posted
        else f"Week {w.number}: not posted, {w.active} active."
        for w in started
    ]
    while lines and len(head) + 1 + len(" ".join(lines)) > ALT_TEXT_LIMIT:
        lines.pop(0)
    return _clip(" ".join([head, *lines]), ALT_TEXT_LIMIT)


# --------------------------------------------------------------------------- drawing helpers

Rgb = tuple[int, int, int]
Box = tuple[int, int, int, int]

#: The card's own background and text (high contrast on any Discord theme).
BACKGROUND: Final[Rgb] = (30, 31, 34)
BORDER: Final[Rgb] = (78, 80, 88)
PANEL: Final[Rgb] = (43, 45, 49)
TEXT: Final[Rgb] = (242, 243, 245)
MUTED: Final[Rgb] = (181, 186, 193)
GRID: Final[Rgb] = (58, 60, 66)
#: Fill of a week's cell per state. White text/icons on DONE and MISSED (>= 4.3:1), dark on
#: THIS_WEEK; every fill is >= 3:1 against the background except BEFORE_SCHEDULE, which is
#: meant to recede (it is told apart by its dashed outline and dash).
CELL_FILL: Final[dict[CellState, Rgb]] = {
    CellState.DONE: (31, 139, 76),
    CellState.MISSED: (218, 55, 60),
    CellState.THIS_WEEK: (240, 178, 50),
    CellState.AHEAD: (78, 80, 88),
    CellState.BEFORE_SCHEDULE: (38, 39, 43),
}
CELL_INK: Final[dict[CellState, Rgb]] = {
    CellState.DONE: TEXT,
    CellState.MISSED: TEXT,
    CellState.THIS_WEEK: BACKGROUND,
    CellState.AHEAD: TEXT,
    CellState.BEFORE_SCHEDULE: MUTED,
}
BAR: Final[Rgb] = (88, 101, 242)
LINE: Final[Rgb] = (240, 178, 50)

#: Drawn at twice the size it is shown at in Discord's preview (~400 px wide), so text stays
#: sharp on high-density screens; the smallest type (20 px) shows at ~10-14 px.
WIDTH: Final = 800
PAD: Final = 28
RADIUS: Final = 24


_fonts = threading.local()


def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled scalable font (Aileron) at ``size`` px: no system fonts needed.

    Cached per thread: a FreeType face must not be used by two threads at once, and loading
    one per picture costs more than a tenth of the drawing.
    """
    from PIL import ImageFont  # noqa: PLC0415 -- lazy: only pictures need Pillow

    cache: dict[int, ImageFont.FreeTypeFont] = _fonts.__dict__.setdefault("by_size", {})
    font = cache.get(size)
    if font is None:
        loaded = ImageFont.load_default(size=size)
        assert isinstance(loaded, ImageFont.FreeTypeFont)  # Pillow is built with FreeType
        font = cache[size] = loaded
    return font


def _text_width(font: ImageFont.FreeTypeFont, text: str) -> int:
    return math.ceil(font.getlength(text))


def _fit(font: ImageFont.FreeTypeFont, text: str, width: int) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    if _text_width(font, text) <= width:
        return text
    while text and _text_width(font, text + "…") > width:
        text = text[:-1]
    return text.rstrip(" ,·") + "…"


#: PNG's signature and the zlib level of our pictures: level 3 deflates our flat colours a
#: tenth smaller than level 1 in the same time (~50 KB for the card); 4 and up cost more.
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_PNG_LEVEL: Final = 3


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image: Image.Image) -> bytes:
    """An 8-bit RGBA PNG of ``image``, every row unfiltered (filter type 0).

    Pillow tries all five PNG row filters on every row and keeps the best guess (libpng's
    heuristic), and offers no option to skip it: on our flat-colour pictures its save took
    8.9 ms of a card's ~15 and the guessing bought nothing, since unfiltered rows deflate
    smaller. Here: the raw rows, each behind its filter byte, one deflate, three chunks
    (5 ms; bench/bench_cards.py). Pillow reads it back pixel for pixel (tests/bot/test_cards.py).
    """
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    width, height = rgba.size
    raw = rgba.tobytes()
    stride = width * 4
    rows = b"".join(b"\x00" + raw[top : top + stride] for top in range(0, len(raw), stride))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, no interlace
    return b"".join(
        (
            _PNG_SIGNATURE,
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(rows, _PNG_LEVEL)),
            _png_chunk(b"IEND", b""),
        )
    )


# --------------------------------------------------------------------------- the progress card


@dataclass(frozen=True)
class CardLayout:
    """Where :func:`render_progress_card` puts things (tests sample pixels here)."""

    size: tuple[int, int]
    #: Each week's cell box (left, top, right, bottom), by week number.
    cells: dict[int, Box]

    def probe(self, number: int) -> tuple[int, int]:
        """A point inside week ``number``'s cell that shows only the cell's fill colour."""
        left, top, right, _bottom = self.cells[number]
        return (left + right) // 2, top + 6


GRID_TOP: Final = 196
CELL_HEIGHT: Final = 60
CELL_GAP: Final = 14
MAX_COLUMNS: Final = 8


def progress_layout(model: ProgressModel) -> CardLayout:
    """The card's size and its cells: up to 8 weeks a row."""
    count = max(1, len(model.weeks))
    rows = math.ceil(count / MAX_COLUMNS)
    columns = math.ceil(count / rows)
    inner = WIDTH - 2 * PAD
    cell_width = min(120, (inner - (columns - 1) * CELL_GAP) // columns)
    cells: dict[int, Box] = {}
    for index, cell in enumerate(model.weeks):
        row, column = divmod(index, columns)
        left = PAD + column * (cell_width + CELL_GAP)
        top = GRID_TOP + row * (CELL_HEIGHT + CELL_GAP)
        cells[cell.number] = (left, top, left + cell_width, top + CELL_HEIGHT)
    grid_bottom = GRID_TOP + rows * CELL_HEIGHT + (rows - 1) * CELL_GAP
    height = grid_bottom + 210
    return CardLayout((WIDTH, height), cells)


def _icon(draw: ImageDraw.ImageDraw, state: CellState, centre: tuple[int, int], ink: Rgb) -> None:
    """The state's shape, so colour is never the only cue."""
    x, y = centre
    if state is CellState.DONE:
        draw.line([(x - 10, y), (x - 3, y + 8), (x + 11, y - 9)], fill=ink, width=5, joint="curve")
    elif state is CellState.MISSED:
        draw.line([(x - 8, y - 8), (x + 8, y + 8)], fill=ink, width=5)
        draw.line([(x - 8, y + 8), (x + 8, y - 8)], fill=ink, width=5)
    elif state is CellState.THIS_WEEK:  # an hourglass
        draw.polygon([(x - 9, y - 11), (x + 9, y - 11), (x, y)], fill=ink)
        draw.polygon([(x - 9, y + 11), (x + 9, y + 11), (x, y)], fill=ink)
    elif state is CellState.BEFORE_SCHEDULE:
        draw.line([(x - 9, y), (x + 9, y)], fill=ink, width=4)


def _dashed_box(draw: ImageDraw.ImageDraw, box: Box, colour: Rgb) -> None:
    left, top, right, bottom = box
    dash, gap = 8, 6
    for x in range(left + 6, right - 6, dash + gap):
        end = min(x + dash, right - 6)
        draw.line([(x, top), (end, top)], fill=colour, width=2)
        draw.line([(x, bottom), (end, bottom)], fill=colour, width=2)
    for y in range(top + 6, bottom - 6, dash + gap):
        end = min(y + dash, bottom - 6)
        draw.line([(left, y), (left, end)], fill=colour, width=2)
        draw.line([(right, y), (right, end)], fill=colour, width=2)


def _legend(
    draw: ImageDraw.ImageDraw, top: int, items: Sequence[tuple[str, Callable[[Box], None]]]
) -> None:
    """Swatches with labels on one line (two if they do not fit), starting at ``top``."""
    font = _font(22)
    x, y = PAD, top
    for label, swatch in items:
        width = 26 + 8 + _text_width(font, label)
        if x > PAD and x + width > WIDTH - PAD:
            x, y = PAD, y + 32
        swatch((x, y + 1, x + 24, y + 23))
        draw.text((x + 34, y + 12), label, font=font, fill=MUTED, anchor="lm")
        x += width + 26


def _card_canvas(height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    from PIL import Image, ImageDraw  # noqa: PLC0415 -- lazy: only pictures need Pillow

    image = Image.new("RGBA", (WIDTH, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (0, 0, WIDTH - 1, height - 1), RADIUS, fill=BACKGROUND, outline=BORDER, width=2
    )
    return image, draw


def _header(draw: ImageDraw.ImageDraw, title: str, note: str) -> None:
    draw.text((PAD, 46), title, font=_font(32), fill=TEXT, anchor="lm", stroke_width=1,
              stroke_fill=TEXT)  # fmt: skip
    if note:
        draw.text((WIDTH - PAD, 46), note, font=_font(24), fill=MUTED, anchor="rm")


def _stat_tiles(draw: ImageDraw.ImageDraw, model: ProgressModel) -> None:
    """Five numbers: season points, challenges done, current and best streak, rank."""
    rank = "–" if model.rank is None else f"#{model.rank}"
    rank_label = (
        "opted out"
        if model.opted_out
        else f"rank of {model.ranked}"
        if model.rank is not None
        else "not ranked yet"
    )
    tiles = [
        (str(model.season_points), "points"),
        (f"{model.completed}/{len(model.weeks)}", "challenges"),
        (str(model.current_streak), "week streak"),
        (str(model.best_streak), "best streak"),
        (rank, rank_label),
    ]
    gap = 12
    tile_width = (WIDTH - 2 * PAD - (len(tiles) - 1) * gap) // len(tiles)
    big, small = _font(42), _font(22)
    for index, (value, label) in enumerate(tiles):
        left = PAD + index * (tile_width + gap)
        draw.rounded_rectangle((left, 80, left + tile_width, 176), 14, fill=PANEL)
        centre = left + tile_width // 2
        draw.text((centre, 116), _fit(big, value, tile_width - 16), font=big, fill=TEXT,
                  anchor="mm")  # fmt: skip
        draw.text((centre, 154), _fit(small, label, tile_width - 12), font=small, fill=MUTED,
                  anchor="mm")  # fmt: skip


def _week_cells(draw: ImageDraw.ImageDraw, model: ProgressModel, layout: CardLayout) -> None:
    number_font = _font(24)
    for cell in model.weeks:
        box = layout.cells[cell.number]
        left, top, right, bottom = box
        ink = CELL_INK[cell.state]
        draw.rounded_rectangle(box, 10, fill=CELL_FILL[cell.state])
        if cell.state is CellState.BEFORE_SCHEDULE:
            _dashed_box(draw, box, MUTED)
        middle = (top + bottom) // 2
        draw.text((left + 14, middle), str(cell.number), font=number_font, fill=ink, anchor="lm")
        _icon(draw, cell.state, (right - 24, middle), ink)
        if cell.current:  # "you are here": a ring around this week's cell
            draw.rounded_rectangle(
                (left - 5, top - 5, right + 5, bottom + 5), 14, outline=TEXT, width=3
            )


def _roadmap_steps(draw: ImageDraw.ImageDraw, model: ProgressModel, top: int) -> int:
    """One bar segment per step, as wide as its share of the season; returns the bottom."""
    covered = model.covered_steps
    draw.text(
        (PAD, top + 12),
        f"Roadmap steps covered: {len(covered)} of {len(model.steps)}",
        font=_font(24),
        fill=TEXT,
        anchor="lm",
    )
    bar_top, bar_bottom = top + 34, top + 54
    total = sum(step.total for step in model.steps) or 1
    inner = WIDTH - 2 * PAD
    x = float(PAD)
    for step in model.steps:
        span = inner * step.total / total
        left, right = round(x) + 2, round(x + span) - 2
        draw.rounded_rectangle(
            (left, bar_top, right, bar_bottom), 5, fill=CELL_FILL[CellState.AHEAD]
        )
        if step.done:
            filled = left + round((right - left) * min(step.done, step.total) / step.total)
            draw.rounded_rectangle(
                (left, bar_top, max(filled, left + 10), bar_bottom),
                5,
                fill=CELL_FILL[CellState.DONE],
            )
        x += span
    names = ", ".join(step.name for step in covered) or "none yet (all of a step's challenges)"
    names = f"Covered: {names}"
    small = _font(22)
    draw.text((PAD, bar_bottom + 20), _fit(small, names, inner), font=small, fill=MUTED,
              anchor="lm")  # fmt: skip
    return bar_bottom + 32


def render_progress_card(model: ProgressModel) -> bytes:
    """The member's season as a PNG (800 px wide, shown at ~400 px in Discord)."""
    layout = progress_layout(model)
    image, draw = _card_canvas(layout.size[1])
    _header(draw, "Season progress", model.season_note)
    _stat_tiles(draw, model)
    _week_cells(draw, model, layout)
    grid_bottom = max((box[3] for box in layout.cells.values()), default=GRID_TOP)
    steps_bottom = _roadmap_steps(draw, model, grid_bottom + 26)

    def swatch(state: CellState) -> Callable[[Box], None]:
        def paint(box: Box) -> None:
            draw.rounded_rectangle(box, 5, fill=CELL_FILL[state])
            if state is CellState.BEFORE_SCHEDULE:
                draw.rounded_rectangle(box, 5, outline=MUTED, width=2)

        return paint

    _legend(draw, steps_bottom + 16, [(CELL_LABELS[s], swatch(s)) for s in CellState])
    return encode_png(image)


# --------------------------------------------------------------------------- the season chart

CHART_HEIGHT: Final = 460
PLOT: Final[Box] = (76, 112, WIDTH - PAD, 360)


def _nice_step(top: int, ticks: int = 4) -> int:
    """A round tick step (1, 2, 5 x 10^k) giving about ``ticks`` intervals up to ``top``."""
    raw = max(1.0, top / ticks)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def _cross(draw: ImageDraw.ImageDraw, box: Box, colour: Rgb) -> None:
    x0, y0, x1, y1 = box
    draw.line([(x0, y0), (x1, y1)], fill=colour, width=3)
    draw.line([(x0, y1), (x1, y0)], fill=colour, width=3)


def _chart_legend(draw: ImageDraw.ImageDraw) -> None:
    def bar_swatch(box: Box) -> None:
        draw.rectangle(box, fill=BAR)

    def line_swatch(box: Box) -> None:
        x0, y0, x1, y1 = box
        mid, centre = (y0 + y1) // 2, (x0 + x1) // 2
        draw.line([(x0, mid), (x1, mid)], fill=LINE, width=4)
        draw.ellipse((centre - 6, mid - 6, centre + 6, mid + 6), fill=LINE)

    def cross_swatch(box: Box) -> None:
        x0, y0, x1, y1 = box
        draw.rectangle(box, fill=PANEL)
        _cross(draw, (x0 + 6, y0 + 6, x1 - 6, y1 - 6), MUTED)

    _legend(
        draw,
        CHART_HEIGHT - 42,
        [
            ("completed the challenge", bar_swatch),
            ("active that week", line_swatch),
            ("not posted", cross_swatch),
        ],
    )


def render_season_chart(chart: SeasonChart) -> bytes:
    """Completions (bars) and active members (line) per week of the season, as a PNG."""
    image, draw = _card_canvas(CHART_HEIGHT)
    _header(draw, "Season activity", chart.season_note)
    tick_font = _font(21)
    left, top, right, bottom = PLOT
    peak = max(
        [chart.participants, *(max(w.completions, w.active) for w in chart.weeks)], default=0
    )
    step = _nice_step(max(peak, 4))
    y_max = max(step, math.ceil(peak / step) * step)

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / y_max

    slot = (right - left) / max(1, len(chart.weeks))
    half_bar = max(3, round(slot * 0.3))
    for index, week in enumerate(chart.weeks):
        if week.started and not week.posted:  # a shaded band: nothing to complete that week
            centre = round(left + slot * (index + 0.5))
            draw.rectangle((centre - half_bar, top, centre + half_bar, bottom), fill=PANEL)
            _cross(draw, (centre - 7, top + 6, centre + 7, top + 20), MUTED)
    for tick in range(0, y_max + 1, step):
        y = round(y_of(tick))
        draw.line([(left, y), (right, y)], fill=GRID, width=1)
        draw.text((left - 12, y), str(tick), font=tick_font, fill=MUTED, anchor="rm")
    draw.text((PAD, top - 20), "members", font=tick_font, fill=MUTED, anchor="lm")
    draw.text((right, bottom + 42), "week of the season", font=tick_font, fill=MUTED,
              anchor="rm")  # fmt: skip
    if chart.participants:  # a dashed line: everyone who took part this season
        y = round(y_of(chart.participants))
        for x in range(left, right, 16):
            draw.line([(x, y), (min(x + 9, right), y)], fill=MUTED, width=2)
        label = f"taking part: {chart.participants}"
        draw.text((right, y - 6), label, font=tick_font, fill=MUTED, anchor="rb")

    points: list[tuple[float, float]] = []
    for index, week in enumerate(chart.weeks):
        centre = round(left + slot * (index + 0.5))
        if not week.started:  # an empty slot: the week is still to come
            draw.rectangle((centre - half_bar, bottom - 6, centre + half_bar, bottom), outline=GRID,
                           width=2)  # fmt: skip
        elif week.completions:
            top_y = round(y_of(week.completions))
            draw.rectangle((centre - half_bar, top_y, centre + half_bar, bottom), fill=BAR)
        if week.started:
            points.append((centre, y_of(week.active)))
        colour = TEXT if week.current else MUTED
        draw.text((centre, bottom + 18), str(week.number), font=tick_font, fill=colour, anchor="mm")
        if week.current:
            draw.line([(centre - 12, bottom + 32), (centre + 12, bottom + 32)], fill=TEXT, width=3)
    if len(points) > 1:
        draw.line(points, fill=LINE, width=4, joint="curve")
    for px, py in points:
        draw.ellipse((px - 6, py - 6, px + 6, py + 6), fill=LINE, outline=BACKGROUND, width=2)
    _chart_legend(draw)
    return encode_png(image)


# --------------------------------------------------------------------------- off the event loop

M = TypeVar("M")


class _OnceLog:
    """Logs each kind of drawing failure once per process (a broken font would otherwise log
    on every ``/progress``); later ones go to DEBUG."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def failed(self, what: str, error: BaseException, timeout: float) -> None:
        key = (what, type(error).__name__)
        if key in self.seen:
            log.debug("drawing the %s failed again: %r", what, error)
            return
        self.seen.add(key)
        if isinstance(error, TimeoutError):
            log.error(
                "drawing the %s took over %.1f s; answering without the picture (logged once)",
                what,
                timeout,
            )
        else:
            log.error(
                "drawing the %s failed; answering without the picture (logged once)",
                what,
                exc_info=error,
            )


_failures = _OnceLog()


_drawing = threading.BoundedSemaphore(DRAWING_AT_ONCE)


class _Kept:
    """Pictures already drawn, by (renderer, model); and the ones being drawn right now.

    A renderer is a pure function of its model (a frozen value): a member asking again before
    anything changed, or members whose cards say the same (points, streaks, rank, weeks), get
    the picture drawn before. The :data:`PICTURES_KEPT` most recently used stay (about 57 KB
    each); a request for a picture that is being drawn waits for that drawing instead of
    starting another.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.done: OrderedDict[Hashable, bytes] = OrderedDict()
        self.drawing: dict[Hashable, asyncio.Future[bytes | None]] = {}

    def get(self, key: Hashable) -> bytes | None:
        png = self.done.get(key)
        if png is not None:
            self.done.move_to_end(key)
        return png

    def put(self, key: Hashable, png: bytes) -> None:
        self.done[key] = png
        self.done.move_to_end(key)
        while len(self.done) > self.size:
            self.done.popitem(last=False)


#: Pictures kept after drawing (see :class:`_Kept`): at most ~1 MB.
PICTURES_KEPT: Final = 16
_kept = _Kept(PICTURES_KEPT)


def _key(render: Callable[[M], bytes], model: M) -> Hashable | None:
    """The picture's key, or ``None`` for a model that is not a value (not hashable)."""
    try:
        hash(model)
    except TypeError:
        return None
    return (render, model)


def kept_picture(render: Callable[[M], bytes], model: M) -> bytes | None:
    """The picture drawn before for an equal model, if it is kept; never draws."""
    key = _key(render, model)
    return None if key is None else _kept.get(key)


async def render_off_loop(
    render: Callable[[M], bytes], model: M, *, what: str, limit: float = RENDER_TIMEOUT
) -> bytes | None:
    """``render(model)`` in a worker thread, or ``None`` if it fails or takes over ``limit`` s.

    The caller then sends its text alone. A picture drawn before for an equal model is
    returned at once, and one being drawn is waited for (:class:`_Kept`). A renderer still
    running at the timeout finishes in its thread and its result is dropped (a thread cannot
    be stopped; drawing is bounded). ``None`` at once, too, while :data:`DRAWING_AT_ONCE`
    pictures are being drawn (a thread still drawing after its timeout counts until it ends).
    """
    key = _key(render, model)
    if key is None:
        return await _draw(render, model, what=what, limit=limit)
    png = _kept.get(key)
    if png is not None:
        return png
    loop = asyncio.get_running_loop()
    pending = _kept.drawing.get(key)
    if pending is not None and pending.get_loop() is loop:
        try:
            async with asyncio.timeout(limit):
                return await asyncio.shield(pending)
        except TimeoutError:
            return None
    shared: asyncio.Future[bytes | None] = loop.create_future()
    _kept.drawing[key] = shared
    png = None
    try:
        png = await _draw(render, model, what=what, limit=limit)
        if png is not None:
            _kept.put(key, png)
        return png
    finally:
        shared.set_result(png)
        if _kept.drawing.get(key) is shared:
            del _kept.drawing[key]


async def _draw(render: Callable[[M], bytes], model: M, *, what: str, limit: float) -> bytes | None:
    """Draw in a worker thread if a place is free (:data:`DRAWING_AT_ONCE`), within ``limit``."""
    if not _drawing.acquire(blocking=False):
        log.debug("%s: %d pictures are being drawn; answering with text", what, DRAWING_AT_ONCE)
        return None

    started = threading.Lock()  # held by whoever gives the place back: the thread, or us

    def draw() -> bytes:
        if not started.acquire(blocking=False):
            return b""  # given up on before a thread was free: nobody waits for it
        try:
            return render(model)
        finally:
            _drawing.release()

    try:
        async with asyncio.timeout(limit):
            return await asyncio.to_thread(draw)
    except Exception as error:  # any failure means "no picture", logged once
        _failures.failed(what, error, limit)
        return None
    finally:
        if started.acquire(blocking=False):  # it never started (cancelled while queued)
            _drawing.release()
