"""What ``prometheus_client`` costs per committed step, next to the lock-and-dict counters it replaced.

The baseline is the shape of the hand-written ``engine/metrics.py`` before it
(one lock, a dict of counters, a bucket list), rebuilt here so both run in the
same process on the same events. ``python -m bench.metrics_bench`` prints the
microseconds per recorded step of each and their ratio, and the time to render
one exposition of the counters.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.metrics import STEP_SECONDS_BUCKETS, StepMetrics

EVENTS: list[Mapping[str, Any]] = [
    {"type": "TaskCompleted"},
    {"type": "JobCreated"},
    {"type": "JobFailed", "data": {"job_type": "create-database"}},
]


class LockAndDictCounters:
    """The recording half of the former hand-written metrics: the baseline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._buckets = [0] * len(STEP_SECONDS_BUCKETS)
        self._count = 0
        self._sum = 0.0

    def _add(self, name: str, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        self._counters[key] = self._counters.get(key, 0.0) + 1

    def step_committed(self, events: Iterable[Mapping[str, Any]], seconds: float, *, failed: bool = False) -> None:
        with self._lock:
            self._add("steadyflow_steps_total")
            self._count += 1
            self._sum += seconds
            for index, bound in enumerate(STEP_SECONDS_BUCKETS):
                if seconds <= bound:
                    self._buckets[index] += 1
            for event in events:
                if event.get("type") == "JobFailed":
                    self._add("steadyflow_job_failures_total", type=str(event["data"]["job_type"]))


def _per_call_us(record: Callable[[], None], calls: int, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            record()
        timings.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    baseline, library = LockAndDictCounters(), StepMetrics()
    base_us = _per_call_us(lambda: baseline.step_committed(EVENTS, 0.004), args.calls, args.rounds)
    lib_us = _per_call_us(lambda: library.step_committed(EVENTS, 0.004), args.calls, args.rounds)
    render_ms = _per_call_us(library.render, 200, args.rounds) / 1000
    print(
        f"per recorded step: lock+dict baseline {base_us:.2f} us, prometheus_client {lib_us:.2f} us "
        f"(ratio {lib_us / base_us:.2f}x); a typical step takes 2-10 ms"
    )
    print(f"render the counters: {render_ms:.3f} ms per scrape")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
