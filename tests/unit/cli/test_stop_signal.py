"""SIGTERM/SIGINT reach the main thread of ``serve`` and ``worker`` as a flag it waits for."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest

from steadyflow.cli.processes import StopSignal


@pytest.fixture
def stop_signal() -> Iterator[StopSignal]:
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield StopSignal()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_wait_returns_once_the_process_receives_a_stop_signal(stop_signal: StopSignal, signum: int) -> None:
    sender = threading.Timer(0.05, os.kill, args=(os.getpid(), signum))
    sender.start()
    stop_signal.wait()
    sender.join()
    assert stop_signal.signal_name == signal.Signals(signum).name


def test_a_signal_before_waiting_is_remembered(stop_signal: StopSignal) -> None:
    assert not stop_signal.requested
    signal.raise_signal(signal.SIGTERM)
    assert stop_signal.requested
    stop_signal.wait()  # returns at once
