"""Time autocomplete and reply rendering per call, against a bare dict lookup in the same run.

    python bench/bench_commands.py            # print the table
    python bench/bench_commands.py --check    # also exit 1 if a target is missed

Targets (issue 5): autocomplete p99 under 1 ms; any reply rendered under 5 ms. "Rendered"
means the whole answer: resolve the option, build the card, lay it out into embeds, and build
the JSON body discord.py would send (``initial_response_payload``).

Every call is timed on its own with ``perf_counter_ns`` (the baseline too, so timer overhead
is in both), after a warm-up; the ratio column is p50 / p50 of the bare lookup.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.cogs import career_answers
from bot.cogs.base import choices
from bot.embeds import Reply
from bot.lookup import Guide
from bot.views import initial_response_payload
from content.loader import load_catalog

AUTOCOMPLETE_P99_TARGET_MS = 1.0
RENDER_MAX_TARGET_MS = 5.0


@dataclass
class Result:
    name: str
    samples_ns: list[int]

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples_ns)
        index = min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))
        return ordered[index] / 1e6

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ns) / 1e6

    @property
    def worst(self) -> float:
        return max(self.samples_ns) / 1e6


def timed(name: str, calls: Sequence[Callable[[], object]], rounds: int) -> Result:
    for call in calls:  # warm-up: imports, caches, first-use costs
        call()
    samples: list[int] = []
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for _ in range(rounds):
            for call in calls:
                start = clock()
                call()
                samples.append(clock() - start)
    finally:
        gc.enable()
    return Result(name, samples)


def queries(guide: Guide) -> list[tuple[str, str]]:
    """What members type: empty, every prefix of every name, typos, aliases, junk."""
    typed: list[tuple[str, str]] = []
    for kind in ("roles", "tools", "tool_categories", "certifications", "roadmap", "regions"):
        index = getattr(guide, kind)
        typed.append((kind, ""))
        for entry in index.entries:
            label = entry.label
            typed += [(kind, label[:n]) for n in (1, 2, 3, 5, 8) if n <= len(label)]
            typed.append((kind, label))
    typed += [
        ("tools", "pytorh"),
        ("tools", "sklearn"),
        ("tools", "k8s"),
        ("tools", "kuberntes"),
        ("tools", "aws"),
        ("tools", "gcp"),
        ("tools", "pytörch"),
        ("roles", "data scienist"),
        ("regions", "deutschland"),
        ("tools", "x" * 100),
        ("tools", "zzz-no-such-thing"),
    ]
    return typed


def replies(guide: Guide) -> list[tuple[str, Callable[[], Reply]]]:
    answers = career_answers()
    catalog = guide.catalog
    cases: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in answers]
    cases += [("role", {"name": r.name}) for r in catalog.roles]
    cases += [("tools", {"name": t.name}) for t in catalog.tools]
    cases += [("tools", {"category": c.name}) for c in catalog.tool_categories]
    cases += [("cert", {"name": c.name}) for c in catalog.certifications]
    cases += [("roadmap", {"step": s.name}) for s in catalog.roadmap]
    cases += [("salary", {"region": "India", "level": "entry"}), ("salary", {"level": "senior"})]
    cases += [("salary", {"region": label}) for label, _ in guide.regions.choices("")]
    out = []
    for name, options in cases:
        answer = answers[name]
        out.append(
            (
                f"/{name} {options}",
                lambda answer=answer, options=options: answer(guide, **options),
            )
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="passes over the inputs")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    catalog = load_catalog()
    started = time.perf_counter()
    guide = Guide.build(catalog)
    build_ms = (time.perf_counter() - started) * 1e3

    typed = queries(guide)
    lookup = {entry.value: entry for entry in guide.tools.entries}
    keys = [entry.value for entry in guide.tools.entries]
    baseline = timed(
        "bare dict lookup",
        [lambda key=key: lookup[key] for key in keys],
        args.rounds * max(1, len(typed) // len(keys)),
    )
    autocomplete = timed(
        "autocomplete (25 Choices)",
        [lambda kind=kind, text=text: choices(getattr(guide, kind), text) for kind, text in typed],
        args.rounds,
    )
    cases = replies(guide)
    render_rounds = max(5, args.rounds // 10)
    rendering = timed("render answer", [call for _, call in cases], render_rounds)
    payload = timed(
        "render + JSON payload",
        [lambda call=call: initial_response_payload(call()) for _, call in cases],
        render_rounds,
    )
    # Which reply is slowest (per case median), to say where to look if a target slips.
    per_case = {
        label: statistics.median(timed(label, [call], 20).samples_ns) / 1e6 for label, call in cases
    }
    slowest = max(per_case, key=per_case.__getitem__)

    print(f"index build (once per catalog): {build_ms:.2f} ms")
    print(f"{len(typed)} autocomplete inputs, {len(cases)} replies, rounds={args.rounds}")
    print(f"{'measure':<28}{'calls':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'x dict':>10}")
    for result in (baseline, autocomplete, rendering, payload):
        ratio = result.p50 / baseline.p50
        print(
            f"{result.name:<28}{len(result.samples_ns):>8}{result.p50:>10.4f}"
            f"{result.pct(99):>10.4f}{result.worst:>10.4f}{ratio:>10.0f}"
        )
    print(f"slowest reply: {slowest} ({per_case[slowest]:.3f} ms median)")

    ok_autocomplete = autocomplete.pct(99) < AUTOCOMPLETE_P99_TARGET_MS
    ok_render = max(per_case.values()) < RENDER_MAX_TARGET_MS
    print(
        f"target autocomplete p99 < {AUTOCOMPLETE_P99_TARGET_MS} ms: "
        f"{'PASS' if ok_autocomplete else 'FAIL'} ({autocomplete.pct(99):.4f} ms)"
    )
    print(
        f"target every reply < {RENDER_MAX_TARGET_MS} ms (median per reply): "
        f"{'PASS' if ok_render else 'FAIL'} ({per_case[slowest]:.3f} ms); "
        f"p99 over all render calls {payload.pct(99):.3f} ms"
    )
    return 0 if (ok_autocomplete and ok_render) or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
