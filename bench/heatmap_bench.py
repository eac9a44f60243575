"""The heatmap over 100,000 instances: the writer's counters against computing it from history.

``python -m bench.heatmap_bench`` fills one SQLite database with the history of N instances of the
Camunda 8 example (start, multi-instance body, three regions, replication, end: 14 activity events
each, completions spread over 30 days, durations log-normal) and the ``element_stats`` counters the
writer keeps for them (folded by ``PendingWrites`` and written by the writer's own statement, as a
step does). Then it times, median of a few runs each, (1) ``Engine.heatmap`` (what the definition
page asks) and (2) the baseline: the same counts, averages and p95 from the events table (join each
completion to its activation, per element). It checks both give the same counts, prints both times,
their ratio, and whether the heatmap met its goal (under 1 s).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

from sqlalchemy import text

from engine.engine import Engine
from engine.heatmap import SHARDS, completion_stats
from engine.intents import ElementStat
from engine.store import schema as t
from engine.store.dialect import bulk_insert
from engine.writer import PendingWrites

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "database-creation-c8.bpmn"
REGIONS = 3
REGION_S = 30.0
DAYS = 30
BATCH = 2_000

BASELINE = text(
    """
    SELECT c.element_id, c.at - a.at
    FROM events c JOIN events a
      ON a.instance_id = c.instance_id AND a.task_id = c.task_id AND a.type = 'ActivityActivated'
    JOIN instances i ON i.id = c.instance_id
    WHERE c.type = 'ActivityCompleted' AND i.definition_id = :definition AND c.data IS NULL AND c.at >= :since
    """
)


def _instance_rows(
    definition_id: str, index: int, now: float, rng: random.Random
) -> tuple[dict[str, Any], list[dict[str, Any]], list[ElementStat]]:
    instance_id = str(uuid.UUID(int=rng.getrandbits(128)))
    started = now - rng.uniform(0, DAYS * 86400)
    shard = zlib.crc32(instance_id.encode()) % SHARDS
    events: list[dict[str, Any]] = []
    stats: list[ElementStat] = []
    at = started

    def activity(element: str, seconds: float, counted: bool = True, data: str | None = None) -> None:
        nonlocal at
        task_id = str(uuid.UUID(int=rng.getrandbits(128)))
        for kind, when in (("ActivityActivated", at), ("ActivityCompleted", at + seconds)):
            events.append(
                {
                    "instance_id": instance_id,
                    "seq": len(events) + 1,
                    "type": kind,
                    "element_id": element,
                    "task_id": task_id,
                    "job_id": None,
                    "at": when,
                    "data": data,
                }
            )
        if counted:
            stats.extend(completion_stats(definition_id, element, at + seconds, seconds, shard))

    activity("StartEvent_RequestReceived", 0.0005)
    regions = [rng.lognormvariate(math.log(REGION_S), 0.6) for _ in range(REGIONS)]
    body_s = max(regions)
    for seconds in regions:
        activity("Activity_CreateDatabase", seconds)
    activity("Activity_CreateDatabase", body_s, counted=False, data='{"body": true}')  # the body, marked
    at += body_s
    activity("Activity_CreateReplication", rng.lognormvariate(math.log(2.0), 0.4))
    at += 2.0
    activity("EndEvent_DatabaseReady", 0.0005)
    row = {
        "id": instance_id,
        "definition_id": definition_id,
        "definition_key": "database-creation-c8",
        "business_key": f"B-{index}",
        "state": "completed",
        "version": 6,
        "event_seq": len(events),
        "open_incidents": 0,
        "frame": "",
        "started_at": started,
        "updated_at": at,
        "ended_at": at,
    }
    return row, events, stats


def fill(engine: Engine, definition_id: str, instances: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = time.time()
    for start in range(0, instances, BATCH):
        rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        pending = PendingWrites()
        for index in range(start, min(instances, start + BATCH)):
            row, written, stats = _instance_rows(definition_id, index, now, rng)
            rows.append(row)
            events.extend(written)
            pending.add(stats)
        with engine.db.write() as conn:
            bulk_insert(conn, t.instances, rows)
            bulk_insert(conn, t.events, events)
            pending.write(engine.store, conn)


def baseline(engine: Engine, definition_id: str, since: float = 0.0) -> dict[str, dict[str, float]]:
    """Count, average and p95 per element straight from the history (what the counters spare)."""
    durations: dict[str, list[float]] = {}
    with engine.db.read() as conn:
        for element, seconds in conn.execute(BASELINE, {"definition": definition_id, "since": since}):
            durations.setdefault(str(element), []).append(float(seconds))
    out = {}
    for element, values in durations.items():
        values.sort()
        p95 = values[max(0, math.ceil(0.95 * len(values)) - 1)]
        out[element] = {"count": len(values), "avgMs": 1000 * sum(values) / len(values), "p95Ms": 1000 * p95}
    return out


def _median_s(call: Any, rounds: int) -> tuple[float, Any]:
    timings, answer = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        answer = call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, Engine.open(data_dir=folder) as engine:
        engine.deploy_paths([EXAMPLE])
        definition_id = engine.definitions.resolve("database-creation-c8", 1).id
        started = time.perf_counter()
        fill(engine, definition_id, args.instances)
        filled_s = time.perf_counter() - started
        with engine.db.read() as conn:
            counters = conn.execute(text("SELECT count(*) FROM element_stats")).scalar_one()
            events = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        heat_s, heat = _median_s(lambda: engine.heatmap("database-creation-c8", version=1), args.rounds)
        base_s, base = _median_s(lambda: baseline(engine, definition_id), max(1, args.rounds // 2))
        elements = heat["elements"]
        same = {e: h["count"] for e, h in elements.items()} == {e: b["count"] for e, b in base.items()}
        print(
            f"{args.instances} instances, {events} history events, {counters} counter rows (filled in {filled_s:.1f} s)"
        )
        print(
            f"heatmap from the counters: {heat_s * 1000:.1f} ms (goal < 1000 ms: {'met' if heat_s < 1 else 'MISSED'})"
        )
        print(f"baseline from history:     {base_s * 1000:.1f} ms; ratio {base_s / heat_s:.0f}x")
        for element, h in elements.items():
            b = base[element]
            print(
                f"  {element}: count {h['count']} (history {b['count']}), avg {h['avgMs']:.0f} ms "
                f"(history {b['avgMs']:.0f}), p95 {h['p95Ms']:.0f} ms (history {b['p95Ms']:.0f})"
            )
        print(f"counts agree with history: {same}")
        since = (time.time() - 7 * 86400) // 3600 * 3600  # the window starts on an hour, as the counters do
        week_s, week = _median_s(lambda: engine.heatmap("database-creation-c8", version=1, since=since), args.rounds)
        week_base_s, week_base = _median_s(lambda: baseline(engine, definition_id, since), max(1, args.rounds // 2))
        week_same = {e: h["count"] for e, h in week["elements"].items()} == {
            e: b["count"] for e, b in week_base.items()
        }
        print(
            f"last 7 days: counters {week_s * 1000:.1f} ms (goal < 1000 ms: {'met' if week_s < 1 else 'MISSED'}), "
            f"history {week_base_s * 1000:.1f} ms, ratio {week_base_s / week_s:.0f}x, counts agree: {week_same}"
        )
        return 0 if same and week_same else 1


if __name__ == "__main__":
    raise SystemExit(main())
