"""The heatmap and step-record benchmarks run end to end at a small size (no timing is asserted)."""

from __future__ import annotations

import pytest

from bench import heatmap_bench, step_state_bench


def test_heatmap_bench_agrees_with_history_and_prints_both_times(capsys: pytest.CaptureFixture[str]) -> None:
    assert heatmap_bench.main(["--instances", "300", "--rounds", "1"]) == 0
    printed = capsys.readouterr().out
    assert "counts agree with history: True" in printed
    assert "heatmap from the counters:" in printed and "baseline from history:" in printed
    assert "last 7 days:" in printed and "counts agree: True" in printed


def test_step_state_bench_prints_both_variants_and_their_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert step_state_bench.main(["--instances", "2", "--regions", "3", "--rounds", "1"]) == 0
    printed = capsys.readouterr().out
    assert "without step records:" in printed and "with step records:" in printed
    assert "ratio with/without:" in printed
