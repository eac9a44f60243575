"""A message id is correlated at most once, decided inside the delivery step's transaction.

The step that delivers the message also inserts the message id row (a
``MessageRecord`` intent). A second correlation of the same id finds that row
inside its own step, or, when both steps ran side by side on PostgreSQL, loses
on the row's primary key, retries, and then finds it: either way it answers the
first correlation's result and delivers nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.intents import MessageRecord
from engine.step_core import StepContext


class AlreadyCorrelated(Exception):
    """The message id was correlated by another call first; ``results`` is what that call answered."""

    def __init__(self, results: list[dict[str, Any]]) -> None:
        super().__init__("message already correlated")
        self.results = results


@dataclass
class MessageOnce:
    """One correlation of ``message_id``, across the steps that deliver it (several with ``all``)."""

    message_id: str
    name: str
    results: list[dict[str, Any]] = field(default_factory=list)
    """What committed steps of this correlation delivered so far."""

    def check(self, ctx: StepContext) -> None:
        """Raise ``AlreadyCorrelated`` if another correlation of this id committed."""
        if self.results:
            return  # the row is ours, from an earlier step of this correlation
        stored = ctx.reads.message_result(self.message_id)
        if stored is not None:
            raise AlreadyCorrelated(list(json.loads(stored)))

    def record(self, ctx: StepContext, delivered: dict[str, Any]) -> None:
        """This step delivers: store the result with it (the first step inserts the row, later ones update it)."""
        result = json.dumps([*self.results, delivered])
        ctx.add(MessageRecord(self.message_id, self.name, result, ctx.now, first=not self.results))

    def committed(self, delivered: dict[str, Any]) -> None:
        self.results.append(delivered)
