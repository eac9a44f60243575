"""Reads and writes of the time-travel and heatmap tables: per-step task-row changes, element counters.

Kept apart from ``engine.store.store`` (which holds the rows of a running instance): these tables
only ever grow, are written by the writer beside the history, and are read by the operator's views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from engine.store import schema as t
from engine.store.dialect import bulk_insert


@dataclass(frozen=True)
class StepStateRecord:
    instance_id: str
    version: int
    definition_id: str
    at: float
    state: str
    first_seq: int
    last_seq: int
    upserts: str
    deletes: str
    frame: str | None


def insert_step_states(conn: Connection, rows: list[dict[str, Any]]) -> None:
    bulk_insert(conn, t.step_states, rows)


def step_states(conn: Connection, instance_id: str, upto: int | None = None) -> list[StepStateRecord]:
    """The instance's recorded steps in order, up to and including version ``upto``."""
    c = t.step_states.c
    query = select(t.step_states).where(c.instance_id == instance_id)
    if upto is not None:
        query = query.where(c.version <= upto)
    rows = conn.execute(query.order_by(c.version))
    return [StepStateRecord(**{k: r._mapping[k] for k in StepStateRecord.__dataclass_fields__}) for r in rows]


def step_summaries(conn: Connection, instance_id: str) -> list[dict[str, Any]]:
    """Every recorded step without its rows: version, time, state and which history events it wrote."""
    c = t.step_states.c
    query = (
        select(c.version, c.at, c.state, c.first_seq, c.last_seq, c.definition_id)
        .where(c.instance_id == instance_id)
        .order_by(c.version)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


@lru_cache(maxsize=4)
def _increment_sql(paramstyle: str) -> str:
    columns = ("definition_id", "element_id", "span", "period", "bucket", "shard", "passed", "total_s")
    placeholder = "%({})s" if paramstyle == "pyformat" else ":{}"
    return (
        f"INSERT INTO element_stats ({', '.join(columns)}) "
        f"VALUES ({', '.join(placeholder.format(name) for name in columns)}) "
        "ON CONFLICT (definition_id, element_id, span, period, bucket, shard) DO UPDATE SET "
        "passed = element_stats.passed + excluded.passed, total_s = element_stats.total_s + excluded.total_s"
    )


def add_element_stats(conn: Connection, stats: Sequence[Any]) -> None:
    """Add to the counters (rows in key order, as every writer takes them, so two never deadlock)."""
    if not stats:
        return
    params = [
        {
            "definition_id": s.definition_id,
            "element_id": s.element_id,
            "span": s.span,
            "period": s.period,
            "bucket": s.bucket,
            "shard": s.shard,
            "passed": s.passed,
            "total_s": s.total_s,
        }
        for s in stats
    ]
    conn.exec_driver_sql(_increment_sql(conn.dialect.paramstyle), params)


def element_stats(
    conn: Connection, definition_ids: Sequence[str], ranges: Sequence[tuple[str, int | None, int | None]]
) -> list[tuple[str, int, int, float]]:
    """(element id, duration bucket, passed, total seconds) summed over shards, versions and the ranges.

    ``ranges``: (span, first period, last period) pieces that together cover the window once.
    """
    c = t.element_stats.c
    pieces: list[ColumnElement[bool]] = []
    for span, first, last in ranges:
        piece: list[ColumnElement[bool]] = [c.span == span]
        if first is not None:
            piece.append(c.period >= first)
        if last is not None:
            piece.append(c.period <= last)
        pieces.append(and_(*piece))
    if not pieces:
        return []
    query = (
        select(c.element_id, c.bucket, func.sum(c.passed), func.sum(c.total_s))
        .where(and_(c.definition_id.in_(list(definition_ids)), or_(*pieces)))
        .group_by(c.element_id, c.bucket)
    )
    return [(str(e), int(b), int(p), float(s)) for e, b, p, s in conn.execute(query)]
