"""One active instance per process and correlation key, for instances a message start event created.

Camunda 8 creates no second instance of a process from a message whose
correlation key started one that is still active; the message stays buffered
(with a time to live) and starts the next instance once that one ends. The lock
is a ``messages`` row ``start-lock:<hash of process key and correlation key>``
inserted by the start step itself, next to the message's claim, so two starts
racing for one key are decided by its primary key (the loser, retried, finds the
row and starts nothing). A second row ``start-lock-of:<instance id>`` names the
lock an instance holds, so its end can release it (``MessageStarts.on_ended``).
A lock whose instance is no longer running is stale and is released by the next
start that meets it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from engine.event_operations import EventOperations
from engine.instance_operations import InstanceOperations
from engine.intents import MessageRecord
from engine.message_once import AlreadyCorrelated, MessageOnce
from engine.spiff.events import start_events
from engine.step_core import StepContext
from engine.store import message_buffer as sql
from engine.store.database import Database
from engine.store.records import DefinitionRecord
from steadyflow.errors import NotFoundError, SteadyflowError

HOLDER_PREFIX = "start-lock-of:"
CHUNK = 500
"""Ids per IN list: well below SQLite's and PostgreSQL's parameter limits."""


def lock_id(process_key: str, correlation_key: str) -> str:
    return "start-lock:" + hashlib.sha256(json.dumps([process_key, correlation_key]).encode()).hexdigest()[:48]


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def holder_id(instance_id: str) -> str:
    return HOLDER_PREFIX + instance_id


def lock_result(instance_id: str) -> str:
    return json.dumps({"instance_id": instance_id})


@dataclass
class LockedStart(MessageOnce):
    """A message start that claims its message for the process and locks the correlation key."""

    lock: str = ""
    process_key: str = ""
    correlation_key: str = ""

    def check(self, ctx: StepContext) -> None:
        super().check(ctx)
        if ctx.reads.message_result(self.lock) is not None:
            raise AlreadyCorrelated([])  # an instance this key started is active: the message waits

    def record(self, ctx: StepContext, delivered: dict[str, Any]) -> None:
        super().record(ctx, delivered)
        instance_id = ctx.instance.id
        held = {"lock": self.lock, "process": self.process_key, "correlation_key": self.correlation_key}
        ctx.add(MessageRecord(self.lock, self.name, lock_result(instance_id), ctx.now))
        ctx.add(MessageRecord(holder_id(instance_id), self.name, json.dumps(held), ctx.now))


def claim_id(message_row: str, process_key: str) -> str:
    """The ``messages`` row that says process ``process_key`` took buffered message ``message_row``."""
    return f"buffered:{message_row}:{hashlib.sha256(process_key.encode()).hexdigest()[:40]}"


class MessageStarts:
    """Instances started by published messages: claims, correlation-key locks, and starts after a lock ends."""

    def __init__(
        self, db: Database, events: EventOperations, instances: InstanceOperations, clock: Callable[[], float]
    ) -> None:
        self.db, self.events, self.instances, self.clock = db, events, instances, clock

    def start(
        self,
        definition: DefinitionRecord,
        message_row: str,
        name: str,
        correlation_key: str | None,
        values: dict[str, Any],
    ) -> dict[str, Any] | None:
        """Start ``definition`` from its message start event ``name``; None if the message may not start it."""
        claim = claim_id(message_row, definition.key)
        once: MessageOnce = MessageOnce(claim, name)
        if correlation_key:
            lock = lock_id(definition.key, correlation_key)
            if not self._lock_free(lock):
                return None
            once = LockedStart(claim, name, lock=lock, process_key=definition.key, correlation_key=correlation_key)
        try:
            instance = self.instances.start_definition(definition, values, None, via=("message", name), once=once)
        except AlreadyCorrelated:
            return None
        return {"instance_id": instance.id, "element_id": None, "started": True}

    def _lock_free(self, lock: str) -> bool:
        """Whether the lock is free; one held by an instance that is no longer running is released."""
        with self.db.read() as conn:
            held = sql.message_results(conn, [lock]).get(lock)
            holder = json.loads(held)["instance_id"] if held is not None else None
            state = sql.instance_state(conn, holder) if holder is not None else None
        if held is None:
            return True
        if state == "running":
            return False
        assert holder is not None

        def release() -> None:
            with self.db.write() as conn:
                sql.delete_message_rows(conn, {lock: held, holder_id(holder): None})

        self.db.retrying(release, what="release a stale message start lock")
        return True

    def on_ended(self, instance_ids: Sequence[str], on_error: Callable[[str, SteadyflowError], None]) -> None:
        """Instances ended: release the correlation-key locks they held and start the next buffered messages.

        One read finds which of them held a lock (most instances hold none: a step batch that ends a
        hundred instances costs one query, not a hundred); ``on_error`` hears of each one whose release
        failed (the sweep releases it later).
        """
        rows = {holder_id(instance_id): instance_id for instance_id in instance_ids}
        held: dict[str, str] = {}
        with self.db.read() as conn:
            for chunk in _chunks(list(rows)):
                held.update(sql.message_results(conn, chunk))
        for row, result in held.items():
            instance_id = rows[row]
            try:
                self._release(instance_id, row, json.loads(result))
            except SteadyflowError as exc:
                on_error(instance_id, exc)

    def _release(self, instance_id: str, row: str, info: dict[str, Any]) -> None:
        def release() -> None:
            with self.db.write() as conn:
                sql.delete_message_rows(conn, {info["lock"]: lock_result(instance_id), row: None})

        self.db.retrying(release, what="release a message start lock")
        self.start_waiting(info["process"], info["correlation_key"])

    def start_waiting(self, process_key: str, correlation_key: str | None) -> int:
        """Start ``process_key`` from the oldest buffered message it has not taken, published after its deploy."""
        try:
            definition = self.events.definitions.resolve(process_key)
        except NotFoundError:
            return 0
        model = self.events.definitions.model(definition)
        now = self.clock()
        for name in [s.name for s in start_events(model.spec) if s.kind == "message"]:
            with self.db.read() as conn:
                messages = [
                    m for m in sql.live(conn, name, correlation_key, now) if m["published_at"] >= definition.deployed_at
                ]
                taken = sql.claimed(conn, [claim_id(m["id"], process_key) for m in messages])
            for message in messages:
                if claim_id(message["id"], process_key) in taken:
                    continue
                started = self.start(
                    definition, message["id"], name, message["correlation_key"], json.loads(message["variables"])
                )
                if started is not None:
                    return 1
                if message["correlation_key"]:
                    break  # its key is locked: the later ones of that key wait as well
        return 0


__all__ = ["LockedStart", "MessageStarts", "claim_id", "holder_id", "lock_id", "lock_result"]
