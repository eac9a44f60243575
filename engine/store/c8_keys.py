"""SQL for Camunda 8 keys: one 64-bit number per (kind, row id), given once. Rules in ``engine.c8_keys``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, and_, or_, select

from engine.store import schema as t

CHUNK = 500
"""Row ids per IN list, well below SQLite's bound-parameter limit."""


def keys_of(conn: Connection, kind: str, row_ids: Iterable[str]) -> dict[str, int]:
    ids = list(set(row_ids))
    found: dict[str, int] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = conn.execute(
            select(t.c8_keys.c.row_id, t.c8_keys.c.key).where(t.c8_keys.c.kind == kind, t.c8_keys.c.row_id.in_(chunk))
        )
        found.update({row.row_id: int(row.key) for row in rows})
    return found


def give_keys(conn: Connection, wanted: Mapping[str, set[str]]) -> dict[str, dict[str, int]]:
    """In a write transaction: a number for every row of every kind, new ones for rows that have none yet.

    Another thread or process may have given some since the caller looked, so look again first (one
    statement for all kinds); a concurrent insert of the same row (PostgreSQL) fails on the unique key
    and the caller retries. New numbers come back from the insert itself, not from another read.
    """
    c = t.c8_keys.c
    wanted = {kind: ids for kind, ids in wanted.items() if ids}
    found: dict[str, dict[str, int]] = {kind: {} for kind in wanted}
    if not wanted:
        return found
    if sum(len(ids) for ids in wanted.values()) > CHUNK:
        for kind, ids in wanted.items():
            found[kind] = keys_of(conn, kind, ids)
    else:
        condition = or_(*(and_(c.kind == kind, c.row_id.in_(sorted(ids))) for kind, ids in wanted.items()))
        for row in conn.execute(select(c.kind, c.row_id, c.key).where(condition)):
            found[row.kind][row.row_id] = int(row.key)
    for kind, ids in wanted.items():
        for row_id in sorted(ids - found[kind].keys()):
            inserted = conn.execute(t.c8_keys.insert().values(kind=kind, row_id=row_id)).inserted_primary_key
            assert inserted is not None  # a single-row insert always reports its key
            found[kind][row_id] = int(inserted[0])
    return found


def row_of(conn: Connection, key: int) -> tuple[str, str] | None:
    row = conn.execute(select(t.c8_keys.c.kind, t.c8_keys.c.row_id).where(t.c8_keys.c.key == key)).first()
    return (row.kind, row.row_id) if row is not None else None


__all__ = ["give_keys", "keys_of", "row_of"]
