"""The engine benchmark runs end to end in its quick mode (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import dbos_variant, engine_bench


def test_quick_benchmark_prints_ratios_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results" / "engine_bench.json"

    assert engine_bench.main(["--quick", "--json", str(results)]) == 0

    printed = capsys.readouterr().out
    with_dbos = dbos_variant.dbos_available()
    assert "ratio c/a steps/s" in printed
    assert "ratio c/b steps/s" in printed
    assert "ratio c written bytes/step(40) / bytes/step(10)" in printed
    assert "ratio c ms/step(40) / ms/step(10)" in printed
    assert ("ratio c/d steps/s" in printed) == with_dbos
    assert ("SKIPPED (d)" in printed) != with_dbos
    variants = {"a", "b", "c", "d"} if with_dbos else {"a", "b", "c"}
    for key in variants:
        assert engine_bench.VARIANTS[key] in printed

    report = json.loads(results.read_text(encoding="utf-8"))
    assert report["quick"] is True
    assert set(report["throughput"]) == variants
    steps = {m["steps"] for m in report["throughput"].values()}
    assert steps == {report["config"]["instances"] * engine_bench.expected_steps(report["config"]["regions"])}
    assert printed.count("PASS") + printed.count("FAIL") == len(report["targets"])
    assert {row["regions"] for row in report["sizes"]} == set(report["config"]["sizes"])
    assert report["hand_written_round_trip"]["ok"] is True
    for key in variants - {"a"}:
        measured = report["throughput"][key]
        assert measured["bytes_written"] > 0, key
        assert (measured["journal_mode"], measured["synchronous"]) == ("wal", 2), key
        assert measured["commits"] > 0, key


def test_check_fails_and_says_so_when_dbos_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_bench, "dbos_available", lambda: False)

    code = engine_bench.main(["--quick", "--check", "--json", str(tmp_path / "r.json")])

    printed = capsys.readouterr().out
    assert code == 1
    assert "SKIPPED (d): DBOS 3.x is not installed" in printed
    assert "--check needs it" in printed
    assert "c_over_d" in printed.splitlines()[-1]
    assert engine_bench.VARIANTS["d"] not in printed
