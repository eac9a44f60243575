"""The heatmap's duration classes and the figures folded from them."""

from __future__ import annotations

import pytest

from engine.heatmap import bucket_ms, duration_bucket, summarise, window_ranges


@pytest.mark.parametrize("seconds", [0.002, 0.5, 1.0, 37.0, 3600.0, 86400.0 * 30])
def test_a_duration_falls_in_a_class_within_five_percent_of_it(seconds: float) -> None:
    middle = bucket_ms(duration_bucket(seconds)) / 1000.0
    assert abs(middle - seconds) / seconds < 0.05


def test_sub_millisecond_durations_share_the_first_class() -> None:
    assert duration_bucket(0.0) == duration_bucket(0.0009) == 0


def test_p95_is_the_class_holding_the_95th_percent_and_the_average_is_exact() -> None:
    fast, slow = duration_bucket(0.010), duration_bucket(2.0)
    rows = [("Task_A", fast, 90, 0.9), ("Task_A", slow, 10, 20.0), ("Task_B", fast, 1, 0.01)]

    heat = summarise(rows)

    assert heat["Task_A"].count == 100
    assert heat["Task_A"].avg_ms == pytest.approx(209.0)
    assert heat["Task_A"].p95_ms == pytest.approx(2000.0, rel=0.05)
    assert heat["Task_B"].p95_ms == pytest.approx(10.0, rel=0.05)


def test_rows_of_one_class_from_several_shards_and_hours_add_up() -> None:
    bucket = duration_bucket(0.1)
    heat = summarise([("Task_A", bucket, 2, 0.2), ("Task_A", bucket, 3, 0.3)])
    assert heat["Task_A"].count == 5
    assert heat["Task_A"].avg_ms == pytest.approx(100.0)


def _hours(ranges: list[tuple[str, int | None, int | None]], horizon: int) -> list[int]:
    covered: list[int] = []
    for span, first, last in ranges:
        low = 0 if first is None else first
        if span == "h":
            covered.extend(range(low, (horizon if last is None else last) + 1))
        elif span == "d":
            for day in range(low, (horizon // 24 if last is None else last) + 1):
                covered.extend(range(day * 24, day * 24 + 24))
    return sorted(h for h in covered if h <= horizon)


@pytest.mark.parametrize(
    ("since_h", "until_h"),
    [(0, 0), (5, 5), (3, 30), (24, 47), (23, 48), (10, 200), (48, 71), (47, 72), (100, 101)],
)
def test_a_window_is_covered_by_days_and_edge_hours_exactly_once(since_h: int, until_h: int) -> None:
    ranges = window_ranges(since_h * 3600 + 10.0, until_h * 3600 + 10.0)
    assert _hours(ranges, until_h) == list(range(since_h, until_h + 1))
    assert sum(1 for span, _, _ in ranges if span == "h") <= 2


def test_no_window_reads_the_all_time_rows_and_an_open_end_reads_days_on() -> None:
    assert window_ranges(None, None) == [("t", None, None)]
    assert window_ranges(25 * 3600.0, None) == [("d", 2, None), ("h", 25, 47)]
