"""SQL for buffered messages (Camunda 8 publications with a time to live). Rules in ``engine.message_buffer``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select

from engine.store import schema as t


def insert(conn: Connection, row: dict[str, Any]) -> None:
    """Buffer one message; a live duplicate (same ``dedupe``) fails on the unique key."""
    conn.execute(t.message_buffer.insert(), [row])


def by_dedupe(conn: Connection, dedupe: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.message_buffer).where(t.message_buffer.c.dedupe == dedupe)).first()
    return dict(row._mapping) if row is not None else None


def live(
    conn: Connection, name: str, correlation_key: str | None, now: float, limit: int = 100
) -> list[dict[str, Any]]:
    """Buffered messages ``name`` not expired at ``now``, oldest first; a None key matches every key."""
    b = t.message_buffer.c
    query = select(t.message_buffer).where(and_(b.name == name, b.expires_at > now))
    if correlation_key is not None:
        query = query.where(b.correlation_key == correlation_key)
    return [dict(r._mapping) for r in conn.execute(query.order_by(b.published_at, b.id).limit(limit))]


def names_with_live(conn: Connection, now: float, limit: int = 200) -> list[tuple[str, str | None]]:
    """(name, correlation key) pairs that have a live buffered message, for the sweep."""
    b = t.message_buffer.c
    query = select(b.name, b.correlation_key).where(b.expires_at > now).distinct().limit(limit)
    return [(r.name, r.correlation_key) for r in conn.execute(query)]


def delete_expired(conn: Connection, now: float) -> int:
    """Forget messages whose time to live is over (a duplicate of one may be published again)."""
    result = conn.execute(delete(t.message_buffer).where(t.message_buffer.c.expires_at <= now))
    return int(result.rowcount or 0)


def waiting(conn: Connection, name: str, correlation_key: str | None, limit: int = 1000) -> list[dict[str, Any]]:
    """Running instances' message subscriptions for ``name`` and this key, with each one's process key.

    A subscription without a correlation key (a Camunda 7 model) matches any key; a message without one
    matches only those.
    """
    s = t.subscriptions.c
    query = (
        select(t.subscriptions, t.instances.c.definition_key, t.instances.c.business_key)
        .join(t.instances, t.instances.c.id == s.instance_id)
        .where(and_(s.kind == "message", s.name == name, t.instances.c.state == "running"))
    )
    if correlation_key is None:
        query = query.where(s.correlation_key.is_(None))
    else:
        query = query.where(or_(s.correlation_key == correlation_key, s.correlation_key.is_(None)))
    query = query.order_by(s.created_at, s.id).limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


def claimed(conn: Connection, claim_ids: list[str]) -> set[str]:
    """Which of these claims (``messages`` rows) exist: buffered messages a process took already."""
    if not claim_ids:
        return set()
    rows = conn.execute(select(t.messages.c.id).where(t.messages.c.id.in_(claim_ids)))
    return {str(r.id) for r in rows}


def definition_key_of(conn: Connection, instance_id: str) -> str | None:
    row = conn.execute(select(t.instances.c.definition_key).where(t.instances.c.id == instance_id)).first()
    return str(row.definition_key) if row is not None else None


def message_results(conn: Connection, ids: list[str]) -> dict[str, str]:
    """The stored ``messages`` rows among ``ids`` (claims and start locks), id -> result."""
    rows = conn.execute(select(t.messages.c.id, t.messages.c.result).where(t.messages.c.id.in_(ids)))
    return {str(r.id): str(r.result) for r in rows}


def delete_message_rows(conn: Connection, rows: dict[str, str | None]) -> None:
    """Delete ``messages`` rows, each only while its result is still the one given (None: whatever it is)."""
    for row_id, result in rows.items():
        condition = t.messages.c.id == row_id
        if result is not None:
            condition = and_(condition, t.messages.c.result == result)
        conn.execute(delete(t.messages).where(condition))


def instance_state(conn: Connection, instance_id: str) -> str | None:
    row = conn.execute(select(t.instances.c.state).where(t.instances.c.id == instance_id)).first()
    return str(row.state) if row is not None else None


__all__ = [
    "by_dedupe",
    "claimed",
    "definition_key_of",
    "delete_expired",
    "delete_message_rows",
    "insert",
    "instance_state",
    "live",
    "message_results",
    "names_with_live",
    "waiting",
]
