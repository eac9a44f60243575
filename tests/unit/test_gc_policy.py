"""The collector settings of long-running processes (engine.gc_policy)."""

from __future__ import annotations

import gc
import weakref

import pytest

from engine.gc_policy import ENV, YOUNG_THRESHOLD, restore, settle, settled


@pytest.fixture(autouse=True)
def _restore_gc() -> object:
    thresholds = gc.get_threshold()
    yield None
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def test_settle_freezes_start_up_objects_and_raises_the_young_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    before = gc.get_threshold()
    state = settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_THRESHOLD, before[1], before[2])
    assert state.thresholds == before and state.frozen


def test_restore_puts_back_the_thresholds_and_unfreezes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    before = gc.get_threshold()
    restore(settle())
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_default_setting_leaves_the_collector_as_cpython_configures_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "default")
    before = gc.get_threshold()
    state = settle()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert not state.frozen


def test_cycles_made_after_settling_are_still_collected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)

    class Node:
        partner: object = None

    with settled():
        gc.disable()  # no automatic collection between building the cycle and looking at it
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        alive = weakref.ref(first)
        del first, second
        assert alive() is not None  # a cycle: reference counting alone does not free it
        gc.enable()
        gc.collect()
        assert alive() is None
