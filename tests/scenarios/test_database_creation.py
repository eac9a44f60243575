"""The reference process, both flavours, through the engine with the built-in handlers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.engine import Engine
from service_tasks.registry import ServiceTaskRegistry
from tests.conftest import deploy, history_types, run_jobs

REGIONS = ["istanbul", "ankara", "izmir"]


def builtin_handlers() -> dict[str, object]:
    registry = ServiceTaskRegistry.default(load_entry_points=False)
    return {t: registry.get(t) for t in registry.types()}


def test_camunda8_example_creates_every_region_database_and_replication(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": REGIONS})

    stats = run_jobs(engine, builtin_handlers())

    view = engine.view(instance.id)
    assert view.instance["state"] == "completed"
    assert stats.completed == len(REGIONS) + 1
    assert [d["region"] for d in view.variables["regionDatabases"]] == REGIONS
    assert view.variables["replication"] == {
        "database": "orders",
        "primary": "istanbul",
        "replicas": ["ankara", "izmir"],
    }
    data_dir = Path(engine.config.data_dir)
    for region in REGIONS:
        assert (data_dir / "regions" / region / "orders.db").exists()
    with sqlite3.connect(data_dir / "regions" / "istanbul" / "orders.db") as conn:
        links = conn.execute("SELECT source_region, target_region FROM replication_links ORDER BY 2").fetchall()
    assert links == [("istanbul", "ankara"), ("istanbul", "izmir")]


def test_camunda7_example_forks_joins_once_and_replicates(engine: Engine) -> None:
    deploy(engine, "database-creation.bpmn")
    instance = engine.start("database-creation", {"database": "billing"}, business_key="ticket-42")

    run_jobs(engine, builtin_handlers())

    assert engine.instance(instance.id).state == "completed"
    assert history_types(engine, instance.id, "Gateway_Join").count("ActivityCompleted") == 1
    assert engine.view(instance.id).variables["replication"]["replicas"] == ["Ankara"]


def test_history_is_numbered_without_gaps(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": REGIONS})
    run_jobs(engine, builtin_handlers())

    history = engine.view(instance.id).history
    assert [e["seq"] for e in history] == list(range(1, len(history) + 1))
    assert history[0]["type"] == "InstanceStarted"
    assert history[-1]["type"] == "InstanceCompleted"


def test_identical_xml_is_not_a_new_version(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    deploy(engine, "database-creation-c8.bpmn")

    assert engine.definitions.resolve("database-creation-c8").version == 1
