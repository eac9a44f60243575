"""Environment knobs that make the demo's region databases slow or flaky on purpose.

A durable engine is only convincing when you can watch it survive slow and
failing work, so ``create-database`` reads two variables on *every* call (not
once at import), letting a demo change them while workers run:

* ``STEADYFLOW_DEMO_DELAY_S``: seconds to sleep before creating (float, >= 0);
* ``STEADYFLOW_DEMO_FAILURE_RATE``: probability (0..1) that a call fails with a
  :class:`TransientRegionError` before anything is created, so the retry
  policy has something to retry and nothing half-made is left behind.

A bad value is ignored with a warning rather than failing the job: a typo in a
demo knob must not look like a broken handler.
"""

from __future__ import annotations

import logging
import math
import os
import random
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

DELAY_ENV = "STEADYFLOW_DEMO_DELAY_S"
FAILURE_RATE_ENV = "STEADYFLOW_DEMO_FAILURE_RATE"


class TransientRegionError(Exception):
    """A region is briefly unavailable; an ordinary exception, so the job is retried."""


def _read_float(name: str) -> float | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        log.warning("ignoring %s=%r: not a number", name, raw)
        return None
    if math.isnan(value) or math.isinf(value):
        log.warning("ignoring %s=%r: not a finite number", name, raw)
        return None
    return value


def demo_delay_s() -> float:
    """The configured delay in seconds, 0.0 when unset or invalid."""
    value = _read_float(DELAY_ENV)
    if value is None:
        return 0.0
    if value < 0:
        log.warning("ignoring %s=%r: must be >= 0", DELAY_ENV, value)
        return 0.0
    return value


def demo_failure_rate() -> float:
    """The configured failure probability, 0.0 when unset or invalid."""
    value = _read_float(FAILURE_RATE_ENV)
    if value is None:
        return 0.0
    if not 0.0 <= value <= 1.0:
        log.warning("ignoring %s=%r: must be between 0 and 1", FAILURE_RATE_ENV, value)
        return 0.0
    return value


def apply_demo_knobs(
    region: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    draw: Callable[[], float] = random.random,
) -> None:
    """Sleep and/or fail as the environment asks; call before creating anything."""
    delay = demo_delay_s()
    if delay > 0:
        sleep(delay)
    rate = demo_failure_rate()
    if rate > 0 and draw() < rate:
        raise TransientRegionError(f"region {region} is temporarily unavailable (demo failure)")
