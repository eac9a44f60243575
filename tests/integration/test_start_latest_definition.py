"""A start by key uses the latest version it read before, checked in the start's own transaction.

Two engines on one database stand for two processes (a ``serve`` and a CLI ``deploy``): a
version deployed by the other one must be what the next start runs, never the remembered one.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from engine.engine import Engine

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _process(key: str, task: str) -> bytes:
    return (
        f'<bpmn:definitions xmlns:bpmn="{BPMN}" id="d" targetNamespace="t">'
        f'<bpmn:process id="{key}" isExecutable="true"><bpmn:startEvent id="start" />'
        f'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{task}" /><bpmn:userTask id="{task}" />'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


def _version(engine: Engine, instance_id: str) -> int:
    with engine.db.read() as conn:
        definition = engine.store.definition(conn, engine.instance(instance_id).definition_id)
    assert definition is not None
    return definition.version


def test_a_start_runs_a_version_another_process_deployed_after_the_last_start(make_engine: Any) -> None:
    serving, deploying = make_engine(), make_engine()
    serving.deploy([("p.bpmn", _process("p", "first"))])
    assert _version(serving, serving.start("p").id) == 1
    assert _version(serving, serving.start("p").id) == 1  # the remembered version, still the latest

    deploying.deploy([("p.bpmn", _process("p", "second"))])
    started = serving.start("p")

    assert _version(serving, started.id) == 2
    assert [a.element_id for a in serving.view(started.id).activities if a.state == "READY"] == ["second"]
    assert _version(serving, serving.start("p").id) == 2


def test_a_start_runs_the_version_this_process_just_deployed(make_engine: Any) -> None:
    engine: Engine = make_engine()
    engine.deploy([("p.bpmn", _process("p", "first"))])
    engine.start("p")
    engine.deploy([("p.bpmn", _process("p", "second"))])
    assert _version(engine, engine.start("p").id) == 2


def test_a_start_whose_remembered_version_is_stale_writes_nothing_for_it(make_engine: Any) -> None:
    serving, deploying = make_engine(), make_engine()
    serving.deploy([("p.bpmn", _process("p", "first"))])
    serving.start("p")
    deploying.deploy([("p.bpmn", _process("p", "second"))])

    serving.start("p")

    versions = sorted(_version(serving, i.id) for i in serving.instances(definition_key="p"))
    assert versions == [1, 2], "one instance per start: the stale attempt left no row"


@pytest.mark.parametrize("starts", [3])
def test_a_start_of_a_remembered_version_opens_no_read_transaction_of_its_own(make_engine: Any, starts: int) -> None:
    engine: Engine = make_engine()
    engine.deploy([("p.bpmn", _process("p", "first"))])
    engine.start("p")
    begins: list[str] = []

    def count(conn: Any) -> None:
        begins.append(str(conn.get_execution_options().get("steadyflow_begin")))

    event.listen(engine.db.engine, "begin", count)
    try:
        for _ in range(starts):
            engine.start("p")
    finally:
        event.remove(engine.db.engine, "begin", count)
    assert begins.count("IMMEDIATE") == starts
    assert begins.count("DEFERRED") == 0
