"""Published messages with a time to live (Camunda 8): correlated now, or kept until an instance waits.

``publish`` delivers a message to every process that waits for it now, at most
one instance per process (the oldest waiting one), and starts the latest
version of every other process that has a matching message start event. With a
time to live the message is also kept in ``message_buffer``; an instance that
reaches a matching catch event later, within that time, takes it. Every
delivery is recorded by the delivering step itself as a ``messages`` row keyed
by (message, process key), the claim: a second delivery of the same message to
the same process, from a racing publication, drain or sweep, finds that row
(or loses on its primary key and retries, then finds it) and delivers nothing.

No message is lost between a publication and a subscription committed at the
same moment: the publisher commits the buffered row before it looks for
subscriptions, and a step commits its subscriptions before the engine looks
for buffered messages (``StepRunner.followups``), so at least one of the
two sees the other. The worker's scheduler loop sweeps as well (``sweep``),
which catches up on anything a failed drain left and forgets expired messages.

A ``messageId`` deduplicates while its message is buffered: publishing the same
name, correlation key and id again answers the first publication and delivers
nothing (as Camunda 8, whose uniqueness lasts as long as the time to live).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.engine_base import check_variables
from engine.event_operations import EventOperations
from engine.instance_operations import InstanceOperations
from engine.message_once import AlreadyCorrelated, MessageOnce
from engine.message_start_lock import MessageStarts, claim_id
from engine.step_followups import Followups
from engine.store import message_buffer as sql
from engine.store.database import Database
from steadyflow.errors import NotFoundError, SteadyflowError

log = logging.getLogger(__name__)

MAX_TTL_S = 10 * 365 * 86400.0
"""Ten years: a longer time to live is refused at the edge (and would overflow stored times)."""


@dataclass(frozen=True)
class Publication:
    """What a publication did: its message's row id, where it went now, whether it is kept."""

    message_row: str
    delivered: list[dict[str, Any]] = field(default_factory=list)
    buffered: bool = False
    duplicate: bool = False
    """A live message with the same name, correlation key and message id was published before."""


def dedupe_of(name: str, correlation_key: str | None, message_id: str) -> str:
    text = json.dumps([name, correlation_key, message_id])
    return hashlib.sha256(text.encode()).hexdigest()


