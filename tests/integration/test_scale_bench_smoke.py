"""The scale-out benchmark runs end to end in its quick mode on SQLite (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import scale_bench

pytestmark = pytest.mark.slow


def test_quick_scale_benchmark_prints_a_row_per_run_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "scale_bench.json"

    assert scale_bench.main(["--quick", "--workers", "1,2", "--backends", "sqlite", "--json", str(results)]) == 0

    printed = capsys.readouterr().out
    assert "x1.00 vs 1 worker(s)" in printed
    runs = json.loads(results.read_text())["runs"]
    assert [(r["backend"], r["workers"]) for r in runs] == [("sqlite", 1), ("sqlite", 2)]
    assert all(r["steps"] >= r["instances"] > 0 for r in runs)
