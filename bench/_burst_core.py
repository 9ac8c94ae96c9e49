"""The burst of ``bench_burst.py`` and ``tests/ops/test_burst.py``: many members at once.

Building blocks, usable outside pytest:

- :func:`launch`: a bot subprocess (the real one, or the bare baseline) logged in to a fake,
  synced to its guild (what ``tests.e2e.conftest.start_bot`` does, with a chosen command line
  and log level).
- :func:`post_weekly_challenge`: this week's post due two minutes ago under a schedule an hour
  old (``tests.ops.botproc.schedule_due_now``), so the scheduler's catch-up sends it with its
  Mark done button right away.
- :func:`mixed_burst` / :func:`constant_burst`: the interactions to send (commands, Mark done
  clicks, autocomplete), built from the command tree the bot registered.
- :func:`fire`: dispatch them all at once, wait (bounded) for every answer, and measure each
  interaction from the fake dispatching INTERACTION_CREATE to the bot's callback arriving
  (:class:`~tests.fakediscord.instrumented.InstrumentedFakeDiscord`).
- :func:`check_writes`: every member's completion is in the database exactly once, and each
  member got exactly one "Recorded" among their concurrent writes.

The bot's database is its SQLite file (the default) or, with ``database=`` a
``postgresql://`` URL, a PostgreSQL database; the checks read either
(``tests.ops.botproc.query``).
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.conftest import REAL_BOT, BotProcess, start_bot
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.instrumented import InstrumentedFakeDiscord
from tests.fakediscord.state import FakeChannel, FakeMember, InteractionRecord
from tests.ops.botproc import query, schedule_due_now

Json = dict[str, Any]
DEADLINE = 3.0  # Discord's time to answer an interaction
START_WITHIN = 30.0
POST_WITHIN = 20.0
CHANNEL = "challenges"
DONE_PREFIX = "mlebot:done:"
BARE_BOT = Path(__file__).with_name("_burst_bare.py")

#: Career commands a member might run (free text is what Discord sends when no choice is
#: picked; unknown values get a "did you mean" answer, which is a reply like any other).
CAREER: tuple[tuple[str, Json], ...] = (
    ("/role", {"name": "ml engineer"}),
    ("/tools", {"name": "pytorch"}),
    ("/tools", {"category": "mlops"}),
    ("/salary", {"region": "India", "level": "entry"}),
    ("/salary", {"level": "senior"}),
    ("/cert", {"name": "aws"}),
    ("/roadmap", {"step": "3"}),
    ("/roadmap", {}),
    ("/mlebot-help", {}),
    ("/about-sources", {}),
)
AUTOCOMPLETE: tuple[tuple[str, str], ...] = (
    ("/role", "name"),
    ("/tools", "name"),
    ("/tools", "category"),
    ("/salary", "region"),
    ("/cert", "name"),
    ("/roadmap", "step"),
)
TYPED = ("", "p", "py", "ml", "data sc", "kube", "aws", "ind", "zzz")
READS: tuple[tuple[str, Json], ...] = (("/progress", {}), ("/challenge current", {}))


# --------------------------------------------------------------------------- processes


async def launch(
    fake: InstrumentedFakeDiscord,
    guild: GuildHandle,
    workdir: Path,
    *,
    argv: Sequence[str] = REAL_BOT,
    log_level: str = "INFO",
    database: str | None = None,
    env: Mapping[str, str] | None = None,
) -> BotProcess:
    """Start ``python <argv>`` against the fake; return once it synced and identified.

    ``env``: more environment for the bot (settings such as ``MLEBOT_MAX_HANDLERS``).

    ``database``: a ``postgresql://`` URL for ``MLEBOT_DATABASE`` (the bot migrates it), run
    from ``workdir`` so its heartbeat file lands there; default a fresh SQLite file there.
    """
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before the bot runs)
    extra = dict(env or {})
    if database is None:
        return await start_bot(fake, guild, workdir, argv=argv, log_level=log_level, env=extra)
    return await start_bot(
        fake,
        guild,
        workdir,
        argv=argv,
        log_level=log_level,
        env={**extra, "MLEBOT_DATABASE": database},
        cwd=workdir,
    )


def read(database: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``?`` parameters) from the bot's SQLite file or PostgreSQL URL."""
    if isinstance(database, str):
        sql = sql.replace("?", "%s")
    return query(database, sql, params)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux ``/proc``), or None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def new_world(members: int) -> tuple[InstrumentedFakeDiscord, GuildHandle, list[FakeMember]]:
    """A fake with one guild and ``members`` members (added before the bot connects)."""
    fake = InstrumentedFakeDiscord()
    fake.add_guild("ML Study Group", channels=("general", CHANNEL))
    guild = GuildHandle(fake, next(iter(fake.guilds.values())))
    people = [guild.add_member(f"member{n:04d}") for n in range(members)]
    return fake, guild, people


