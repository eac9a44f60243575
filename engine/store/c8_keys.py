"""SQL for Camunda 8 keys: one 64-bit number per (kind, row id), given once. Rules in ``engine.c8_keys``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from engine.store import schema as t


def keys_of(conn: Connection, kind: str, row_ids: Iterable[str]) -> dict[str, int]:
    ids = list(set(row_ids))
    found: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            select(t.c8_keys.c.row_id, t.c8_keys.c.key).where(t.c8_keys.c.kind == kind, t.c8_keys.c.row_id.in_(chunk))
        )
        found.update({row.row_id: int(row.key) for row in rows})
    return found


def add_keys(conn: Connection, kind: str, row_ids: Iterable[str]) -> None:
    """Give each row a key; the caller holds the write lock and checked the rows have none yet."""
    for row_id in row_ids:
        conn.execute(t.c8_keys.insert().values(kind=kind, row_id=row_id))


def row_of(conn: Connection, key: int) -> tuple[str, str] | None:
    row = conn.execute(select(t.c8_keys.c.kind, t.c8_keys.c.row_id).where(t.c8_keys.c.key == key)).first()
    return (row.kind, row.row_id) if row is not None else None


__all__ = ["add_keys", "keys_of", "row_of"]
