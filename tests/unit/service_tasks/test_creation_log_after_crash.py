"""A worker that dies between creating a region database and logging it: the next attempt writes the line, once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from service_tasks.database_creation import create_database
from service_tasks.region_store import CreationRequest, read_creations
from service_tasks.sqlite_regions import SqliteRegionStore

Factory = Callable[..., object]


def test_next_attempt_logs_a_creation_whose_attempt_died_before_logging(make_job: Factory, tmp_path: Path) -> None:
    # The first attempt created the file, then its process was killed before the log line.
    SqliteRegionStore(tmp_path).create(CreationRequest("orders", "Izmir", "key-1", "instance-1"))
    assert read_creations(tmp_path) == []

    create_database(make_job(database="orders", region="Izmir", attempt=2))
    create_database(make_job(database="orders", region="Izmir", attempt=3))

    [line] = read_creations(tmp_path)
    assert (line["region"], line["database"], line["idempotency_key"]) == ("Izmir", "orders", "key-1")


def test_concurrent_attempts_of_one_job_log_one_line(
    make_job: Factory, tmp_path: Path, run_in_threads: Callable[[int, Callable[[int], object]], list[object]]
) -> None:
    results = run_in_threads(8, lambda i: create_database(make_job(database="orders", region="Izmir", attempt=i + 1)))

    assert not [r for r in results if isinstance(r, BaseException)]
    assert len(read_creations(tmp_path)) == 1
