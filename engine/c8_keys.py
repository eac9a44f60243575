"""Camunda 8 keys: the 64-bit numbers /v2 clients use for our rows, whose ids are uuids.

A key is given the first time a client sees a row and is kept in ``c8_keys``;
the same row always answers with the same key, and a key is never given twice
(the table's counter never goes back). Keys start at 2**51, where Zeebe's
partition 1 starts, so they look like the keys clients are used to.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.store import c8_keys as sql
from engine.store.database import Database
from steadyflow.errors import NotFoundError

KEY_BASE = 2**51
KINDS = ("definition", "deployment", "instance", "job", "incident", "element", "variable")


class C8Keys:
    """Keys for rows of one database; safe to share between threads and processes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def key(self, kind: str, row_id: str) -> int:
        return self.keys(kind, [row_id])[row_id]

    def keys(self, kind: str, row_ids: Iterable[str]) -> dict[str, int]:
        """The key of every row (given now to those that have none yet)."""
        wanted = set(row_ids)
        with self.db.read() as conn:
            found = sql.keys_of(conn, kind, wanted)
        missing = wanted - found.keys()
        if missing:

            def give() -> dict[str, int]:
                with self.db.write() as conn:
                    # Another thread or process may have given some meanwhile: look again under the lock.
                    still = missing - sql.keys_of(conn, kind, missing).keys()
                    sql.add_keys(conn, kind, sorted(still))
                    return sql.keys_of(conn, kind, missing)

            found.update(self.db.retrying(give, what="give Camunda 8 keys", retry_conflicts=True))
        return {row_id: KEY_BASE + seq for row_id, seq in found.items()}

    def row(self, key: int | str, kind: str, what: str) -> str:
        """The row id of ``key``, which must name a row of ``kind``; NotFoundError otherwise."""
        number = _number(key)
        row = None
        if number is not None and number > KEY_BASE:
            with self.db.read() as conn:
                row = sql.row_of(conn, number - KEY_BASE)
        if row is None or row[0] != kind:
            raise NotFoundError(f"{what} with key '{key}' not found")
        return row[1]


def _number(key: int | str) -> int | None:
    if isinstance(key, int):
        return key
    text = key.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    return int(text)
