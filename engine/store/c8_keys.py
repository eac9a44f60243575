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


def give_keys(conn: Connection, kind: str, row_ids: Iterable[str]) -> dict[str, int]:
    """In a write transaction: a number for every row, new ones for rows that have none yet.

    Another thread or process may have given some since the caller looked, so look again first;
    a concurrent insert of the same row (PostgreSQL) fails on the unique key and is retried.
    """
    wanted = set(row_ids)
    have = keys_of(conn, kind, wanted)
    for row_id in sorted(wanted - have.keys()):
        conn.execute(t.c8_keys.insert().values(kind=kind, row_id=row_id))
    return keys_of(conn, kind, wanted)


def row_of(conn: Connection, key: int) -> tuple[str, str] | None:
    row = conn.execute(select(t.c8_keys.c.kind, t.c8_keys.c.row_id).where(t.c8_keys.c.key == key)).first()
    return (row.kind, row.row_id) if row is not None else None


__all__ = ["give_keys", "keys_of", "row_of"]
