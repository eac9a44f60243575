"""create-database really creates a SQLite database, once per job, even under races."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from engine.handlers import BpmnError, JobContext, NonRetryableError
from service_tasks.database_creation import create_database
from service_tasks.demo_knobs import TransientRegionError
from service_tasks.region_store import read_creations

Factory = Callable[..., JobContext]
Threads = Callable[[int, Callable[[int], object]], list[object]]


def db_path(data_dir: Path, region: str = "Istanbul", database: str = "orders") -> Path:
    return data_dir / "regions" / region / f"{database}.db"


def tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}


def test_creation_makes_a_real_sqlite_file_with_the_schema(make_job: Factory, tmp_path: Path) -> None:
    out = create_database(make_job(database="orders", region="Istanbul", key="k1"))

    path = db_path(tmp_path)
    assert out == {
        "regionDatabase": {
            "region": "Istanbul",
            "database": "orders",
            "location": str(path),
        }
    }
    assert path.is_file()
    assert {"steadyflow_database", "replication_links"} <= tables(path)
    with closing(sqlite3.connect(path)) as conn:
        meta = conn.execute("SELECT database_name, region, idempotency_key FROM steadyflow_database").fetchall()
    assert meta == [("orders", "Istanbul", "k1")]
    assert [p.name for p in path.parent.iterdir()] == ["orders.db"], "temp file left behind"


def test_each_real_creation_appends_one_line_to_the_creations_log(make_job: Factory, tmp_path: Path) -> None:
    create_database(make_job(database="orders", region="Istanbul", instance_id="i-9"))

    [line] = read_creations(tmp_path)
    assert line["region"] == "Istanbul"
    assert line["database"] == "orders"
    assert line["idempotency_key"] == "key-1"
    assert line["instance_id"] == "i-9"
    assert line["created_at"]


def test_same_key_again_is_harmless_and_logs_no_second_creation(make_job: Factory, tmp_path: Path) -> None:
    first = create_database(make_job(database="orders", region="Istanbul", key="k1"))
    again = create_database(make_job(database="orders", region="Istanbul", key="k1", attempt=2))

    assert again == first
    assert len(read_creations(tmp_path)) == 1


def test_another_jobs_key_gets_bpmn_error_database_exists(make_job: Factory) -> None:
    create_database(make_job(database="orders", region="Istanbul", key="k1"))

    with pytest.raises(BpmnError) as caught:
        create_database(make_job(database="orders", region="Istanbul", key="k2"))

    assert caught.value.code == "DATABASE_EXISTS"
    assert "orders" in caught.value.message
    assert "Istanbul" in caught.value.message


def test_a_file_steadyflow_did_not_create_is_database_exists(make_job: Factory, tmp_path: Path) -> None:
    path = db_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database")

    with pytest.raises(BpmnError) as caught:
        create_database(make_job(database="orders", region="Istanbul"))

    assert caught.value.code == "DATABASE_EXISTS"
    assert "did not create" in caught.value.message


def test_the_same_database_in_two_regions_is_two_databases(make_job: Factory, tmp_path: Path) -> None:
    create_database(make_job(database="orders", region="Istanbul", key="a"))
    create_database(make_job(database="orders", region="Ankara", key="b"))

    assert db_path(tmp_path, "Istanbul").is_file()
    assert db_path(tmp_path, "Ankara").is_file()
    assert len(read_creations(tmp_path)) == 2


@pytest.mark.parametrize(
    ("variables", "fragment"),
    [
        ({"database": "", "region": "Istanbul"}, "letters, digits"),
        ({"database": "x" * 64, "region": "Istanbul"}, "1 to 63 characters"),
        ({"database": "my orders", "region": "Istanbul"}, "letters, digits"),
        ({"database": "../escape", "region": "Istanbul"}, "letters, digits"),
        ({"database": "orders;drop", "region": "Istanbul"}, "letters, digits"),
        ({"database": "orders", "region": "İstanbul"}, "ASCII letters"),
        ({"database": 42, "region": "Istanbul"}, "must be a string"),
        ({"region": "Istanbul"}, "'database' is missing"),
        ({"database": "orders"}, "'region' is missing"),
    ],
)
def test_bad_names_are_refused_without_retry(
    make_job: Factory, tmp_path: Path, variables: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(NonRetryableError, match=fragment):
        create_database(make_job(**variables))

    assert not (tmp_path / "regions").exists() or not any((tmp_path / "regions").rglob("*.db"))


def test_names_at_the_limits_are_accepted(make_job: Factory) -> None:
    out = create_database(make_job(database="a" * 63, region="eu-west_1"))

    assert out["regionDatabase"]["database"] == "a" * 63


def test_eight_threads_creating_the_same_job_create_it_exactly_once(
    make_job: Factory, tmp_path: Path, run_in_threads: Threads
) -> None:
    def work(i: int) -> object:
        return create_database(make_job(database="orders", region="Istanbul", attempt=i + 1))

    results = run_in_threads(8, work)

    assert all(isinstance(r, dict) for r in results), results
    assert len({str(r) for r in results}) == 1
    assert len(read_creations(tmp_path)) == 1
    assert [p.name for p in db_path(tmp_path).parent.iterdir()] == ["orders.db"]


def test_eight_different_jobs_racing_let_exactly_one_win(
    make_job: Factory, tmp_path: Path, run_in_threads: Threads
) -> None:
    def work(i: int) -> object:
        return create_database(make_job(database="orders", region="Istanbul", key=f"k{i}"))

    results = run_in_threads(8, work)

    wins = [r for r in results if isinstance(r, dict)]
    losses = [r for r in results if isinstance(r, BpmnError) and r.code == "DATABASE_EXISTS"]
    assert (len(wins), len(losses)) == (1, 7), results
    assert len(read_creations(tmp_path)) == 1


def test_demo_failure_rate_one_fails_transiently_before_creating_anything(
    make_job: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEADYFLOW_DEMO_FAILURE_RATE", "1.0")

    with pytest.raises(TransientRegionError) as caught:
        create_database(make_job(database="orders", region="Istanbul"))

    assert str(caught.value) == "region Istanbul is temporarily unavailable (demo failure)"
    assert not isinstance(caught.value, (BpmnError, NonRetryableError))
    assert not db_path(tmp_path).exists()
    assert read_creations(tmp_path) == []


def test_demo_knobs_are_read_on_every_call(make_job: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADYFLOW_DEMO_FAILURE_RATE", "1")
    with pytest.raises(TransientRegionError):
        create_database(make_job(database="orders", region="Istanbul"))

    monkeypatch.setenv("STEADYFLOW_DEMO_FAILURE_RATE", "0")
    create_database(make_job(database="orders", region="Istanbul"))

    assert db_path(tmp_path).is_file()
