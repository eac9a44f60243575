"""Login throttling: after a few wrong passwords, an account and a client address must wait, longer each time.

Counted per account (a guessed password for ``admin`` from many addresses) and
per client address (many accounts tried from one address), for the login form
and for HTTP basic credentials on the APIs alike. The first ``free_failures``
cost nothing; then each failure doubles the wait, from ``base_delay_s`` up to
``max_delay_s``. A success clears its account's count, not the address's, so an
attacker cannot reset the address count by logging in to an account of its own.
Counts are kept in this process's memory: each ``serve`` process throttles on its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

EXTENSION = "steadyflow.login_throttle"
MAX_KEYS = 100_000
"""Bounded memory: past this many tracked accounts/addresses, the stalest are forgotten."""


@dataclass
class _Failures:
    count: int
    last_at: float


class LoginThrottle:
    def __init__(
        self,
        *,
        free_failures: int = 5,
        base_delay_s: float = 1.0,
        max_delay_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_failures = free_failures
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, _Failures] = {}

    def _delay(self, count: int) -> float:
        over = count - self.free_failures
        if over < 0:
            return 0.0
        return min(self.max_delay_s, self.base_delay_s * 2.0 ** min(over, 60))

    def _keys(self, username: str | None, address: str | None) -> list[str]:
        keys = [f"address:{address or 'unknown'}"]
        if username:
            keys.append(f"account:{username.strip().lower()}")
        return keys

    def retry_after(self, username: str | None, address: str | None) -> float:
        """Seconds until a login for ``username`` from ``address`` may be tried; 0 when it may now."""
        now = self._clock()
        with self._lock:
            waits = [0.0]
            for key in self._keys(username, address):
                entry = self._failures.get(key)
                if entry is not None:
                    waits.append(entry.last_at + self._delay(entry.count) - now)
        return max(waits)

    def failed(self, username: str | None, address: str | None) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(username, address):
                entry = self._failures.get(key)
                if entry is None or now - entry.last_at > self.max_delay_s * 2:
                    entry = self._failures[key] = _Failures(0, now)
                entry.count += 1
                entry.last_at = now
            if len(self._failures) > MAX_KEYS:
                for key, _ in sorted(self._failures.items(), key=lambda item: item[1].last_at)[: MAX_KEYS // 10]:
                    del self._failures[key]

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"account:{username.strip().lower()}", None)


def init_app(app: Flask) -> None:
    configured = app.config.get("LOGIN_THROTTLE")
    app.extensions[EXTENSION] = configured if isinstance(configured, LoginThrottle) else LoginThrottle()


def throttle() -> LoginThrottle:
    found = current_app.extensions.get(EXTENSION)
    if not isinstance(found, LoginThrottle):
        found = current_app.extensions[EXTENSION] = LoginThrottle()
    return found


def refuse_if_throttled(username: str | None) -> None:
    """429 with Retry-After when this account or this client address must still wait."""
    wait = throttle().retry_after(username, request.remote_addr)
    if wait > 0:
        seconds = math.ceil(wait)
        raise TooManyRequests(
            f"too many failed logins for this account or from this address: try again in {seconds} s",
            retry_after=seconds,
        )


def record_login(username: str | None, ok: bool) -> None:
    if ok and username:
        throttle().succeeded(username)
    elif not ok:
        throttle().failed(username, request.remote_addr)
