"""The Alembic migrations create exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from engine.store.database import Database
from engine.store.migrate import current_revision, ensure_schema, head_revision, upgrade
from engine.store.schema import metadata
from steadyflow.errors import SchemaOutdatedError


def test_migrations_match_the_declared_schema(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    db.dispose()
    assert diff == []


def test_empty_database_is_created_and_an_outdated_one_is_refused(db_url: str) -> None:
    db = Database(db_url)
    ensure_schema(db)
    assert current_revision(db) == head_revision()
    with db.write() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(SchemaOutdatedError, match="steadyflow db upgrade"):
        ensure_schema(db)
    db.dispose()
