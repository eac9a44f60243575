"""The engine benchmark runs end to end in its quick mode (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import engine_bench


def test_quick_benchmark_prints_ratios_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results" / "engine_bench.json"

    assert engine_bench.main(["--quick", "--json", str(results)]) == 0

    printed = capsys.readouterr().out
    assert "ratio c/a (instances/s" in printed
    assert "ratio c/b (instances/s" in printed
    assert "ratio c bytes/step(40)/bytes/step(10)" in printed
    for label in engine_bench.VARIANTS.values():
        assert label in printed
    assert printed.count("PASS") + printed.count("FAIL") == 3

    report = json.loads(results.read_text(encoding="utf-8"))
    assert report["quick"] is True
    assert set(report["throughput"]) == {"a", "b", "c"}
    steps = {m["steps"] for m in report["throughput"].values()}
    assert steps == {report["config"]["instances"] * engine_bench.expected_steps(report["config"]["regions"])}
    assert set(report["targets"]) == {"c_over_a", "c_over_b", "bytes_growth"}
    assert {row["regions"] for row in report["sizes"]} == set(report["config"]["sizes"])
    assert report["hand_written_round_trip"]["ok"] is True
    assert report["throughput"]["b"]["bytes_written"] > 0
    assert report["throughput"]["c"]["bytes_written"] > 0