# --------------------------------------------------------------------------- the weekly post


async def post_weekly_challenge(
    fake: InstrumentedFakeDiscord,
    guild: GuildHandle,
    bot: BotProcess,
    database: Path | str | None = None,
) -> Json:
    """Make this week's post due now; wait for the catch-up post; return it.

    Returns only once the bot's ledger says "sent" too: the message reaches the channel a
    moment before the bot records it, and until then /challenge done rightly finds no post.
    ``database``: the bot's PostgreSQL URL (default its SQLite file).
    """
    where = bot.database if database is None else database
    moderator = guild.add_member("burst-mod", admin=True)
    await schedule_due_now(bot, guild, moderator, database=where)

    def posts() -> list[Json]:
        return [m for m in guild.messages(CHANNEL) if done_button(m) is not None]

    def recorded() -> bool:
        return bool(read(where, "SELECT count(*) FROM challenge_posts WHERE state = 'sent'")[0][0])

    await fake.wait_until(lambda: bool(posts()), within=POST_WITHIN, what="the weekly post")
    await fake.wait_until(recorded, within=POST_WITHIN, what="the post recorded as sent")
    return posts()[0]


def done_button(message: Json) -> str | None:
    """The Mark done ``custom_id`` on a message, if it has one."""
    for row in message.get("components") or []:
        for item in row.get("components") or []:
            custom_id = str(item.get("custom_id") or "")
            if custom_id.startswith(DONE_PREFIX):
                return custom_id
    return None


# --------------------------------------------------------------------------- interactions


@dataclass(frozen=True)
class Action:
    """One interaction to send: who, what, and whether it records a completion."""

    label: str  # "/tools", "click Mark done", "autocomplete /role name"
    kind: int  # 2 command, 3 component, 4 autocomplete
    member: FakeMember
    data: Json
    channel: FakeChannel
    message: Json | None = None
    write: bool = False

    @property
    def group(self) -> str:
        """What the report groups latencies by: the command path, "autocomplete" or a click."""
        return self.label.split(" /")[0] if self.kind == 4 else self.label


def command_data(guild: GuildHandle, path: str, values: Json, focused: str | None = None) -> Json:
    """Interaction ``data`` for ``/name [sub]`` with string/integer option values.

    Built here rather than through the harness (which waits on the fake per call) so a
    thousand can be dispatched at once; names and types come from the registered tree.
    """
    words = path.lstrip("/").split()
    top = guild.command(words[0])
    schema = top
    for word in words[1:]:
        schema = next(o for o in schema.get("options") or [] if o["name"] == word)
    kinds = {o["name"]: o["type"] for o in schema.get("options") or []}
    options: list[Json] = []
    for name, value in values.items():
        option: Json = {"name": name, "type": kinds[name], "value": value}
        if name == focused:
            option["focused"] = True
        options.append(option)
    for word in reversed(words[1:]):
        options = [{"type": 1, "name": word, "options": options}]
    data: Json = {"id": top["id"], "name": top["name"], "type": 1, "options": options}
    if "guild_id" in top:
        data["guild_id"] = top["guild_id"]
    return data


def command_action(guild: GuildHandle, member: FakeMember, path: str, values: Json) -> Action:
    return Action(path, 2, member, command_data(guild, path, values), guild.default_channel)


