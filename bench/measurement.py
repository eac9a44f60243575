"""One timed run of one variant of the engine benchmark, and the shape every variant runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "database-creation-c8.bpmn"
PROCESS_ID = "database-creation-c8"

VARIANTS = {
    "a": "(a) SpiffWorkflow alone, in memory",
    "b": "(b) by hand: Spiff serializer + SQLite",
    "c": "(c) steadyflow end to end",
    "d": "(d) DBOS 3.x on SQLite",
}


CLIENTS = 8
"""Client threads that start instances at once in (b), (c) and (d): a server's concurrent requests."""


def from_clients(count: int, clients: int, call: Callable[[int], Any]) -> None:
    """``call(i)`` for every i < count, from ``clients`` threads at once (each takes the next i); errors raise."""
    if clients <= 1:
        for i in range(count):
            call(i)
        return
    with ThreadPoolExecutor(max_workers=clients, thread_name_prefix="bench-client") as pool:
        for future in [pool.submit(call, i) for i in range(count)]:
            future.result()


def start_variables(index: int, regions: int) -> dict[str, Any]:
    return {"database": f"db{index}", "regions": [f"region-{r}" for r in range(regions)]}


def expected_steps(regions: int) -> int:
    """Start, one completion per region, one for create-replication."""
    return 1 + regions + 1


@dataclass
class Measurement:
    """One timed run of one variant; bytes are measured on disk (bench/disk_usage.py), 0 for (a)."""

    variant: str
    instances: int
    regions: int
    steps: int
    seconds: float
    bytes_written: int
    bytes_stored: int = 0
    commits: int = 0
    """Write transactions during the run (all of them: starts, claims, step batches)."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def instances_per_s(self) -> float:
        return self.instances / self.seconds if self.seconds > 0 else float("inf")

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("inf")

    @property
    def ms_per_step(self) -> float:
        return 1000.0 * self.seconds / self.steps if self.steps else 0.0

    @property
    def bytes_per_step(self) -> float:
        return self.bytes_written / self.steps if self.steps else 0.0

    @property
    def stored_per_step(self) -> float:
        return self.bytes_stored / self.steps if self.steps else 0.0

    @property
    def steps_per_commit(self) -> float:
        return self.steps / self.commits if self.commits else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "label": VARIANTS[self.variant],
            "instances": self.instances,
            "regions": self.regions,
            "steps": self.steps,
            "seconds": round(self.seconds, 6),
            "bytes_written": self.bytes_written,
            "bytes_stored": self.bytes_stored,
            "commits": self.commits,
            "instances_per_s": round(self.instances_per_s, 3),
            "steps_per_s": round(self.steps_per_s, 3),
            "ms_per_step": round(self.ms_per_step, 4),
            "bytes_written_per_step": round(self.bytes_per_step, 1),
            "bytes_stored_per_step": round(self.stored_per_step, 1),
            "steps_per_commit": round(self.steps_per_commit, 2),
            **self.extra,
        }


__all__ = [
    "CLIENTS",
    "EXAMPLE",
    "PROCESS_ID",
    "ROOT",
    "VARIANTS",
    "Measurement",
    "expected_steps",
    "from_clients",
    "start_variables",
]


def median_ms(work: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``work`` in milliseconds over ``repeat`` runs, after one warm-up run."""
    work()  # warm caches, as a page seen twice is
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
