"""The Alembic migrations create exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, select

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
    _downgrade(db, "0011")

    upgrade(db)

    with db.read() as conn:
        rows = conn.execute(select(t.jobs.c.element_id, t.jobs.c.called_definition_id)).all()
    db.dispose()
    assert dict(rows) == {"PackOrder": None, "ShipParcel": shipping.id}


TOP_LEVEL_JOB = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_pack" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="c7-pack" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Pack" />
    <bpmn:serviceTask id="Pack" camunda:type="external" camunda:topic="pack" />
    <bpmn:sequenceFlow id="f2" sourceRef="Pack" targetRef="Done" />
    <bpmn:endEvent id="Done" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_upgrading_to_0012_reads_only_the_frames_of_instances_with_jobs_in_subprocesses(
    make_engine: Callable[..., Engine], db_url: str
) -> None:
    engine = make_engine()
    engine.deploy([bpmn_file(f"calls/{n}.bpmn") for n in ("c7-order-nested", "c7-fulfilment", "c7-shipping")])
    engine.deploy([("c7-pack.bpmn", TOP_LEVEL_JOB)])
    top_level = 40
    for _ in range(top_level):
        engine.start("c7-pack", {})
    nested = [engine.start("c7-order-nested", {}).id for _ in range(2)]
    shipped_alone = engine.start("c7-shipping", {}).id  # ShipParcel in an embedded subprocess: not called
    shipping = engine.definitions.resolve("c7-shipping", None)
    db = Database(db_url)
    _downgrade(db, "0011")
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    upgrade(db)
    event.remove(db.engine, "before_cursor_execute", record)

    with db.read() as conn:
        rows = conn.execute(select(t.jobs.c.instance_id, t.jobs.c.element_id, t.jobs.c.called_definition_id)).all()
    db.dispose()
    called = {(i, e): d for i, e, d in rows if d is not None}
    assert called == {(i, "ShipParcel"): shipping.id for i in nested}
    assert len(rows) == top_level + 2 * len(nested) + 1
    assert (shipped_alone, "ShipParcel", None) in rows
    assert len([s for s in statements if "frame" in s]) == 1  # one chunk: the 3 instances with subprocess jobs
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE JOBS")]) == 1  # one executemany
    assert len(statements) < top_level  # nothing per top-level job


def _downgrade(db: Database, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.write() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
