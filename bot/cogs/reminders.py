"""``/remind on [day] [time] [timezone]``, ``/remind off``, ``/remind status``: a member's
opt-in DM before the week's challenge closes (see :mod:`scheduler.reminders`).

The time zone is the member's own; they give it once (it is kept by ``/remind off``). Without
one, the server's posting zone is used and the answer says so. Every reply is ephemeral.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import discord
from discord import app_commands

from bot.cogs.admin import weekday_choices, zone_choices
from bot.cogs.base import ServicesCog
from bot.errors import UserFacingError, echo
from bot.weekly import discord_time, guild_of
from scheduler.planning import WEEKDAY_NAMES, parse_local_time, parse_weekday
from scheduler.reminders import DEFAULT_REMINDER_TIME, reminder_due
from scheduler.season import planning_week
from scheduler.zones import parse_time_zone
from storage.models import ReminderPref
from storage.store import Store


def describe_pref(pref: ReminderPref) -> str:
    """A member's reminder setting in words, for ``/remind status``."""
    day = (
        "the day before the next weekly post"
        if pref.weekday is None
        else f"on {WEEKDAY_NAMES[pref.weekday]}"
    )
    return f"{day} at {pref.remind_time:%H:%M} ({pref.timezone})"


async def next_reminder(store: Store, pref: ReminderPref, now: datetime) -> datetime | None:
    """When this week's reminder is due, if it is still ahead and not settled."""
    schedule = await store.settings.get(pref.guild_id)
    latest = await store.posts.latest_sent(pref.guild_id)
    if schedule is None or latest is None:
        return None
    week = planning_week(latest.week)
    if any(w == str(week) for w, _ in await store.reminders.sent_to(pref.guild_id, pref.user_id)):
        return None
    due = reminder_due(schedule, pref, week)
    return due if due is not None and due > now else None


class RemindersCog(ServicesCog, name="Reminders"):
    """``/remind``: a DM before the week's challenge closes, only for members who ask."""

    remind = app_commands.Group(
        name="remind",
        description="A DM before this week's challenge closes, if you have not done it",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )

    @remind.command(name="on", description="Get a DM before the week's challenge closes")
    @app_commands.describe(
        day="Day of the week (default: the day before the next weekly post)",
        time="Your local time, 24-hour HH:MM (default 18:00)",
        timezone="Your time zone, e.g. Europe/Berlin (asked once, then kept)",
    )
    async def on(
        self,
        interaction: discord.Interaction[Any],
        day: app_commands.Range[str, 1, 20] | None = None,
        time: app_commands.Range[str, 1, 10] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        store = self.store()
        existing = await store.reminders.get(guild_id, interaction.user.id)
        schedule = await store.settings.get(guild_id)
        note = ""
        try:
            weekday = None if day is None else parse_weekday(day)
            at = DEFAULT_REMINDER_TIME if time is None else parse_local_time(time)
            if timezone is not None:
                zone = parse_time_zone(timezone).key
            elif existing is not None:
                zone = existing.timezone
            else:
                zone = schedule.timezone if schedule is not None else "UTC"
                note = f" I used {zone}; add `timezone:` to use yours."
        except ValueError as error:
            raise UserFacingError(echo(str(error))) from None
        pref = ReminderPref(guild_id, interaction.user.id, weekday, at, zone)
        await store.reminders.save(pref)
        self.services.reminders.poke()
        text = f"⏰ Reminder on: I will DM you {describe_pref(pref)} if you have not marked the"
        text += " week's challenge done." + note
        due = await next_reminder(store, pref, self.clock.now())
        if due is not None:
            text += f" Next: {discord_time(due, 'F')} ({discord_time(due, 'R')})."
        elif schedule is None or schedule.channel_id is None:
            text += " (The weekly challenges are not set up in this server yet.)"
        await interaction.response.send_message(text, ephemeral=True)

    @remind.command(name="off", description="No more reminder DMs in this server")
    async def off(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_of(interaction)
        store = self.store()
        existing = await store.reminders.get(guild_id, interaction.user.id)
        if existing is None or not existing.enabled:
            text = "Your reminder is already off. `/remind on` turns it on."
        else:
            await store.reminders.save(dataclasses.replace(existing, enabled=False))
            self.services.reminders.poke()
            text = "Reminder off: no more DMs. Your time zone is kept for `/remind on`."
        await interaction.response.send_message(text, ephemeral=True)

    @remind.command(name="status", description="Your reminder setting and the next reminder")
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_of(interaction)
        store = self.store()
        pref = await store.reminders.get(guild_id, interaction.user.id)
        if pref is None or not pref.enabled:
            text = "Your reminder is off. `/remind on` sends you a DM before the week closes."
        else:
            text = f"Your reminder is on: {describe_pref(pref)}."
            due = await next_reminder(store, pref, self.clock.now())
            if due is not None:
                text += f" Next: {discord_time(due, 'F')} ({discord_time(due, 'R')})."
        await interaction.response.send_message(text, ephemeral=True)

    @on.autocomplete("timezone")
    async def on_timezone(
        self, _interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @on.autocomplete("day")
    async def on_day(
        self, _interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return weekday_choices(current)
