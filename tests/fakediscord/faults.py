"""Fault injection for the fake: rate limits, server errors, slow answers.

A test arms faults on a route before it acts::

    fake.faults.rate_limit("POST /interactions/{interaction_id}/{interaction_token}/callback",
                           times=3, retry_after=0.2)
    fake.faults.server_error("POST /channels/{channel_id}/messages", status=502)
    fake.faults.slow("PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original", 0.5)

Routes are ``"METHOD template"`` with the spec's path templates (see
``validation.match_route``), or ``"*"`` for any request. Each fault fires ``times`` times, then
is spent; ``fake.faults.hits`` counts what fired, so a test can check the fault was exercised.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["rate_limit", "server_error", "slow"]


@dataclass
class Fault:
    """One armed fault on a route."""

    route: str
    kind: FaultKind
    times: int = 1
    status: int = 429
    retry_after: float = 0.1
    is_global: bool = False
    delay: float = 0.0

    def matches(self, route: str) -> bool:
        return self.times > 0 and self.route in ("*", route)


@dataclass
class FaultPlan:
    """The faults armed on the fake, consumed as requests arrive."""

    faults: list[Fault] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)

    def rate_limit(
        self, route: str = "*", *, times: int = 1, retry_after: float = 0.1, is_global: bool = False
    ) -> Fault:
        """Answer ``times`` requests with 429, ``retry_after`` and Discord's headers."""
        return self._add(Fault(route, "rate_limit", times, 429, retry_after, is_global))

    def server_error(self, route: str = "*", *, status: int = 500, times: int = 1) -> Fault:
        """Answer ``times`` requests with a 5xx (discord.py retries 500/502/504 after 1 s)."""
        return self._add(Fault(route, "server_error", times, status))

    def slow(self, route: str = "*", delay: float = 0.5, *, times: int = 1) -> Fault:
        """Delay ``times`` answers by ``delay`` seconds before handling them normally."""
        return self._add(Fault(route, "slow", times, delay=delay))

    def take(self, route: str) -> Fault | None:
        """The first armed fault for ``route``, consuming one use of it."""
        for fault in self.faults:
            if fault.matches(route):
                fault.times -= 1
                self.hits[f"{fault.kind} {route}"] += 1
                return fault
        return None

    def clear(self) -> None:
        """Disarm every fault and forget the counts."""
        self.faults.clear()
        self.hits.clear()

    def _add(self, fault: Fault) -> Fault:
        if fault.times < 1:
            raise ValueError("a fault must fire at least once")
        self.faults.append(fault)
        return fault
