"""The heatmap: per element, how many activity instances completed, and their average and p95 duration.

The writer keeps counters per (definition, element, period of completion, duration class) as steps
commit (``engine.step_records``), each completion in three periods: its hour, its day and all time.
Answering never scans history: all time sums one row per duration class (and shard), a window sums
its whole days and the hours at its two edges. Durations are kept in classes 10% wide (bucket ``b`` holds
``1.1**(b-1) .. 1.1**b`` milliseconds; bucket 0 anything under a millisecond), so the p95 is known to
within about 5%; the average is exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.intents import ElementStat
from engine.store.history_states import element_stats
from steadyflow.errors import InvalidInputError, NotFoundError

RATIO = 1.1
SHARDS = 8
"""Counter rows per key: concurrent writers on PostgreSQL rarely wait for the same row."""


def duration_bucket(seconds: float) -> int:
    ms = seconds * 1000.0
    if ms < 1.0:
        return 0
    return 1 + math.floor(math.log(ms) / math.log(RATIO))


def bucket_ms(bucket: int) -> float:
    """A representative duration of the bucket (its geometric middle), in milliseconds."""
    if bucket <= 0:
        return 0.5
    return float(RATIO ** (bucket - 0.5))


@dataclass(frozen=True)
class ElementHeat:
    element_id: str
    count: int
    avg_ms: float
    p95_ms: float

    def as_json(self) -> dict[str, object]:
        return {"count": self.count, "avgMs": round(self.avg_ms, 3), "p95Ms": round(self.p95_ms, 3)}


def summarise(rows: Iterable[tuple[str, int, int, float]]) -> dict[str, ElementHeat]:
    """Fold (element, bucket, passed, total seconds) rows into one figure per element."""
    by_element: dict[str, dict[int, tuple[int, float]]] = {}
    for element, bucket, passed, total in rows:
        buckets = by_element.setdefault(element, {})
        count, seconds = buckets.get(bucket, (0, 0.0))
        buckets[bucket] = (count + passed, seconds + total)
    out: dict[str, ElementHeat] = {}
    for element, buckets in by_element.items():
        count = sum(c for c, _ in buckets.values())
        if count <= 0:
            continue
        total_s = sum(s for _, s in buckets.values())
        rank = math.ceil(0.95 * count)
        seen = 0
        p95 = 0.0
        for bucket in sorted(buckets):
            seen += buckets[bucket][0]
            if seen >= rank:
                p95 = bucket_ms(bucket)
                break
        out[element] = ElementHeat(element, count, total_s * 1000.0 / count, p95)
    return out


def completion_stats(
    definition_id: str, element_id: str, completed_at: float, seconds: float, shard: int
) -> list[ElementStat]:
    """The three counter increments (hour, day, all time) of one completed activity instance."""
    bucket = duration_bucket(seconds)
    hour = int(completed_at // 3600)
    return [
        ElementStat(definition_id, element_id, "h", hour, bucket, shard, 1, seconds),
        ElementStat(definition_id, element_id, "d", hour // 24, bucket, shard, 1, seconds),
        ElementStat(definition_id, element_id, "t", 0, bucket, shard, 1, seconds),
    ]


def window_ranges(since: float | None, until: float | None) -> list[tuple[str, int | None, int | None]]:
    """(span, first, last period) pieces covering the hours from ``since`` to ``until`` exactly once."""
    if since is None and until is None:
        return [("t", None, None)]
    first = 0 if since is None else int(since // 3600)
    last = None if until is None else int(until // 3600)
    first_day = -(-first // 24)  # the first day that starts at or after the first hour
    last_day = None if last is None else (last + 1) // 24 - 1  # the last day that ends by the last hour
    if last_day is not None and first_day > last_day:
        return [("h", first, last)]
    ranges: list[tuple[str, int | None, int | None]] = [("d", first_day, last_day)]
    if first < first_day * 24:
        ranges.append(("h", first, first_day * 24 - 1))
    if last_day is not None and last is not None and (last_day + 1) * 24 <= last:
        ranges.append(("h", (last_day + 1) * 24, last))
    return ranges


class Heatmap:
    """Reads the counters for a definition key (one version, or all), over a window of completion times."""

    def __init__(self, db: Any, store: Any) -> None:
        self.db, self.store = db, store

    def of(
        self, key: str, version: int | None = None, since: float | None = None, until: float | None = None
    ) -> dict[str, Any]:
        """Per element: ``count`` completed activity instances, ``avgMs`` and ``p95Ms`` durations.

        ``since``/``until`` (epoch seconds) select by completion time, to the hour that contains them.
        """
        if since is not None and until is not None and since > until:
            raise InvalidInputError(f"the heatmap window starts ({since}) after it ends ({until}); swap them")
        with self.db.read() as conn:
            if version is not None:
                found = self.store.definition_version(conn, key, version)
                if found is None:
                    raise NotFoundError(f"process {key!r} has no version {version}; see 'steadyflow definitions'")
                definitions = [found]
            else:
                definitions = [d for d in self.store.definitions(conn) if d.key == key]
                if not definitions:
                    raise NotFoundError(f"no process with key {key!r} is deployed")
            rows = element_stats(conn, [d.id for d in definitions], window_ranges(since, until))
        heat = summarise(rows)
        return {
            "key": key,
            "version": version,
            "definitionIds": [d.id for d in definitions],
            "since": since,
            "until": until,
            "elements": {element: h.as_json() for element, h in sorted(heat.items())},
        }
