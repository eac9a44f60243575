"""The demo knobs slow down or fail creations on request, and shrug off bad values."""

from __future__ import annotations

import logging

import pytest

from service_tasks.demo_knobs import (
    TransientRegionError,
    apply_demo_knobs,
    demo_delay_s,
    demo_failure_rate,
)


def test_delay_sleeps_the_configured_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADYFLOW_DEMO_DELAY_S", "0.25")
    slept: list[float] = []

    apply_demo_knobs("Ankara", sleep=slept.append)

    assert slept == [0.25]


def test_no_knobs_means_no_sleep_and_no_failure() -> None:
    slept: list[float] = []

    apply_demo_knobs("Ankara", sleep=slept.append, draw=lambda: 0.0)

    assert slept == []


def test_failure_happens_when_the_draw_is_below_the_rate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STEADYFLOW_DEMO_FAILURE_RATE", "0.5")

    apply_demo_knobs("Ankara", draw=lambda: 0.7)
    with pytest.raises(TransientRegionError, match="region Ankara is temporarily unavailable"):
        apply_demo_knobs("Ankara", draw=lambda: 0.2)


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", "inf"])
def test_a_bad_delay_is_ignored_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, raw: str
) -> None:
    monkeypatch.setenv("STEADYFLOW_DEMO_DELAY_S", raw)

    with caplog.at_level(logging.WARNING):
        assert demo_delay_s() == 0.0

    assert "STEADYFLOW_DEMO_DELAY_S" in caplog.text


@pytest.mark.parametrize("raw", ["often", "1.5", "-0.1"])
def test_a_bad_failure_rate_is_ignored_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, raw: str
) -> None:
    monkeypatch.setenv("STEADYFLOW_DEMO_FAILURE_RATE", raw)

    with caplog.at_level(logging.WARNING):
        assert demo_failure_rate() == 0.0

    assert "STEADYFLOW_DEMO_FAILURE_RATE" in caplog.text
