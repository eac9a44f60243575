"""The DMN benchmark runs end to end on a few inputs and prints its ratios (no timing is asserted)."""

from __future__ import annotations

import pytest

from bench import dmn_bench


def test_dmn_bench_prints_rates_and_ratios_of_every_variant(capsys: pytest.CaptureFixture[str]) -> None:
    assert dmn_bench.main(["--evaluations", "30", "--rounds", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("evaluations/s") == 8  # four rates and four ratios
    assert "ratio b/a evaluations/s" in printed and "ratio c/a evaluations/s" in printed
    assert "30 inputs" in printed
