"""The external-task benchmark runs end to end in its quick mode (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import external_task_bench

pytestmark = pytest.mark.slow


def test_quick_external_task_benchmark_prints_rates_and_ratios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "external_task_bench.json"
    assert external_task_bench.main(["--quick", "--tasks", "12", "--workers", "1,4", "--json", str(results)]) == 0
    printed = capsys.readouterr().out
    assert "round trips/s" in printed and "1.00x" in printed
    report = json.loads(results.read_text(encoding="utf-8"))
    assert [r["workers"] for r in report["results"]] == [1, 4]
    assert all(r["tasks"] == 12 and r["round_trips_per_s"] > 0 for r in report["results"])
