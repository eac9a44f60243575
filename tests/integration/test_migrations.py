"""The Alembic migrations create exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from engine.engine import Engine
from engine.store import schema as t
from engine.store.database import Database
from engine.store.migrate import MIGRATIONS, current_revision, ensure_schema, head_revision, upgrade
from engine.store.schema import metadata
from steadyflow.errors import SchemaOutdatedError
from tests.integration.conftest import bpmn_file


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


def test_upgrading_to_0012_names_the_called_childs_definition_on_jobs_already_open(
    make_engine: Callable[..., Engine], db_url: str
) -> None:
    engine = make_engine()
    engine.deploy([bpmn_file(f"calls/{n}.bpmn") for n in ("c7-order-nested", "c7-fulfilment", "c7-shipping")])
    engine.start("c7-order-nested", {})
    shipping = engine.definitions.resolve("c7-shipping", None)
    db = Database(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.write() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0011")

    upgrade(db)

    with db.read() as conn:
        rows = conn.execute(select(t.jobs.c.element_id, t.jobs.c.called_definition_id)).all()
    db.dispose()
    assert dict(rows) == {"PackOrder": None, "ShipParcel": shipping.id}
