"""Issue 16's "done when" for pictures: ``/progress`` answers with a PNG attachment plus text,
and ``/admin report`` attaches the season chart, through the real bot and the fake Discord."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.e2e.conftest import BotProcess
from tests.e2e.test_completions import post_weekly_challenge
from tests.fakediscord.harness import GuildHandle, Reply
from tests.fakediscord.server import FakeDiscord

Json = dict[str, Any]


def attached_png(fake: FakeDiscord, reply: Reply, filename: str) -> tuple[Json, Image.Image]:
    """The reply's one attachment (checked to be ``filename``, a PNG) and its picture."""
    message = reply.message
    assert message is not None, reply.text
    (attachment,) = message["attachments"]
    assert attachment["filename"] == filename
    assert attachment["description"], "the picture needs alt text"
    assert len(attachment["description"]) <= 1024
    ((name, _type, data),) = fake.files[int(message["id"])]
    assert name == filename
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return attachment, image.convert("RGB")


async def test_progress_has_a_picture_beside_its_text_and_the_report_a_chart(
    mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    guild = fake_guild
    post = await post_weekly_challenge(mlebot, guild)
    alice = guild.add_member("alice")
    pressed = await guild.click(post, "Mark done", as_user=alice)
    assert "Recorded" in pressed.content, pressed.content

    mine = await guild.invoke("/progress", as_user=alice)
    assert mine.ephemeral
    assert "Season points" in mine.text
    assert "Current streak" in mine.text
    attachment, image = attached_png(fake_discord, mine, "progress.png")
    (embed,) = mine.embeds
    assert embed["image"]["url"] == "attachment://progress.png"  # shown inside the card
    assert "1 of 15 challenges done" in attachment["description"]
    assert image.size[0] == 800
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is not None
    assert len(colours) > 50, "a blank picture"

    moderator = guild.add_member("mod", admin=True)
    report = await guild.invoke("/admin report", as_user=moderator)
    assert report.ephemeral
    assert "Season report" in report.text
    chart, image = attached_png(fake_discord, report, "season-chart.png")
    assert "Week 1: 1 completed, 1 active." in chart["description"]
    assert "1 member took part" in chart["description"]
    assert "1 member took part" in report.text
    assert image.size[0] == 800
