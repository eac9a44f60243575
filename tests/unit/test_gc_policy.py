"""The collector settings of long-running processes (engine.gc_policy)."""

from __future__ import annotations

import gc
import weakref

import pytest

from engine.gc_policy import ENV, YOUNG_THRESHOLD, pause, restore, resume, settle, settled


@pytest.fixture(autouse=True)
def _restore_gc() -> object:
    thresholds = gc.get_threshold()
    yield None
    resume()
    gc.enable()
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def test_pause_stops_collecting_until_settle_turns_the_collector_back_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    pause()
    assert not gc.isenabled()
    settle()
    assert gc.isenabled()


def test_resume_ends_a_pause_for_a_command_that_does_not_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    pause()
    resume()
    assert gc.isenabled()


def test_resume_leaves_a_collector_disabled_by_someone_else_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    gc.disable()
    pause()
    resume()
    settle()
    assert not gc.isenabled()


def test_default_setting_does_not_pause_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "default")
    pause()
    assert gc.isenabled()


def test_the_command_line_leaves_the_collector_on_after_a_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from steadyflow.cli import main

    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(SystemExit):
        main(["--version"])
    assert gc.isenabled()


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
