"""Draw the README's pictures: ``docs/progress-card.png`` and ``docs/season-chart.png``.

Runs the bot's own code paths on a throw-away SQLite database (no Discord): a season of the
bundled content with Monday posts in Europe/Berlin, whose schedule was set the day after
challenge 1's post time (so week 1 is "before the schedule"), six weekly posts, a week the
bot missed while offline, and 24 members keeping up more or less. The clock is fixed, so the
pictures are the same on every run.

    python bench/make_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cards import (  # noqa: E402
    ProgressModel,
    SeasonChart,
    chart_alt_text,
    progress_alt_text,
    render_progress_card,
    render_season_chart,
)
from bot.cogs.admin import season_report  # noqa: E402
from bot.cogs.challenges import progress_model  # noqa: E402
from content.loader import load_catalog  # noqa: E402
from storage.models import CompletionSource, GuildSchedule  # noqa: E402
from storage.store import open_store  # noqa: E402

GUILD, CHANNEL, ADA = 1, 2, 1000
SEASON_START = date(2026, 9, 7)  # a Monday: challenge 1's week is 2026-W37
NOW = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)  # Wednesday of week 7
MISSED_WEEK = 5  # the bot was offline past the grace window


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 9, 8, 10, 0, tzinfo=UTC)  # the day after challenge 1's post

    def __call__(self) -> datetime:
        return self.now


async def build() -> tuple[ProgressModel, SeasonChart, str]:
    """The member's progress model and the moderators' chart, from a real store."""
    catalog = load_catalog()
    clock = Clock()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        async with await open_store(Path(tmp) / "bot.db", clock=clock) as store:
            await store.settings.save(
                GuildSchedule(
                    guild_id=GUILD,
                    channel_id=CHANNEL,
                    weekday=0,
                    post_time=time(9, 0),
                    timezone="Europe/Berlin",
                    season_start=SEASON_START,
                )
            )
            members = list(range(ADA, ADA + 24))
            keen = {m: rng.uniform(0.35, 0.95) for m in members}
            for number in range(2, 8):
                challenge = catalog.challenges[number - 1]
                monday = datetime.combine(SEASON_START, time(7, 0), UTC) + timedelta(
                    weeks=number - 1
                )
                clock.now = monday
                claim = await store.posts.claim(
                    GUILD,
                    (monday.isocalendar()[0], monday.isocalendar()[1]),
                    challenge_id=challenge.id,
                    channel_id=CHANNEL,
                    scheduled_for=monday,
                )
                if number == MISSED_WEEK:
                    await store.posts.mark_missed(claim.post.post_id, reason="offline")
                    continue
                await store.posts.mark_sent(
                    claim.post.post_id, message_id=9000 + number, posted_at=monday
                )
                for member in members:
                    open_week = number == 7
                    chance = keen[member] * (0.45 if open_week else 1.0)
                    if member == ADA:
                        chance = 0.0 if number in (4, 7) else 1.0
                    if rng.random() >= chance:
                        continue
                    days = rng.uniform(0.1, 1.9 if open_week else 8.5)
                    await store.progress.record_completion(
                        GUILD,
                        member,
                        challenge.id,
                        points=challenge.points,
                        source=CompletionSource.BUTTON,
                        completed_at=monday + timedelta(days=days),
                        display_name=f"member{member}",
                    )
            model = await progress_model(
                store,
                catalog,
                guild_id=GUILD,
                user_id=ADA,
                shown="Ada",
                own=True,
                moderator=False,
                now=NOW,
            )
            chart, text = await season_report(store, catalog, GUILD, NOW)
    return model, chart, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    out = parser.parse_args().out
    model, chart, text = asyncio.run(build())
    out.mkdir(parents=True, exist_ok=True)
    for name, png, alt in (
        ("progress-card.png", render_progress_card(model), progress_alt_text(model)),
        ("season-chart.png", render_season_chart(chart), chart_alt_text(chart)),
    ):
        (out / name).write_bytes(png)
        print(f"{out / name}: {len(png) / 1024:.1f} KiB\n  alt: {alt}")
    print(f"/admin report text:\n{text}")


if __name__ == "__main__":
    main()
