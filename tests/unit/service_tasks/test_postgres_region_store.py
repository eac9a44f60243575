"""create-database and create-replication against a real PostgreSQL server.

Uses ``STEADYFLOW_TEST_POSTGRES_URL`` or the local trust-auth server; the
server tests are skipped, saying why, when no server answers. Every database a
test creates is dropped again, whether the test passes or not.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from engine.handlers import BpmnError, JobContext, NonRetryableError
from service_tasks.database_creation import create_database
from service_tasks.postgres_regions import normalize_postgres_url, pg_database_name
from service_tasks.region_store import read_creations
from service_tasks.replication import create_replication

Factory = Callable[..., JobContext]
Threads = Callable[[int, Callable[[int], object]], list[object]]
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_url(monkeypatch: pytest.MonkeyPatch) -> str:
    url = os.environ.get("STEADYFLOW_TEST_POSTGRES_URL", DEFAULT_URL)
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL at {url} is unreachable ({exc}); set STEADYFLOW_TEST_POSTGRES_URL")
    # The SQLAlchemy spelling must work too, since that is how the engine's own URL looks.
    monkeypatch.setenv(
        "STEADYFLOW_REGION_DB_URL",
        url.replace("postgresql://", "postgresql+psycopg://", 1),
    )
    return url


@pytest.fixture
def database(pg_url: str) -> Iterator[str]:
    """A unique database name; every server database made for it is dropped afterwards."""
    name = f"sftest_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name}%",)).fetchall()
        for (datname,) in rows:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(datname)))


def test_creates_a_server_database_with_the_schema_and_is_idempotent(
    pg_url: str, database: str, make_job: Factory, tmp_path: Path
) -> None:
    job = make_job(database=database, region="Istanbul", key="k1")

    first = create_database(job)
    again = create_database(job)

    expected_name = f"{database}_istanbul"
    assert (
        first
        == again
        == {
            "regionDatabase": {
                "region": "Istanbul",
                "database": database,
                "location": expected_name,
            }
        }
    )
    assert len(read_creations(tmp_path)) == 1
    dsn = psycopg.conninfo.make_conninfo(pg_url, dbname=expected_name)
    with psycopg.connect(dsn) as conn:
        meta = conn.execute("SELECT database_name, region, idempotency_key FROM steadyflow_database").fetchall()
        conn.execute("SELECT count(*) FROM replication_links")
    assert meta == [(database, "Istanbul", "k1")]


def test_another_jobs_key_is_database_exists_on_the_server(pg_url: str, database: str, make_job: Factory) -> None:
    create_database(make_job(database=database, region="Istanbul", key="k1"))

    with pytest.raises(BpmnError) as caught:
        create_database(make_job(database=database, region="Istanbul", key="k2"))

    assert caught.value.code == "DATABASE_EXISTS"
    assert database in caught.value.message


def test_concurrent_attempts_create_the_server_database_once(
    pg_url: str,
    database: str,
    make_job: Factory,
    tmp_path: Path,
    run_in_threads: Threads,
) -> None:
    results = run_in_threads(
        4,
        lambda i: create_database(make_job(database=database, region="Ankara", attempt=i + 1)),
    )

    assert all(isinstance(r, dict) for r in results), results
    assert len(read_creations(tmp_path)) == 1


def test_replication_is_recorded_in_the_primary_server_database(pg_url: str, database: str, make_job: Factory) -> None:
    for region in ("Istanbul", "Ankara"):
        create_database(make_job(database=database, region=region, key=f"c-{region}"))
    job = make_job(
        "create-replication",
        key="rep",
        database=database,
        regions=["Istanbul", "Ankara"],
    )

    out = create_replication(job)
    create_replication(job)

    assert out["replication"] == {
        "database": database,
        "primary": "Istanbul",
        "replicas": ["Ankara"],
    }
    dsn = psycopg.conninfo.make_conninfo(pg_url, dbname=f"{database}_istanbul")
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT source_region, target_region, database_name FROM replication_links").fetchall()
    assert rows == [("Istanbul", "Ankara", database)]


def test_url_forms_are_normalised_and_other_schemes_refused() -> None:
    for url in ("postgresql://h/db", "postgres://h/db", "postgresql+psycopg://h/db"):
        assert normalize_postgres_url(url) == "postgresql://h/db"
    with pytest.raises(NonRetryableError, match="must be a PostgreSQL URL"):
        normalize_postgres_url("sqlite:///regions.db")


def test_server_names_are_lowercased_sanitised_and_fit_the_identifier_limit() -> None:
    assert pg_database_name("Orders-DB", "eu-West") == "orders_db_eu_west"
    long_a = pg_database_name("a" * 63, "region-one")
    long_b = pg_database_name("a" * 63, "region-two")
    assert len(long_a) <= 63 and len(long_b) <= 63
    assert long_a != long_b