class MessageBuffer:
    """Publication, buffering and late correlation of messages, over the events and instances services."""

    def __init__(self, db: Database, events: EventOperations, instances: InstanceOperations) -> None:
        self.db, self.events, self.instances = db, events, instances
        self.clock: Callable[[], float] = time.time
        """What "now" is for times to live (tests move it)."""
        self.starts = MessageStarts(db, events, instances, lambda: self.clock())

    def publish(
        self,
        name: str,
        correlation_key: str | None,
        variables: dict[str, Any] | None = None,
        *,
        ttl_s: float = 0.0,
        message_id: str | None = None,
    ) -> Publication:
        """Publish message ``name``: deliver it where it is awaited now and keep it ``ttl_s`` seconds."""
        values = check_variables(variables)
        if not 0 <= ttl_s <= MAX_TTL_S:
            raise SteadyflowError(
                f"time to live {ttl_s} s of message '{name}' is out of range; use 0 to {MAX_TTL_S:.0f}"
            )
        now = self.clock()
        row_id = str(uuid.uuid4())
        if ttl_s > 0:
            row = {
                "id": row_id,
                "name": name,
                "correlation_key": correlation_key,
                "message_id": message_id,
                "dedupe": dedupe_of(name, correlation_key, message_id) if message_id is not None else None,
                "variables": json.dumps(values),
                "published_at": now,
                "expires_at": now + ttl_s,
            }
            earlier = self.db.retrying(lambda: self._buffer(row, now), what="buffer a message", retry_conflicts=True)
            if earlier is not None:
                return Publication(earlier, buffered=True, duplicate=True)
        delivered = self._offer(row_id, name, correlation_key, values)
        return Publication(row_id, delivered, buffered=ttl_s > 0)

    def _buffer(self, row: dict[str, Any], now: float) -> str | None:
        """Insert ``row``; the id of a live duplicate instead, if there is one (an expired one is dropped)."""
        with self.db.write() as conn:
            if row["dedupe"] is not None:
                found = sql.by_dedupe(conn, row["dedupe"])
                if found is not None and found["expires_at"] > now:
                    return str(found["id"])
                if found is not None:
                    sql.delete_expired(conn, now)
            sql.insert(conn, row)
        return None

    def _offer(
        self, row_id: str, name: str, correlation_key: str | None, values: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Deliver to one waiting instance per process, then start processes with a message start event."""
        with self.db.read() as conn:
            waiting = sql.waiting(conn, name, correlation_key)
        served: set[str] = set()
        delivered: list[dict[str, Any]] = []
        for candidate in waiting:
            process = str(candidate["definition_key"])
            if process in served:
                continue
            try:
                if self.events.deliver(
                    candidate, "message", name, values, MessageOnce(claim_id(row_id, process), name), delivered
                ):
                    served.add(process)
            except AlreadyCorrelated:
                served.add(process)
        for definition in self.events.definitions_starting_with("message", name):
            if definition.key not in served:
                started = self.starts.start(definition, row_id, name, correlation_key, values)
                delivered.extend([started] if started is not None else [])
        return delivered

    def on_settled(self, followups: Followups) -> None:
        """After committed steps: offer buffered messages to the subscriptions they opened, and release the
        correlation-key locks of the instances they ended (starting the next buffered message's instance)."""

        def lock_waits(instance_id: str, exc: SteadyflowError) -> None:
            log.warning("the message start lock of instance %s waits for the sweep: %s", instance_id, exc)

        if followups.ended:
            ended = [instance_id for instance_id, _ in followups.ended]
            try:
                self.starts.on_ended(ended, lock_waits)
            except SteadyflowError as exc:
                for instance_id in ended:
                    lock_waits(instance_id, exc)
        for subscription in followups.subscribed:
            try:
                self._take_buffered(subscription)
            except SteadyflowError as exc:
                # The step that subscribed committed; the scheduler's sweep tries again.
                log.warning(
                    "a buffered message for instance %s waits for the sweep: %s", subscription["instance_id"], exc
                )

    def _take_buffered(self, subscription: dict[str, Any]) -> bool:
        now = self.clock()
        with self.db.read() as conn:
            process = sql.definition_key_of(conn, subscription["instance_id"])
            if process is None:
                return False
            messages = sql.live(conn, subscription["name"], subscription["correlation_key"], now)
            taken = sql.claimed(conn, [claim_id(m["id"], process) for m in messages])
        for message in messages:
            claim = claim_id(message["id"], process)
            if claim in taken:
                continue
            once = MessageOnce(claim, message["name"])
            values = json.loads(message["variables"])
            try:
                return self.events.deliver(subscription, "message", message["name"], values, once, [])
            except AlreadyCorrelated:
                continue  # this process took that one already: the next buffered message
            except NotFoundError:
                return False  # the instance is gone
        return False

    def sweep(self, *, limit: int = 200) -> int:
        """Forget expired messages, then give live ones to instances waiting for them; returns deliveries."""

        def expire() -> list[tuple[str, str | None]]:
            now = self.clock()
            with self.db.write() as conn:
                sql.delete_expired(conn, now)
                return sql.names_with_live(conn, now, limit)

        delivered = 0
        for name, correlation_key in self.db.retrying(expire, what="sweep buffered messages"):
            with self.db.read() as conn:
                waiting = sql.waiting(conn, name, correlation_key)
            try:
                for subscription in waiting:
                    delivered += self._take_buffered(subscription)
                if correlation_key:  # a key whose start lock a failed release left behind
                    for definition in self.events.definitions_starting_with("message", name):
                        delivered += self.starts.start_waiting(definition.key, correlation_key)
            except SteadyflowError as exc:
                log.warning("buffered message '%s' not delivered yet: %s", name, exc)
        return delivered
