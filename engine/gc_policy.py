"""How a long-running steadyflow process tunes Python's cyclic garbage collector.

A step allocates thousands of short-lived objects (SpiffWorkflow tasks and their
data, SQLAlchemy rows, JSON values). With CPython's default young-generation
threshold (700 allocations) the collector runs several times per step, and each
older-generation pass walks everything the process built at start-up: modules,
the Flask app, parsed process specs, caches. :func:`settle` moves what exists
after start-up into the permanent generation (``gc.freeze``: never scanned
again, never freed, which is what start-up objects are anyway) and raises the
young threshold so that collections run once per many steps. Reference counting
still frees almost everything at once; only cycles wait a little longer.

Start-up itself (imports, the argument parser, the engine, the handlers) is run
with the collector paused (:func:`pause`): what it builds is kept for the life of
the process, so the collections CPython would run meanwhile find almost nothing
to free, and they cost a worker about 60 ms of its start-up. :func:`settle`
(or :func:`resume`, for a command that does not settle) turns it back on.

``STEADYFLOW_GC=default`` keeps CPython's own settings (to compare, or if a
deployment ever needs them); the pause is skipped then too.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

YOUNG_THRESHOLD = 10_000
"""Allocations (net of frees) between young collections: about one collection per few steps, not several per step."""

ENV = "STEADYFLOW_GC"

_paused = False
"""Whether :func:`pause` turned the collector off (and :func:`resume` has not turned it back on)."""


@dataclass(frozen=True)
class GcState:
    """What :func:`settle` changed, so :func:`restore` can put it back."""

    thresholds: tuple[int, int, int]
    frozen: bool


def _default_gc() -> bool:
    return os.environ.get(ENV, "").strip().lower() == "default"


def pause() -> None:
    """Turn the cyclic collector off for start-up; :func:`settle` or :func:`resume` turns it back on."""
    global _paused
    if _default_gc() or not gc.isenabled():
        return
    gc.disable()
    _paused = True


def resume() -> None:
    """Turn the collector back on if :func:`pause` turned it off (a no-op otherwise)."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()


def settle(young_threshold: int = YOUNG_THRESHOLD) -> GcState:
    """Freeze what start-up built and collect young objects less often; returns the previous settings.

    Ends a :func:`pause`: the collector runs again (with the new threshold) from here on.
    """
    previous = GcState(thresholds=gc.get_threshold(), frozen=False)
    if _default_gc():
        resume()
        return previous
    gc.collect()  # start-up garbage goes now, so it is not frozen with the rest
    gc.freeze()
    _, middle, old = previous.thresholds
    gc.set_threshold(young_threshold, middle, old)
    resume()
    return GcState(thresholds=previous.thresholds, frozen=True)


def restore(state: GcState) -> None:
    """Undo :func:`settle`: CPython's thresholds back, frozen objects scanned again."""
    gc.set_threshold(*state.thresholds)
    if state.frozen:
        gc.unfreeze()


@contextmanager
def settled(young_threshold: int = YOUNG_THRESHOLD) -> Iterator[GcState]:
    """Run a block as a settled process does (benchmarks time what ``serve`` and ``worker`` run)."""
    state = settle(young_threshold)
    try:
        yield state
    finally:
        restore(state)


__all__ = ["ENV", "YOUNG_THRESHOLD", "GcState", "pause", "restore", "resume", "settle", "settled"]
