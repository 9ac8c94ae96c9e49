"""Opt-in reminders: when they are due (DST-correct, in the member's zone), and exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path

import pytest

from content.models import Catalog
from scheduler.jobs import Outcome, PostPolicy, post_weekly_challenge
from scheduler.planning import IsoWeek
from scheduler.ports import Reminder, TransientPublishError
from scheduler.reminders import ReminderScheduler, reminder_due
from storage.models import CompletionSource, ReminderPref
from storage.store import Store
from tests.scheduler.doubles import MINUTE, FakeSleep, ScriptedPublisher, guild, new_store, utc
from tests.scheduler.fakes import FakeClock, Inbox

W48 = IsoWeek(2026, 48)
MONDAY_W48 = utc(2026, 11, 23, 9, 0)  # guild()'s post time in 2026-W48: challenge 1
ALICE, BOB, CAROL = 11, 12, 13


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_W48)


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock, catalog: Catalog) -> AsyncIterator[Store]:
    store = await new_store(tmp_path, clock)
    await store.settings.save(guild())
    outcome = await post_weekly_challenge(
        store, catalog, ScriptedPublisher(clock), clock, 1, policy=PostPolicy(sleep=FakeSleep())
    )
    assert outcome.outcome is Outcome.SENT
    yield store
    await store.close()


@pytest.mark.parametrize(
    ("zone", "weekday", "at", "expected"),
    [
        # Default: the day before the next post (Mon 2026-11-30 09:00 UTC), 18:00 local.
        ("UTC", None, time(18, 0), utc(2026, 11, 29, 18, 0)),
        ("Asia/Kolkata", None, time(18, 0), utc(2026, 11, 29, 12, 30)),
        # In Auckland the next post is already Monday 22:00 local: Sunday 18:00 there.
        ("Pacific/Auckland", None, time(18, 0), utc(2026, 11, 29, 5, 0)),
        ("America/New_York", 3, time(20, 0), utc(2026, 11, 27, 1, 0)),  # Thursday 20:00 EST
        # Monday 08:00 is before this week's post: next Monday's, an hour before it closes.
        ("UTC", 0, time(8, 0), utc(2026, 11, 30, 8, 0)),
        ("UTC", 0, time(9, 0), None),  # the very instants the challenge opens and closes
        ("UTC", 0, time(10, 0), utc(2026, 11, 23, 10, 0)),
    ],
)
def test_reminder_due(zone: str, weekday: int | None, at: time, expected: object) -> None:
    pref = ReminderPref(1, ALICE, weekday=weekday, remind_time=at, timezone=zone)
    assert reminder_due(guild(), pref, W48) == expected


def test_reminder_due_across_the_spring_forward_gap() -> None:
    """Sunday 2027-03-14 02:30 does not exist in New York: moved past the gap, like posts."""
    pref = ReminderPref(1, ALICE, weekday=6, remind_time=time(2, 30), timezone="America/New_York")
    assert reminder_due(guild(), pref, IsoWeek(2027, 10)) == utc(2027, 3, 14, 7, 30)
    before = ReminderPref(1, ALICE, weekday=5, remind_time=time(2, 30), timezone="America/New_York")
    assert reminder_due(guild(), before, IsoWeek(2027, 10)) == utc(2027, 3, 13, 7, 30)  # EST


async def test_only_who_asked_and_has_not_done_it_gets_one_dm_at_their_time(
    store: Store, catalog: Catalog, clock: FakeClock
) -> None:
    inbox = Inbox(clock=clock)
    for user in (ALICE, BOB):
        await store.reminders.save(ReminderPref(1, user, timezone="Asia/Kolkata"))
    await store.reminders.save(ReminderPref(1, CAROL, enabled=False))  # asked, then switched off
    await store.progress.record_completion(
        1, BOB, catalog.challenges[0].id, points=1, source=CompletionSource.BUTTON
    )
    runner = ReminderScheduler(store, lambda: catalog, inbox, clock)
    due = utc(2026, 11, 29, 12, 30)
    clock.set(due - MINUTE)
    early = await runner.run_once()
    assert inbox.sent == []
    assert early.next_due == due
    clock.set(due)
    first = await runner.run_once()
    assert (first.sent, first.done) == (1, 1)
    [(reminder, at)] = inbox.sent
    assert (reminder.user_id, reminder.week, at) == (ALICE, W48, due)
    assert reminder.challenge_id == catalog.challenges[0].id
    assert reminder.closes_at == utc(2026, 11, 30, 9, 0)
    clock.advance(MINUTE)
    again = await runner.run_once()  # and after a restart: a new runner, the same ledger
    restarted = await ReminderScheduler(store, lambda: catalog, inbox, clock).run_once()
    assert again.sent == restarted.sent == 0
    assert len(inbox.sent) == 1
    assert await store.reminders.sent_to(1, ALICE) == [("2026-W48", "sent")]
    assert await store.reminders.sent_to(1, BOB) == [("2026-W48", "done")]
    assert await store.reminders.sent_to(1, CAROL) == []


async def test_after_downtime_caught_up_within_grace_then_dropped(
    store: Store, catalog: Catalog, clock: FakeClock
) -> None:
    inbox = Inbox()
    await store.reminders.save(ReminderPref(1, ALICE))  # Sunday 18:00 UTC
    await store.reminders.save(ReminderPref(1, BOB, weekday=2, remind_time=time(9, 0)))
    runner = ReminderScheduler(store, lambda: catalog, inbox, clock, grace=timedelta(hours=6))
    clock.set(utc(2026, 11, 29, 20, 0))  # Alice's is 2 h late, Bob's (Wednesday) 4 days
    result = await runner.run_once()
    assert (result.sent, result.dropped) == (1, 1)
    assert [r.user_id for r, _ in inbox.sent] == [ALICE]


async def test_closed_dms_switch_the_reminder_off_and_are_told_once(
    store: Store, catalog: Catalog, clock: FakeClock
) -> None:
    inbox = Inbox(closed={ALICE})
    await store.reminders.save(ReminderPref(1, ALICE))
    clock.set(utc(2026, 11, 29, 18, 0))
    result = await ReminderScheduler(store, lambda: catalog, inbox, clock).run_once()
    assert result.failed == 1
    pref = await store.reminders.get(1, ALICE)
    assert pref is not None
    assert (pref.enabled, pref.dm_closed) == (False, True)
    assert await store.reminders.take_dm_closed_notice(1, ALICE)
    assert not await store.reminders.take_dm_closed_notice(1, ALICE)


async def test_forget_me_removes_reminders(
    store: Store, clock: FakeClock, catalog: Catalog
) -> None:
    await store.reminders.save(ReminderPref(1, ALICE))
    clock.set(utc(2026, 11, 29, 18, 0))
    await ReminderScheduler(store, lambda: catalog, Inbox(), clock).run_once()
    report = await store.members.forget_member(ALICE, guild_id=1)
    assert (report.reminders, report.reminders_sent) == (1, 1)
    assert await store.reminders.get(1, ALICE) is None
    assert await store.reminders.sent_to(1, ALICE) == []


# -- exactly once: a crash between the claim and the record ---------------------------------


class Killed(BaseException):
    """kill -9 stands in: nothing after it runs (not an ``Exception``, so nothing catches it)."""


@dataclass
class CrashingInbox(Inbox):
    """An :class:`Inbox` whose next send dies: ``before`` (the DM never left) or after it was
    delivered (the bot never learnt it). ``history_down`` makes looking for a DM fail;
    ``transient`` makes the next send fail transiently (``delivered``: it got through anyway)."""

    crash: str | None = None
    history_down: bool = False
    transient: str | None = None
    looked: int = 0

    async def send_reminder(self, reminder: Reminder) -> None:
        crash, self.crash = self.crash, None
        transient, self.transient = self.transient, None
        if crash == "before":
            raise Killed
        if transient == "lost":
            raise TransientPublishError("503")
        await super().send_reminder(reminder)
        if crash == "after":
            raise Killed
        if transient == "delivered":
            raise TransientPublishError("timeout")

    async def find_reminder(self, reminder: Reminder) -> bool:
        self.looked += 1
        if self.history_down:
            raise TransientPublishError("503 reading the DM channel")
        return await super().find_reminder(reminder)


SUNDAY_18 = utc(2026, 11, 29, 18, 0)  # ALICE's default reminder (UTC)


async def crashed_mid_send(
    store: Store, catalog: Catalog, clock: FakeClock, inbox: CrashingInbox, crash: str
) -> None:
    await store.reminders.save(ReminderPref(1, ALICE))
    clock.set(SUNDAY_18)
    inbox.crash = crash
    with pytest.raises(Killed):
        await ReminderScheduler(store, lambda: catalog, inbox, clock).run_once()
    assert await store.reminders.sent_to(1, ALICE) == [("2026-W48", "claimed")]


@pytest.mark.parametrize(
    ("crash", "expected"),
    [("before", {"sent": 1, "found": 0}), ("after", {"sent": 0, "found": 1})],
    ids=["killed-before-the-dm-left", "killed-after-it-was-delivered"],
)
async def test_a_crash_between_claim_and_record_still_gives_exactly_one_dm(
    store: Store, catalog: Catalog, clock: FakeClock, crash: str, expected: dict[str, int]
) -> None:
    inbox = CrashingInbox(clock=clock)
    await crashed_mid_send(store, catalog, clock, inbox, crash)
    clock.advance(timedelta(minutes=2))  # the restart
    result = await ReminderScheduler(store, lambda: catalog, inbox, clock).run_once()
    assert {"sent": result.sent, "found": result.found} == expected
    assert inbox.looked == 1  # looked for the DM before sending again
    assert [(r.user_id, r.week) for r, _ in inbox.sent] == [(ALICE, W48)]
    assert await store.reminders.sent_to(1, ALICE) == [("2026-W48", "sent")]
    again = await ReminderScheduler(store, lambda: catalog, inbox, clock).run_once()
    assert (again.sent, again.found, len(inbox.sent)) == (0, 0, 1)


@pytest.mark.parametrize(("crash", "state"), [("before", "failed"), ("after", "sent")])
async def test_a_restart_past_the_grace_window_looks_but_never_sends_late(
    store: Store, catalog: Catalog, clock: FakeClock, crash: str, state: str
) -> None:
    inbox = CrashingInbox(clock=clock)
    await crashed_mid_send(store, catalog, clock, inbox, crash)
    clock.advance(timedelta(hours=7))  # down longer than the 6 h grace
    await ReminderScheduler(store, lambda: catalog, inbox, clock).run_once()
    assert len(inbox.sent) == (1 if crash == "after" else 0)
    assert await store.reminders.sent_to(1, ALICE) == [("2026-W48", state)]


async def test_unreadable_dms_leave_the_reminder_claimed_until_they_can_be_read(
    store: Store, catalog: Catalog, clock: FakeClock
) -> None:
    inbox = CrashingInbox(clock=clock)
    await crashed_mid_send(store, catalog, clock, inbox, "after")
    inbox.history_down = True
    runner = ReminderScheduler(store, lambda: catalog, inbox, clock)
    blocked = await runner.run_once()
    assert (blocked.pending, blocked.sent, len(inbox.sent)) == (1, 0, 1)  # no blind re-send
    assert await store.reminders.sent_to(1, ALICE) == [("2026-W48", "claimed")]
    inbox.history_down = False
    clock.advance(timedelta(minutes=5))
    settled = await runner.run_once()
    assert (settled.found, len(inbox.sent)) == (1, 1)
    assert await store.reminders.sent_to(1, ALICE) == [("2026-W48", "sent")]


@pytest.mark.parametrize("transient", ["lost", "delivered"])
async def test_a_transient_send_failure_is_settled_by_looking_first(
    store: Store, catalog: Catalog, clock: FakeClock, transient: str
) -> None:
    inbox = CrashingInbox(clock=clock, transient=transient)
    await store.reminders.save(ReminderPref(1, ALICE))
    clock.set(SUNDAY_18)
    runner = ReminderScheduler(store, lambda: catalog, inbox, clock)
    first = await runner.run_once()
    assert (first.pending, first.failed) == (1, 0)
    assert await store.reminders.sent_to(1, ALICE) == [("2026-W48", "claimed")]
    clock.advance(timedelta(minutes=5))
    second = await runner.run_once()
    assert (second.found, second.sent) == ((1, 0) if transient == "delivered" else (0, 1))
    assert len(inbox.sent) == 1
    assert await store.reminders.sent_to(1, ALICE) == [("2026-W48", "sent")]


async def test_an_unconfirmed_reminder_for_a_week_marked_done_since_is_not_sent(
    store: Store, catalog: Catalog, clock: FakeClock
) -> None:
    inbox = CrashingInbox(clock=clock)
    await crashed_mid_send(store, catalog, clock, inbox, "before")
    await store.progress.record_completion(
        1, ALICE, catalog.challenges[0].id, points=1, source=CompletionSource.BUTTON
    )
    result = await ReminderScheduler(store, lambda: catalog, inbox, clock).run_once()
    assert (result.done, result.sent, inbox.looked, inbox.sent) == (1, 0, 1, [])
    assert await store.reminders.sent_to(1, ALICE) == [("2026-W48", "done")]


async def test_the_bounced_notice_check_reuses_a_recent_read_but_sees_its_own_writes(
    store: Store, catalog: Catalog, clock: FakeClock, tmp_path: Path
) -> None:
    # Asked after every command: with max_age the guild's list is read once and reused.
    assert not await store.reminders.take_dm_closed_notice(1, ALICE, max_age=60)
    other = await new_store(tmp_path, clock)  # another process on the same database
    try:
        await other.reminders.save(ReminderPref(1, ALICE, enabled=False, dm_closed=True))
        assert not await store.reminders.take_dm_closed_notice(1, ALICE, max_age=60)  # kept
        assert await store.reminders.take_dm_closed_notice(1, ALICE)  # max_age 0: read now
    finally:
        await other.close()
    # This store's own write (the reminder loop found DMs closed) is seen at once.
    await store.reminders.save(ReminderPref(1, BOB))
    assert not await store.reminders.take_dm_closed_notice(1, BOB, max_age=60)
    await store.reminders.switch_off_undeliverable(1, BOB)
    assert await store.reminders.take_dm_closed_notice(1, BOB, max_age=60)
    assert not await store.reminders.take_dm_closed_notice(1, BOB, max_age=60)
