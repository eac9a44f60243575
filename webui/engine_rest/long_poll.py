"""Long polling for fetchAndLock: wait until a task may be there, at most N waiters, released at shutdown.

A waiting request sleeps on one condition. Steps in this process that create
jobs wake it at once (through the engine's job listener); jobs created by other
processes, expiring locks and retry times that come due are noticed by a cheap
read every ``recheck_s``. Beyond ``capacity`` waiting requests, a request is
answered at once (with no tasks), so long polls never take every server thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_CAPACITY = 24
RECHECK_S = 0.2


class LongPolls:
    def __init__(self, capacity: int = DEFAULT_CAPACITY, recheck_s: float = RECHECK_S) -> None:
        self.capacity = capacity
        self.recheck_s = recheck_s
        lock = threading.Lock()
        self._changed = threading.Condition(lock)
        self._left = threading.Condition(lock)
        self._generation = 0
        self._waiting = 0
        self._closed = False

    @property
    def waiting(self) -> int:
        with self._changed:
            return self._waiting

    @property
    def closed(self) -> bool:
        return self._closed

    def notify(self) -> None:
        """Something may have become fetchable: wake every waiting request."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def close(self) -> None:
        """Server shutdown: answer every waiting request now, and let no new one wait."""
        with self._changed:
            self._closed = True
            self._generation += 1
            self._changed.notify_all()

    def wait_drained(self, timeout_s: float) -> None:
        """After :meth:`close`, give released requests a moment to be answered."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self._waiting and time.monotonic() < deadline:
                self._left.wait(0.05)

    def poll(
        self,
        attempt: Callable[[], list[T]],
        maybe_ready: Callable[[], bool],
        timeout_s: float,
        gone: Callable[[], bool] = lambda: False,
    ) -> list[T]:
        """``attempt()`` now, and again whenever work may be there, until it yields or ``timeout_s`` passes.

        ``gone()`` tells whether the client hung up: a waiter whose client is gone stops before it
        locks anything, so a killed worker's long poll does not take tasks nobody will work on.
        """
        with self._changed:
            seen = self._generation  # read before trying, so a wake-up during the attempt is not lost
        found = attempt()
        if found or timeout_s <= 0 or self._closed:
            return found
        with self._changed:
            if self._waiting >= self.capacity:
                return []
            self._waiting += 1
        try:
            return self._wait_for(attempt, maybe_ready, gone, time.monotonic() + timeout_s, seen)
        finally:
            with self._changed:
                self._waiting -= 1
                self._left.notify_all()

    def _wait_for(
        self,
        attempt: Callable[[], list[T]],
        maybe_ready: Callable[[], bool],
        gone: Callable[[], bool],
        deadline: float,
        seen: int,
    ) -> list[T]:
        while True:
            with self._changed:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return []
                if self._generation == seen:
                    self._changed.wait(min(remaining, self.recheck_s))
                woken = self._generation != seen
                seen = self._generation
            if self._closed or gone():
                return []
            if woken or maybe_ready():
                found = attempt()
                if found:
                    return found