def autocomplete_action(
    guild: GuildHandle, member: FakeMember, path: str, option: str, typed: str
) -> Action:
    data = command_data(guild, path, {option: typed}, focused=option)
    return Action(f"autocomplete {path} {option}", 4, member, data, guild.default_channel)


def mixed_burst(
    guild: GuildHandle,
    members: Sequence[FakeMember],
    post: Json,
    *,
    interactions: int,
    rng: random.Random,
) -> list[Action]:
    """``interactions`` spread evenly over ``members``, shuffled.

    Each member sends, in this order of priority: ``/challenge done`` and a Mark done click
    (both writes, racing each other), a career command, an autocomplete, then reads
    (``/progress``, ``/challenge current``), and from then on a career command, an
    autocomplete and a read in turn. At 5 per member that is one career command each; past
    17 per member the career cooldown (5 per 20 s) answers some of them, which is an answer
    all the same.
    """
    custom_id = done_button(post)
    if custom_id is None:
        raise AssertionError("the weekly post has no Mark done button")
    channel = guild.channel(CHANNEL)
    click = {"custom_id": custom_id, "component_type": 2}
    actions: list[Action] = []
    for index in range(interactions):
        member = members[index % len(members)]
        slot = index // len(members)
        pick = (index * 7 + slot) % 97
        if slot == 0:
            note = {"note": f"notebook #{index}"} if index % 2 else {}
            actions.append(
                Action(
                    "/challenge done",
                    2,
                    member,
                    command_data(guild, "/challenge done", note),
                    guild.default_channel,
                    write=True,
                )
            )
        elif slot == 1:
            actions.append(Action("click Mark done", 3, member, click, channel, post, write=True))
        elif slot % 3 == 2:
            path, values = CAREER[pick % len(CAREER)]
            actions.append(command_action(guild, member, path, values))
        elif slot % 3 == 0:
            path, option = AUTOCOMPLETE[pick % len(AUTOCOMPLETE)]
            actions.append(
                autocomplete_action(guild, member, path, option, TYPED[pick % len(TYPED)])
            )
        else:
            path, values = READS[pick % len(READS)]
            actions.append(command_action(guild, member, path, values))
    rng.shuffle(actions)
    return actions


def constant_burst(
    guild: GuildHandle, members: Sequence[FakeMember], *, interactions: int, rng: random.Random
) -> list[Action]:
    """The baseline: ``/ping`` from ``members`` in turn."""
    data = command_data(guild, "/ping", {})
    actions = [
        Action("/ping", 2, members[n % len(members)], data, guild.default_channel)
        for n in range(interactions)
    ]
    rng.shuffle(actions)
    return actions


# --------------------------------------------------------------------------- firing


@dataclass
class Outcome:
    """One interaction after the burst."""

    action: Action
    record: InteractionRecord
    latency: float | None  # seconds to the accepted initial response; None if never
    deferred_answer: str | None = None  # what a deferred reply was completed with

    @property
    def content(self) -> str:
        """The text the member ends up reading (a deferred reply's completion included)."""
        if self.deferred_answer is not None:
            return self.deferred_answer
        if not self.record.callbacks:
            return ""
        return str((self.record.callbacks[0].get("data") or {}).get("content") or "")


@dataclass
class BurstResult:
    """What a burst measured and what went wrong."""

    name: str
    outcomes: list[Outcome]
    wall: float  # first dispatch to last answer, seconds
    problems: list[str] = field(default_factory=list)
    bot_cpu: float | None = None
    harness_cpu: float | None = None
    #: Interactions the bot logged as dropped ("expired": reached more than 2.5 s late, so
    #: left unanswered with nothing written); None if its log was not read.
    expired_logged: int | None = None

    @property
    def late(self) -> int:
        """Answered, but after Discord's 3 s (Discord refused the answer: 10062)."""
        return sum(
            1
            for o in self.outcomes
            if o.record.callbacks or o.record.errors
            if o.latency is None or o.latency > DEADLINE
        )

    @property
    def unanswered(self) -> int:
        """Never answered at all: dropped by the bot as too late, or lost."""
        return sum(1 for o in self.outcomes if not o.record.callbacks and not o.record.errors)

    def latencies(self, group: str | None = None, *, write: bool | None = None) -> list[float]:
        """Sorted latencies (s) of the answered interactions, optionally of one group/kind."""
        return sorted(
            o.latency
            for o in self.outcomes
            if o.latency is not None
            and (group is None or o.action.group == group)
            and (write is None or o.action.write == write)
        )

    def pct(self, q: float, group: str | None = None, *, write: bool | None = None) -> float:
        """The ``q``-th percentile (nearest rank) of the latencies, in seconds."""
        values = self.latencies(group, write=write)
        if not values:
            return float("nan")
        index = min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))
        return values[index]

    @property
    def mean(self) -> float:
        values = self.latencies()
        return statistics.fmean(values) if values else float("nan")


