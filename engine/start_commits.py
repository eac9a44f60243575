"""Group commit of concurrent instance starts: one transaction, one fsync, for the starts that queue up.

A start is one step, and nothing of it is acknowledged before its commit. With
``synchronous=FULL`` (or PostgreSQL's ``synchronous_commit``) a commit costs a
disk flush, milliseconds on most disks, far more than the step itself. Starts
that arrive while another group commits (a busy HTTP server, a batch of
message starts) queue up; the first caller to find no group committing leads
the next one: it takes every queued start, runs each first step and writes
them all in one transaction. The others wait for that commit and return its
result. A group that fails, for whatever reason one start in it gave, commits
nothing: every start of it is then run again alone by its own caller, so one
bad start never refuses the others, nor hides its own error behind a group's.

A lone caller leads a group of one at once: grouping never makes a start wait
for company.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from engine.instance_cache import LiveInstance
from engine.step_core import StepContext

log = logging.getLogger(__name__)
R = TypeVar("R")

MAX_GROUP = 256
"""Starts per transaction at most: bounds the transaction's size and the lock it holds on SQLite."""


@dataclass(eq=False)
class StartRequest(Generic[R]):
    """One start waiting for its group: the new instance row, its fresh workflow, its first trigger."""

    row: dict[str, Any]
    make_live: Callable[[], LiveInstance]
    trigger: Callable[[StepContext], None]
    check: Callable[[Any], None] | None = None
    """Run first in the start's transaction (given its connection); raises when the start must not go on."""
    result: R | None = None
    done: bool = False
    alone: bool = False
    """The group failed: run this start again in a transaction of its own."""


class StartCommits(Generic[R]):
    """Leads or joins the group commit of instance starts (see the module docstring); ``R``: what a start returns."""

    def __init__(
        self,
        commit_group: Callable[[list[StartRequest[R]]], None],
        commit_alone: Callable[[StartRequest[R]], R],
        max_group: int = MAX_GROUP,
    ) -> None:
        self._commit_group = commit_group
        """Commits the group's starts in one transaction, then sets each ``result``; raises only before the commit."""
        self._commit_alone = commit_alone
        self.max_group = max_group
        self._queue: list[StartRequest[R]] = []
        self._leading = False
        self._changed = threading.Condition()
        self.groups = 0
        """Groups committed (of any size): starts / groups is the mean group size."""
        self.grouped_starts = 0
        self.alone_retries = 0

    @property
    def queued(self) -> int:
        """Starts waiting for the next group."""
        with self._changed:
            return len(self._queue)

    def start(self, request: StartRequest[R]) -> R:
        """Start through the next group, or alone if that group failed; what the start committed."""
        with self._changed:
            self._queue.append(request)
        while not request.done:
            group = self._next_group(request)
            if group:
                self._lead(group, request)
        if request.alone:
            return self._commit_alone(request)
        assert request.result is not None
        return request.result

    def _next_group(self, request: StartRequest[R]) -> list[StartRequest[R]]:
        """Wait until ``request`` is done or this caller may lead; the group it leads (empty: done)."""
        with self._changed:
            while self._leading and not request.done:
                self._changed.wait()
            if request.done:
                return []
            self._leading = True
            group, self._queue = self._queue[: self.max_group], self._queue[self.max_group :]
            return group

    def _lead(self, group: list[StartRequest[R]], own: StartRequest[R]) -> None:
        try:
            if group == [own]:
                # Nothing to group with: the caller's own transaction (its errors its own), still as the
                # leader, so that the starts arriving meanwhile queue up for the next group.
                own.result = self._commit_alone(own)
                return
            try:
                self._commit_group(group)
                self.groups += 1
                self.grouped_starts += len(group)
            except Exception as exc:  # noqa: BLE001 - whatever one start raised, each runs alone and says it
                log.info("a group of %d starts failed (%s); each runs again alone", len(group), exc)
                self.alone_retries += sum(1 for request in group if request.result is None)
        finally:
            with self._changed:
                for request in group:
                    request.alone = request.result is None  # the group did not commit it: its caller runs it
                    request.done = True
                self._leading = False
                self._changed.notify_all()


__all__ = ["MAX_GROUP", "StartCommits", "StartRequest"]
