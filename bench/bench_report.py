"""The engine benchmark's printed tables and its targets."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.measurement import VARIANTS, Measurement

Out = Callable[[str], None]


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


@dataclass
class Target:
    key: str
    label: str
    value: float
    """NaN when it could not be measured (a variant is missing): a missed target."""
    op: str
    limit: float

    @property
    def passed(self) -> bool:
        if math.isnan(self.value):
            return False
        return self.value >= self.limit if self.op == ">=" else self.value <= self.limit

    def as_dict(self) -> dict[str, Any]:
        value = None if math.isnan(self.value) else round(self.value, 4)
        return {"label": self.label, "value": value, "target": f"{self.op} {self.limit}", "pass": self.passed}


def print_targets(targets: Sequence[Target], out: Out) -> None:
    for t in targets:
        value = "not measured" if math.isnan(t.value) else f"{t.value:.3f}"
        out(f"ratio {t.label} = {value}   target {t.op} {t.limit}   {'PASS' if t.passed else 'FAIL'}")


def print_throughput(results: Sequence[Measurement], out: Out) -> None:
    out(
        f"{'variant':<40} {'inst/s':>8} {'steps/s':>9} {'ms/step':>8} {'written B/step':>14} {'stored B/step':>13} "
        f"{'steps/commit':>12} {'steps':>6} {'s':>7}  durability read back"
    )
    for m in results:
        durable = (
            f"{m.extra['journal_mode']}, synchronous={m.extra['synchronous']}" if "journal_mode" in m.extra else "-"
        )
        out(
            f"{VARIANTS[m.variant]:<40} {m.instances_per_s:>8.1f} {m.steps_per_s:>9.1f} {m.ms_per_step:>8.3f} "
            f"{m.bytes_per_step:>14.0f} {m.stored_per_step:>13.0f} {m.steps_per_commit:>12.2f} {m.steps:>6} "
            f"{m.seconds:>7.3f}  {durable}"
        )
    out("written = bytes the process wrote (/proc/self/io wchar: WAL frames + checkpoint copies) per step;")
    out("stored = growth of the checkpointed database file per step; synchronous=2 is FULL")


def print_sizes(rows: Sequence[Measurement], out: Out) -> None:
    out(
        f"{'regions':>8} {'variant':<40} {'steps':>6} {'ms/step':>9} {'written B/step':>14} {'stored B/step':>13} "
        f"{'steps/commit':>12} {'total s':>8}"
    )
    for m in rows:
        out(
            f"{m.regions:>8} {VARIANTS[m.variant]:<40} {m.steps:>6} {m.ms_per_step:>9.3f} "
            f"{m.bytes_per_step:>14.0f} {m.stored_per_step:>13.0f} {m.steps_per_commit:>12.2f} {m.seconds:>8.3f}"
        )


def print_profile(profile: dict[str, Any], instances: int, regions: int, out: Out) -> None:
    out(
        f"== cProfile of (c), {instances} instances x {regions} regions, jobs inline: own time by area "
        f"({profile['steps']} steps, {profile['total_s']:.2f} s profiled) =="
    )
    out(f"{'own s':>8} {'share':>6} {'ms/step':>8}  area")
    for area in profile["areas"]:
        out(f"{area['own_s']:>8.3f} {100 * area['share']:>5.1f}% {area['ms_per_step']:>8.3f}  {area['area']}")
    out("")
    out("top steadyflow functions by cumulative time:")
    out(f"{'cumulative s':>12} {'own s':>8} {'calls':>8}  function")
    for entry in profile["functions"]:
        out(f"{entry['cumulative_s']:>12.3f} {entry['own_s']:>8.3f} {entry['calls']:>8}  {entry['function']}")


__all__ = ["Target", "print_profile", "print_sizes", "print_targets", "print_throughput", "ratio"]
