"""The streak definition, on its own (pure function)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storage.streaks import count_csv, streaks

W = [f"2026-W{n:02d}" for n in range(1, 53)]


def reference(challenge: list[str], done: list[str]) -> tuple[int, int]:
    """The definition, spelled out slowly."""
    weeks = sorted(set(challenge))
    completed = set(done)
    best = run = 0
    for week in weeks:
        run = run + 1 if week in completed else 0
        best = max(best, run)
    i = len(weeks) - 1
    if i >= 0 and weeks[i] not in completed:
        i -= 1  # the latest challenge is still open
    current = 0
    while i >= 0 and weeks[i] in completed:
        current += 1
        i -= 1
    return current, best


def test_no_challenges_no_streak() -> None:
    assert streaks([], []) == (0, 0)
    assert streaks([], [W[0]]) == (0, 0)


def test_nothing_completed() -> None:
    assert streaks(W[:5], []) == (0, 0)


def test_all_completed() -> None:
    assert streaks(W[:5], W[:5]) == (5, 5)


def test_latest_week_still_open_does_not_break_the_streak() -> None:
    assert streaks(W[:5], W[:4]) == (4, 4)


def test_missing_the_two_latest_weeks_ends_the_current_streak() -> None:
    assert streaks(W[:5], W[:3]) == (0, 3)


def test_gap_splits_runs_and_best_is_the_longest() -> None:
    assert streaks(W[:8], [W[0], W[1], W[2], W[4], W[5], W[7]]) == (1, 3)


def test_weeks_without_a_post_do_not_break_a_streak() -> None:
    # The guild paused for W03..W05: W02 and W06 are consecutive challenge weeks.
    challenge = [W[0], W[1], W[5], W[6]]
    assert streaks(challenge, challenge) == (4, 4)


def test_completions_outside_challenge_weeks_are_ignored() -> None:
    assert streaks(W[:3], [*W[:3], "2025-W50"]) == (3, 3)


def test_year_boundary_sorts_chronologically() -> None:
    challenge = ["2025-W51", "2025-W52", "2026-W01", "2026-W02"]
    assert streaks(challenge, challenge[1:]) == (3, 3)


def test_single_week() -> None:
    assert streaks([W[0]], [W[0]]) == (1, 1)
    assert streaks([W[0]], []) == (0, 0)


def test_csv_form_matches() -> None:
    assert count_csv(",".join(W[:5]), ",".join(W[:4])) == (4, 4)
    assert count_csv(None, None) == (0, 0)
    assert count_csv(",".join(W[:5]), None) == (0, 0)


@given(
    st.lists(st.sampled_from(W), max_size=52, unique=True),
    st.lists(st.sampled_from([*W, "2025-W01", "2027-W01"]), max_size=60),
)
def test_matches_the_definition(challenge: list[str], done: list[str]) -> None:
    assert streaks(challenge, done) == reference(challenge, done)
