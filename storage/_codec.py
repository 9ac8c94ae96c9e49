"""Conversions between Python values and their stored form (private to :mod:`storage`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import IsoWeek

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_us(value: datetime) -> int:
    """Aware datetime -> integer microseconds since the epoch (UTC). Naive is a bug: refuse."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {value!r}")
    return (value - _EPOCH) // _MICROSECOND


def from_us(value: int) -> datetime:
    """Integer microseconds since the epoch -> aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=value)


def opt_from_us(value: int | None) -> datetime | None:
    """:func:`from_us` that lets ``None`` through."""
    return None if value is None else from_us(value)


def week_text(week: tuple[int, int]) -> str:
    """``(2026, 48)`` -> ``"2026-W48"``, refusing weeks that do not exist."""
    return str(IsoWeek.parse(f"{week[0]:04d}-W{week[1]:02d}"))


def week_from_text(text: str) -> IsoWeek:
    """``"2026-W48"`` -> ``IsoWeek(2026, 48)``; stored values are trusted (CHECKed on write)."""
    return IsoWeek(int(text[:4]), int(text[6:]))


def utc_now() -> datetime:
    """The default clock; repositories take another one in tests."""
    return datetime.now(UTC)
