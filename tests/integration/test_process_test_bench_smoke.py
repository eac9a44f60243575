"""bench/process_test_bench.py runs end to end in its quick mode: both variants, ratio and JSON (no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import process_test_bench


def test_quick_process_test_bench_prints_both_variants_and_the_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "process_test_bench.json"
    assert process_test_bench.main(["--quick", "--json", str(results)]) == 0
    printed = capsys.readouterr().out
    assert "(a) in process:" in printed and "(b) steadyflow serve/HTTP:" in printed
    assert "ratio b/a median:" in printed
    assert printed.count("PASS") + printed.count("FAIL") == 1
    report = json.loads(results.read_text(encoding="utf-8"))
    assert report["in_process"]["runs"] == report["http"]["runs"] == 3
    assert report["case"] == process_test_bench.CASE_NAME
