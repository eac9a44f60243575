"""create-replication records the topology in the primary's database, once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from engine.handlers import JobContext, NonRetryableError, RetryLater
from service_tasks.database_creation import create_database
from service_tasks.replication import RegionDatabaseMissingError, create_replication

Factory = Callable[..., JobContext]


def links(data_dir: Path, region: str, database: str = "orders") -> list[tuple[Any, ...]]:
    path = data_dir / "regions" / region / f"{database}.db"
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(
            "SELECT source_region, target_region, database_name, idempotency_key"
            " FROM replication_links ORDER BY target_region"
        ).fetchall()


def create_all(make_job: Factory, *regions: str) -> list[dict[str, Any]]:
    return [create_database(make_job(database="orders", region=r, key=f"create-{r}")) for r in regions]


def test_topology_is_recorded_in_the_primary_regions_database(make_job: Factory, tmp_path: Path) -> None:
    create_all(make_job, "Istanbul", "Ankara", "Izmir")

    out = create_replication(
        make_job(
            "create-replication",
            key="rep",
            database="orders",
            regions=["Istanbul", "Ankara", "Izmir"],
        )
    )

    assert out == {
        "replication": {
            "database": "orders",
            "primary": "Istanbul",
            "replicas": ["Ankara", "Izmir"],
        }
    }
    assert links(tmp_path, "Istanbul") == [
        ("Istanbul", "Ankara", "orders", "rep"),
        ("Istanbul", "Izmir", "orders", "rep"),
    ]
    assert links(tmp_path, "Ankara") == []


def test_recording_twice_is_harmless(make_job: Factory, tmp_path: Path) -> None:
    create_all(make_job, "Istanbul", "Ankara")
    job = make_job(
        "create-replication",
        key="rep",
        database="orders",
        regions=["Istanbul", "Ankara"],
    )

    first = create_replication(job)
    second = create_replication(job)

    assert first == second
    assert links(tmp_path, "Istanbul") == [("Istanbul", "Ankara", "orders", "rep")]


def test_regions_come_from_region_databases_when_regions_is_absent(make_job: Factory, tmp_path: Path) -> None:
    created = create_all(make_job, "Ankara", "Istanbul")

    out = create_replication(
        make_job(
            "create-replication",
            database="orders",
            regionDatabases=[c["regionDatabase"] for c in created],
        )
    )

    assert out["replication"]["primary"] == "Ankara"
    assert out["replication"]["replicas"] == ["Istanbul"]
    assert [row[1] for row in links(tmp_path, "Ankara")] == ["Istanbul"]


def test_a_missing_region_database_waits_with_retry_later(make_job: Factory) -> None:
    create_all(make_job, "Istanbul")

    with pytest.raises(RetryLater) as caught:
        create_replication(make_job("create-replication", database="orders", regions=["Istanbul", "Ankara"]))

    assert caught.value.delay_s == 5
    assert "Ankara" in caught.value.message
    assert "Istanbul" not in caught.value.message


def test_a_region_database_still_missing_on_attempt_three_is_an_error(
    make_job: Factory,
) -> None:
    create_all(make_job, "Istanbul")

    with pytest.raises(RegionDatabaseMissingError) as caught:
        create_replication(
            make_job(
                "create-replication",
                attempt=3,
                database="orders",
                regions=["Istanbul", "Ankara"],
            )
        )

    assert "Ankara" in str(caught.value)
    assert "run create-database" in str(caught.value)


def test_a_single_region_has_no_replicas(make_job: Factory, tmp_path: Path) -> None:
    create_all(make_job, "Istanbul")

    out = create_replication(make_job("create-replication", database="orders", regions=["Istanbul", "Istanbul"]))

    assert out["replication"] == {
        "database": "orders",
        "primary": "Istanbul",
        "replicas": [],
    }
    assert links(tmp_path, "Istanbul") == []


@pytest.mark.parametrize(
    ("variables", "fragment"),
    [
        ({"regions": []}, "is empty"),
        ({"regions": "Istanbul"}, "must be a list"),
        ({"regions": ["Istanbul", "no way"]}, "letters, digits"),
        ({}, "neither job variable 'regions' nor 'regionDatabases'"),
        ({"regionDatabases": [{"database": "orders"}]}, "'region' field"),
    ],
)
def test_bad_region_lists_are_refused_without_retry(
    make_job: Factory, variables: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(NonRetryableError, match=fragment):
        create_replication(make_job("create-replication", database="orders", **variables))