def combine(results: Sequence[BurstResult], name: str) -> BurstResult:
    """Several bursts as one (latencies pooled; wall and CPU summed)."""
    combined = BurstResult(
        name,
        [o for r in results for o in r.outcomes],
        sum(r.wall for r in results),
        [p for r in results for p in r.problems],
    )
    if all(r.bot_cpu is not None for r in results):
        combined.bot_cpu = sum(r.bot_cpu or 0.0 for r in results)
    if all(r.harness_cpu is not None for r in results):
        combined.harness_cpu = sum(r.harness_cpu or 0.0 for r in results)
    if all(r.expired_logged is not None for r in results):
        combined.expired_logged = sum(r.expired_logged or 0 for r in results)
    return combined


#: What ``bot.interaction_log`` logs for an interaction dropped as too late.
EXPIRED_LOG = " expired in "


def expired_in_log(bot: BotProcess) -> int:
    """How many interactions the bot has logged as dropped ("expired") so far."""
    return bot.output().count(EXPIRED_LOG)


def deferred_answer(fake: InstrumentedFakeDiscord, record: InteractionRecord) -> str | None:
    """The text a deferred reply ("thinking") was replaced with, if it was deferred."""
    if record.response_type != 5 or record.original_message_id is None:
        return None
    message = fake.messages.get(record.original_message_id) or {}
    return str(message.get("content") or "")


def _settled(record: InteractionRecord) -> bool:
    if record.errors:
        return True
    if not record.callbacks:
        return False
    # After a defer the answer is an edit of the original or a follow-up.
    return record.response_type != 5 or record.original_edits > 0 or bool(record.followup_ids)


async def fire(
    fake: InstrumentedFakeDiscord,
    actions: Sequence[Action],
    *,
    name: str,
    bot: BotProcess | None = None,
    within: float = DEADLINE + 7.0,
) -> BurstResult:
    """Dispatch every action at once; wait (at most ``within`` s) for all answers; check them.

    Problems: unanswered, answered late (> 3 s), invalid or twice (the fake's failures), or
    settled only by an error.
    """
    loop = asyncio.get_running_loop()
    fake.take_failures()
    bot_cpu = cpu_seconds(bot.process.pid) if bot is not None else None
    expired_before = expired_in_log(bot) if bot is not None else 0
    harness_cpu = os.times()
    started = loop.time()
    records = await asyncio.gather(
        *(
            fake.send_interaction(
                kind=a.kind, data=a.data, user=a.member.user, channel=a.channel, message=a.message
            )
            for a in actions
        )
    )
    deadline = started + within
    # Polled: the fake's wait_until re-checks on each of its changes, which would put a
    # 1,000-record scan in the fake's loop per request, inside the window being measured.
    # Each poll looks only at the records still open.
    waiting = [r for r in records if not _settled(r)]
    while waiting and loop.time() < deadline:
        await asyncio.sleep(0.02)
        waiting = [r for r in waiting if not _settled(r)]
    wall = (
        max((fake.callback_arrived.get(r.id, loop.time()) for r in records), default=started)
        - started
    )
    after = os.times()
    outcomes = [
        Outcome(a, r, fake.answer_latency(r.id), deferred_answer(fake, r))
        for a, r in zip(actions, records, strict=True)
    ]
    result = BurstResult(name, outcomes, wall)
    if bot is not None:
        end_cpu = cpu_seconds(bot.process.pid)
        if bot_cpu is not None and end_cpu is not None:
            result.bot_cpu = end_cpu - bot_cpu
        result.expired_logged = expired_in_log(bot) - expired_before
    result.harness_cpu = (after.user + after.system) - (harness_cpu.user + harness_cpu.system)
    for outcome in outcomes:
        record, what = (
            outcome.record,
            f"{outcome.action.label} ({outcome.action.member.user.username})",
        )
        if record.errors:
            result.problems.append(f"{what}: {'; '.join(record.errors)}")
        elif not record.callbacks:
            result.problems.append(
                f"{what}: never answered (waited {within:g}s; dropped as expired or lost)"
            )
        elif not _settled(record):
            result.problems.append(f"{what}: deferred and never completed")
        elif outcome.latency is None or outcome.latency > DEADLINE:
            result.problems.append(f"{what}: answered after {outcome.latency}s")
    result.problems += [f"fake: {f}" for f in fake.take_failures()]
    return result


