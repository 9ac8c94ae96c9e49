"""Cooldowns: discord.py's token arithmetic per key, at a cost that does not grow with keys."""

from __future__ import annotations

from discord import app_commands
from hypothesis import given
from hypothesis import strategies as st

from bot.cooldowns import Cooldowns


def test_a_key_gets_rate_uses_per_period_and_others_are_unaffected() -> None:
    cooldowns = Cooldowns(5, 20.0)
    assert [cooldowns.hit("ada", 100.0 + i) for i in range(5)] == [None] * 5
    refused = cooldowns.hit("ada", 106.0)
    assert refused is not None
    bucket, retry_after = refused
    assert retry_after == 14.0  # the window opened at 100.0
    assert bucket.rate == 5
    assert cooldowns.hit("grace", 106.0) is None
    assert cooldowns.hit("ada", 120.5) is None  # a new window


def test_keys_unused_for_a_period_are_dropped_as_others_arrive() -> None:
    cooldowns = Cooldowns(1, 30.0)
    for member in range(10_000):
        assert cooldowns.hit(member, 1_000.0 + member / 1_000) is None
    assert len(cooldowns) == 10_000
    # More than 30 s after their last use at 1,035.0: the first half is gone, the rest stays.
    cooldowns.hit("late", 1_035.0)
    assert len(cooldowns) == 1 + 10_000 - 5_000  # members 0-4,999: last use before 1,005.0
    assert cooldowns.hit(9_999, 1_035.0) is not None  # still in its period: refused


# (key, seconds since the previous call) pairs
calls = st.lists(
    st.tuples(st.integers(0, 3), st.floats(0, 12, allow_nan=False)), min_size=1, max_size=60
)


@given(calls)
def test_refusals_match_discord_py_buckets_kept_forever(sequence: list[tuple[int, float]]) -> None:
    """Dropping expired buckets changes nothing: one unused for a period would have reset."""
    ours = Cooldowns(3, 10.0)
    theirs: dict[int, app_commands.Cooldown] = {}
    now = 1_000.0
    for key, step in sequence:
        now += step
        expected = theirs.setdefault(key, app_commands.Cooldown(3, 10.0)).update_rate_limit(now)
        refused = ours.hit(key, now)
        assert (refused is None) == (expected is None)
        if refused is not None:
            assert refused[1] == expected
