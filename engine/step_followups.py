"""What committed steps leave for later: message subscriptions they opened, instances they ended.

A buffered message may be waiting for a subscription a step just committed, and
a message start event may be free again once the instance a message started
ends (``engine.message_buffer``). The step runner collects both per thread, as
its steps commit, and hands them to one listener after the outermost step call
of that thread returns, with every instance lock released, so the listener may
run steps of its own (a nested call leaves the hand-over to the outermost one).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from engine.intents import SubscriptionsReplace
from engine.spiff.events import start_events
from engine.step_core import StepContext

log = logging.getLogger(__name__)


@dataclass
class Followups:
    subscribed: list[dict[str, Any]] = field(default_factory=list)
    """Message subscription rows committed steps created."""
    ended: list[tuple[str, str]] = field(default_factory=list)
    """(instance id, process key) of instances committed steps ended."""

    def __bool__(self) -> bool:
        return bool(self.subscribed or self.ended)


Listener = Callable[[Followups], None]


def _may_hold_a_start_lock(spec: Any) -> bool:
    """Only an instance of a process with a message start event can hold a message start lock.

    An ended instance of any other process needs no look-up for a lock to release (one read
    transaction per ended instance otherwise). A lock held anyway (an instance migrated off such a
    process) is stale once its instance ends, and the next start that meets it releases it
    (``engine.message_start_lock``). Computed once per spec.
    """
    known: bool | None = getattr(spec, "_steadyflow_message_starts", None)
    if known is None:
        known = any(start.kind == "message" for start in start_events(spec))
        spec._steadyflow_message_starts = known
    return known


class StepFollowups:
    """Per-thread collection of followups, handed to ``listener`` after the outermost step call."""

    def __init__(self) -> None:
        self.listener: Listener | None = None
        self._local = threading.local()

    def _pending(self) -> Followups:
        pending: Followups | None = getattr(self._local, "pending", None)
        if pending is None:
            pending = self._local.pending = Followups()
        return pending

    def committed(self, ctx: StepContext) -> None:
        """Note what a step that just committed opened or ended."""
        if self.listener is None:
            return
        pending = self._pending()
        for intent in ctx.intents:
            if isinstance(intent, SubscriptionsReplace):
                pending.subscribed.extend(row for row in intent.rows if row["kind"] == "message")
        after = ctx.after
        if (
            ctx.instance.state == "running"
            and after is not None
            and after.state != "running"
            and _may_hold_a_start_lock(ctx.live.workflow.spec)
        ):
            pending.ended.append((after.id, after.definition_key))

    @contextmanager
    def outermost(self) -> Iterator[None]:
        """Around a step call: the outermost one of a thread hands the followups over when it returns."""
        depth: int = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                self._hand_over()

    def _hand_over(self) -> None:
        pending = self._pending()
        if not pending or self.listener is None:
            return
        self._local.pending = Followups()
        try:
            self.listener(pending)
        except Exception:
            # Those steps committed; what the listener did not finish waits for the scheduler's sweep.
            log.exception("acting on what committed steps opened or ended failed")


__all__ = ["Followups", "StepFollowups"]
