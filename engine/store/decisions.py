"""SQL for DMN decision definitions and their evaluations. Rules in ``engine.decisions``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select

from engine.store import schema as t


@dataclass(frozen=True)
class DecisionDefinitionRecord:
    id: str
    key: str
    version: int
    name: str | None
    deployment_id: str
    xml_sha256: str
    drg_id: str
    deployed_at: float


_LATEST = (
    select(t.decision_definitions)
    .where(t.decision_definitions.c.key == bindparam("key"))
    .order_by(t.decision_definitions.c.version.desc())
    .limit(1)
)


def _record(row: Any) -> DecisionDefinitionRecord:
    return DecisionDefinitionRecord(**{k: getattr(row, k) for k in DecisionDefinitionRecord.__dataclass_fields__})


def insert_definition(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(t.decision_definitions.insert(), [row])


def latest(conn: Connection, key: str) -> DecisionDefinitionRecord | None:
    row = conn.execute(_LATEST, {"key": key}).first()
    return _record(row) if row is not None else None


def version(conn: Connection, key: str, number: int) -> DecisionDefinitionRecord | None:
    d = t.decision_definitions.c
    row = conn.execute(select(t.decision_definitions).where(and_(d.key == key, d.version == number))).first()
    return _record(row) if row is not None else None


def by_id(conn: Connection, definition_id: str) -> DecisionDefinitionRecord | None:
    row = conn.execute(select(t.decision_definitions).where(t.decision_definitions.c.id == definition_id)).first()
    return _record(row) if row is not None else None


def of_deployment(conn: Connection, key: str, deployment_id: str) -> DecisionDefinitionRecord | None:
    d = t.decision_definitions.c
    query = select(t.decision_definitions).where(and_(d.key == key, d.deployment_id == deployment_id))
    row = conn.execute(query).first()
    return _record(row) if row is not None else None


def latest_of_each(conn: Connection) -> list[tuple[DecisionDefinitionRecord, int]]:
    """The newest version of every decision key, with how often any version was evaluated."""
    d = t.decision_definitions.c
    newest = select(d.key, func.max(d.version).label("version")).group_by(d.key).subquery()
    query = (
        select(t.decision_definitions)
        .join(newest, and_(d.key == newest.c.key, d.version == newest.c.version))
        .order_by(d.key)
    )
    records = [_record(r) for r in conn.execute(query)]
    e = t.decision_evaluations.c
    counts: dict[str, int] = {
        str(r[0]): int(r[1]) for r in conn.execute(select(e.decision_key, func.count()).group_by(e.decision_key))
    }
    return [(r, int(counts.get(r.key, 0))) for r in records]


def versions(conn: Connection, key: str) -> list[DecisionDefinitionRecord]:
    d = t.decision_definitions.c
    rows = conn.execute(select(t.decision_definitions).where(d.key == key).order_by(d.version.desc()))
    return [_record(r) for r in rows]


def insert_evaluations(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(t.decision_evaluations.insert(), rows)


def evaluations(
    conn: Connection, *, key: str | None = None, instance_id: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Newest first: of one decision key, or of one instance (then oldest first, as its timeline reads)."""
    e = t.decision_evaluations.c
    query = select(t.decision_evaluations)
    if key is not None:
        query = query.where(e.decision_key == key).order_by(e.evaluated_at.desc(), e.id)
    if instance_id is not None:
        query = query.where(e.instance_id == instance_id).order_by(e.event_seq, e.id)
    return [dict(r._mapping) for r in conn.execute(query.limit(limit))]


def evaluation(conn: Connection, evaluation_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.decision_evaluations).where(t.decision_evaluations.c.id == evaluation_id)).first()
    return dict(row._mapping) if row is not None else None
