"""The engine's clock: what "now" is for timers, job due times and steps.

Production engines read the system clock. A process test gives the engine a
:class:`ManualClock`, which only moves when the test says so
(``clock.advance("P3D")``), so timers fall due without sleeping and a test
never depends on how fast the machine is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bpmn.durations import add_duration


class Clock(Protocol):
    """Anything that tells the time as seconds since the epoch (UTC)."""

    def now(self) -> float: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> float:
        return time.time()


SYSTEM_CLOCK = SystemClock()


class ManualClock:
    """A clock that stands still until it is advanced or set; thread-safe.

    It starts at the given instant (default: the system time when it was made,
    so stored timestamps stay plausible) and never goes backwards. It counts
    whole microseconds, the resolution of the due times timers store, so a
    timer due "in 0.2 s" is due exactly when the clock has moved 0.2 s.
    """

    def __init__(self, start: datetime | float | None = None) -> None:
        self._lock = threading.Lock()
        self._us = _as_us(_as_epoch(start) if start is not None else time.time())

    def now(self) -> float:
        with self._lock:
            return self._us / 1_000_000

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, duration: str | timedelta | float) -> float:
        """Move forward by an ISO 8601 duration (``"P3D"``), a timedelta or seconds; returns the new time."""
        with self._lock:
            seconds = _as_seconds(duration, self._us)
            if seconds < 0:
                raise ValueError(f"cannot move the clock backwards by {duration!r}; give a positive duration")
            self._us += _as_us(seconds)
            return self._us / 1_000_000

    def set(self, instant: datetime | str | float) -> float:
        """Jump to ``instant`` (an ISO 8601 instant such as ``2026-01-19T13:00:00Z``, a datetime or epoch seconds)."""
        target = _as_us(_as_epoch(instant))
        with self._lock:
            if target < self._us:
                raise ValueError(
                    f"cannot set the clock back to {datetime.fromtimestamp(target / 1e6, UTC).isoformat()}; "
                    f"it is already {datetime.fromtimestamp(self._us / 1e6, UTC).isoformat()}"
                )
            self._us = target
            return self._us / 1_000_000


_CURRENT: ContextVar[Clock] = ContextVar("steadyflow_clock", default=SYSTEM_CLOCK)


@contextmanager
def engine_clock(clock: Clock) -> Iterator[Clock]:
    """Inside this block, FEEL's ``now()`` and ``today()`` read ``clock`` (this thread or task only).

    A context variable, as the expression limits are: two engines in one process keep their own clocks.
    """
    token = _CURRENT.set(clock)
    try:
        yield clock
    finally:
        _CURRENT.reset(token)


def current_clock() -> Clock:
    return _CURRENT.get()


def utc_now(clock: Clock) -> datetime:
    """``clock``'s time as an aware UTC datetime (what timer definitions compare against)."""
    return datetime.fromtimestamp(clock.now(), UTC)


def _as_us(seconds: float) -> int:
    return round(seconds * 1_000_000)


def _as_seconds(duration: str | timedelta | float, from_us: int) -> float:
    """How far ``duration`` moves a clock that reads ``from_us``: ISO text counts months on the calendar."""
    if isinstance(duration, timedelta):
        return duration.total_seconds()
    if isinstance(duration, str):
        start = datetime.fromtimestamp(from_us / 1_000_000, UTC)
        return (add_duration(start, duration) - start).total_seconds()
    return float(duration)


def _as_epoch(instant: datetime | str | float) -> float:
    if isinstance(instant, str):
        try:
            instant = datetime.fromisoformat(instant.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{instant!r} is not an ISO 8601 instant such as 2026-01-19T13:00:00Z") from exc
    if isinstance(instant, datetime):
        aware = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
        return aware.timestamp()
    return float(instant)