# --------------------------------------------------------------------------- writes


@dataclass
class WriteCheck:
    members: int  # members who sent at least one write
    stored: int  # their completions in the database
    recorded_replies: int  # "Recorded" answers
    problems: list[str]


def check_writes(
    result: BurstResult, database: Path | str, guild_id: int, post: Json
) -> WriteCheck:
    """Every writing member has exactly one completion stored and exactly one "Recorded" reply,
    and every member's leaderboard totals match their completions.

    Read straight from the bot's SQLite file (read-only; WAL lets it run beside the bot) or
    its PostgreSQL database (a ``postgresql://`` URL; committed rows).
    """
    # mlebot:done:<challenge>[:<week marker>]
    challenge_id = (done_button(post) or "").removeprefix(DONE_PREFIX).split(":")[0]
    replies: dict[int, list[str]] = {}
    for outcome in result.outcomes:
        if outcome.action.write:
            replies.setdefault(outcome.action.member.user.id, []).append(outcome.content)
    problems = []
    recorded = 0
    for user_id, texts in replies.items():
        fresh = sum("Recorded" in t for t in texts)
        again = sum("already marked" in t for t in texts)
        recorded += fresh
        if fresh != 1 or fresh + again != len(texts):
            problems.append(f"member {user_id}: write replies {texts!r}")
    rows = read(
        database,
        "SELECT user_id, count(*) FROM completions WHERE guild_id = ? AND challenge_id = ?"
        " GROUP BY user_id",
        (guild_id, challenge_id),
    )
    # The leaderboard totals (kept by triggers in the same transaction) must agree.
    drift = read(
        database,
        "SELECT m.user_id, m.points_all, m.completions_all, sum(c.points), count(c.user_id)"
        " FROM members AS m LEFT JOIN completions AS c"
        "   ON c.guild_id = m.guild_id AND c.user_id = m.user_id"
        " WHERE m.guild_id = ? GROUP BY m.user_id, m.points_all, m.completions_all"
        " HAVING m.points_all <> coalesce(sum(c.points), 0)"
        "     OR m.completions_all <> count(c.user_id)",
        (guild_id,),
    )
    if drift:
        problems.append(f"leaderboard totals disagree with completions: {drift[:5]}")
    stored = dict(rows)
    lost = sorted(set(replies) - set(stored))
    if lost:
        problems.append(f"{len(lost)} member(s) have no stored completion: {lost[:5]}")
    doubled = [u for u, n in stored.items() if n != 1]
    if doubled:
        problems.append(f"completions stored more than once: {doubled[:5]}")
    stored_for_writers = sum(1 for u in replies if u in stored)
    return WriteCheck(len(replies), stored_for_writers, recorded, problems)


def summary_counts(actions: Sequence[Action]) -> Counter[str]:
    """How many of each kind of interaction a burst holds."""
    counts: Counter[str] = Counter()
    for action in actions:
        if action.kind == 3:
            counts["Mark done clicks"] += 1
        elif action.kind == 4:
            counts["autocomplete"] += 1
        elif action.write:
            counts["/challenge done"] += 1
        else:
            counts["other commands"] += 1
    return counts
