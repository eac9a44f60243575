"""Camunda 8 keys: the 64-bit numbers /v2 clients use for our rows, whose ids are uuids.

A key is given the first time a client sees a row and is kept in ``c8_keys``;
the same row always answers with the same key, and a key is never given twice
(the table's counter never goes back). Keys start at 2**51, where Zeebe's
partition 1 starts, so they look like the keys clients are used to. Since a
given key never changes, every process may remember the keys it has seen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from engine.rest_queries import RestQueries
from engine.store import c8_keys as sql
from engine.store import rest_queries as rest_sql
from engine.store.database import Database
from engine.store.rest_queries import ClaimedJob, TopicClaim
from steadyflow.errors import NotFoundError

KEY_BASE = 2**51
KINDS = (
    "definition",
    "deployment",
    "instance",
    "job",
    "incident",
    "element",
    "variable",
    "message",
    "signal",
    "user_task",
    "conditional",
)
CACHE_LIMIT = 200_000
"""Remembered keys per process; past this the memory starts over (keys are read again, never changed)."""
Wanted = Mapping[str, Iterable[str]]
Keys = dict[str, dict[str, int]]


class C8Keys:
    """Keys for rows of one database; safe to share between threads and processes."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, str], int] = {}
        self._rows: dict[int, tuple[str, str]] = {}

    def key(self, kind: str, row_id: str) -> int:
        return self.keys(kind, [row_id])[row_id]

    def keys(self, kind: str, row_ids: Iterable[str]) -> dict[str, int]:
        """The key of every row (given now to those that have none yet)."""
        return self.many({kind: row_ids})[kind]

    def many(self, wanted: Wanted) -> Keys:
        """Keys of rows of several kinds: one read, and one write only if some row has none yet."""
        found, missing = self._remembered(wanted)
        if missing:
            with self.db.read() as conn:
                self._read(conn, missing, found)
            missing = {kind: ids - found[kind].keys() for kind, ids in missing.items() if ids - found[kind].keys()}
        if missing:

            def give() -> Keys:
                with self.db.write() as conn:
                    return self._give(conn, missing)

            for kind, keys in self.db.retrying(give, what="give Camunda 8 keys", retry_conflicts=True).items():
                self._remember(kind, keys)  # only now: a rolled-back transaction's numbers were never given
                found[kind].update(keys)
        return found

    def claim_jobs(
        self, queries: RestQueries, worker: str, topics: Sequence[TopicClaim], *, limit: int
    ) -> tuple[list[ClaimedJob], Keys]:
        """Lock jobs for ``worker`` (as fetchAndLock does) and key them, their instances, definitions and
        elements in the same transaction, so a Camunda 8 activation costs one write, as a Camunda 7 one does."""

        def claim() -> tuple[list[ClaimedJob], Keys]:
            with self.db.write() as conn:
                claimed = rest_sql.claim_for_topics(
                    conn,
                    owner=worker,
                    topics=topics,
                    limit=limit,
                    now=time.time(),
                    use_priority=False,
                    newest_first=None,
                )
                wanted = {
                    "job": [c.job.id for c in claimed],
                    "instance": [c.job.instance_id for c in claimed],
                    "definition": [c.definition_id for c in claimed],
                    "element": [c.job.task_id for c in claimed],
                }
                found, missing = self._remembered(wanted)
                if missing:
                    for kind, keys in self._give(conn, missing).items():
                        found[kind].update(keys)
                return claimed, found

        claimed, keys = self.db.retrying(claim, what="activate Camunda 8 jobs", retry_conflicts=True)
        for kind, given in keys.items():
            self._remember(kind, given)
        return queries.with_values(claimed), keys

    def row(self, key: int | str, kind: str, what: str) -> str:
        """The row id of ``key``, which must name a row of ``kind``; NotFoundError otherwise."""
        number = _number(key)
        row = self._rows.get(number) if number is not None else None
        if row is None and number is not None and number > KEY_BASE:
            with self.db.read() as conn:
                found = sql.row_of(conn, number - KEY_BASE)
            if found is not None:
                self._remember(found[0], {found[1]: number})
                row = found
        if row is None or row[0] != kind:
            raise NotFoundError(f"{what} with key '{key}' not found")
        return row[1]

    # -- internals ----------------------------------------------------------------------------------
    def _remembered(self, wanted: Wanted) -> tuple[Keys, dict[str, set[str]]]:
        found: Keys = {}
        missing: dict[str, set[str]] = {}
        for kind, row_ids in wanted.items():
            found[kind] = {}
            for row_id in set(row_ids):
                key = self._keys.get((kind, row_id))
                if key is None:
                    missing.setdefault(kind, set()).add(row_id)
                else:
                    found[kind][row_id] = key
        return found, missing

    def _read(self, conn: Any, missing: Mapping[str, set[str]], found: Keys) -> None:
        for kind, row_ids in missing.items():
            keys = {row_id: KEY_BASE + seq for row_id, seq in sql.keys_of(conn, kind, row_ids).items()}
            self._remember(kind, keys)
            found.setdefault(kind, {}).update(keys)

    def _give(self, conn: Any, missing: Mapping[str, set[str]]) -> Keys:
        """Under the write lock; the caller remembers the keys once the transaction committed."""
        return {
            kind: {row_id: KEY_BASE + seq for row_id, seq in keys.items()}
            for kind, keys in sql.give_keys(conn, missing).items()
        }

    def _remember(self, kind: str, keys: Mapping[str, int]) -> None:
        with self._lock:
            if len(self._keys) + len(keys) > CACHE_LIMIT:
                self._keys.clear()
                self._rows.clear()
            for row_id, key in keys.items():
                self._keys[(kind, row_id)] = key
                self._rows[key] = (kind, row_id)


def _number(key: int | str) -> int | None:
    if isinstance(key, int):
        return key
    text = key.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    return int(text)
