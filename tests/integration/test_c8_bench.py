"""The Camunda 8 job benchmark runs end to end in its quick mode (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import c8_job_bench

pytestmark = pytest.mark.slow


def test_quick_c8_job_benchmark_runs_both_paths_and_prints_the_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "c8_job_bench.json"
    assert c8_job_bench.main(["--quick", "--tasks", "12", "--workers", "1,4", "--json", str(results)]) == 0
    printed = capsys.readouterr().out
    assert "v2 : rest" in printed and "1.00x" in printed
    report = json.loads(results.read_text(encoding="utf-8"))
    assert [(r["path"], r["workers"]) for r in report["results"]] == [
        ("/engine-rest", 1),
        ("/v2", 1),
        ("/engine-rest", 4),
        ("/v2", 4),
    ]
    assert all(r["tasks"] == 12 and r["round_trips_per_s"] > 0 for r in report["results"])
