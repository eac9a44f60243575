"""bench/fanout_bench runs every shape in its quick mode, and --check fails on a missed target (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import fanout_bench


def test_quick_fanout_benchmark_runs_every_shape_and_prints_growth(capsys: pytest.CaptureFixture[str]) -> None:
    assert fanout_bench.main(["--quick", "--check"]) == 0

    printed = capsys.readouterr().out
    assert printed.count("growth per branch") == len(fanout_bench.SHAPES)
    for shape in (
        "parallel gateway (start)",
        "inclusive gateway (start)",
        "multi-instance (deploy+run)",
        "sequential chain (deploy+run)",
    ):
        assert shape in printed
    assert "quick run: all shapes completed" in printed


def test_check_exits_non_zero_when_a_shape_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refused(size: int, workdir: Path) -> fanout_bench.Run:
        raise RuntimeError(f"parallel gateway x{size}: the instance is running, not completed")

    monkeypatch.setitem(fanout_bench.SHAPES, "gateway", (refused, 100, 5000))

    assert fanout_bench.main(["--check", "--only", "gateway"]) == 1
    assert "MISSED gateway: failed (RuntimeError)" in capsys.readouterr().out
    assert fanout_bench.main(["--only", "gateway"]) == 0  # without --check a miss is reported, not an exit code
