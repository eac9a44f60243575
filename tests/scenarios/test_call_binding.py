"""Call activities resolve the called process when they run, with Camunda's bindings, in both dialects.

The child (``tests/data/calls/<dialect>-shipping.bpmn``) records which release ran in
``shippingVersion`` ("v1", or "v2" for the second release deployed here) and then waits for a
``ship`` job inside an embedded subprocess, so a test can stop in the middle of a child.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.engine import Engine
from steadyflow.errors import ModelValidationError, NotFoundError
from tests.conftest import DATA, run_jobs

CALLS = DATA / "calls"
DIALECTS = ("c7", "c8")
SHIP = {"ship": lambda job: {"shipped": True}}


def child_release(dialect: str, release: int) -> tuple[str, bytes]:
    """The shipping process as first saved (release 1) or edited to say v2 with version tag 2.0 (release 2)."""
    data = (CALLS / f"{dialect}-shipping.bpmn").read_bytes()
    if release == 2:
        edits = {
            "c7": [
                (b'<bpmn:script>"v1"</bpmn:script>', b'<bpmn:script>"v2"</bpmn:script>'),
                (b'camunda:versionTag="1.0"', b'camunda:versionTag="2.0"'),
            ],
            "c8": [
                (b"=&#34;v1&#34;", b"=&#34;v2&#34;"),
                (b'<zeebe:versionTag value="1.0" />', b'<zeebe:versionTag value="2.0" />'),
            ],
        }[dialect]
        for old, new in edits:
            assert old in data
            data = data.replace(old, new)
    return f"{dialect}-shipping.bpmn", data


def parent(name: str) -> tuple[str, bytes]:
    return f"{name}.bpmn", (CALLS / f"{name}.bpmn").read_bytes()


def open_incidents(engine: Engine, instance_id: str) -> list[Any]:
    return [i for i in engine.incidents(instance_id) if i.state == "open"]


def finish(engine: Engine, instance_id: str) -> dict[str, Any]:
    run_jobs(engine, SHIP)
    assert engine.instance(instance_id).state == "completed"
    return engine.variables(instance_id)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_parent_deployed_before_its_child_runs_once_the_child_is_deployed(engine: Engine, dialect: str) -> None:
    engine.deploy([parent(f"{dialect}-order")])
    instance = engine.start(f"{dialect}-order", {"orderId": 7})

    [incident] = open_incidents(engine, instance.id)
    assert incident.element_id == "CallShipping"
    assert f"process '{dialect}-shipping' (binding latest)" in incident.message
    assert "deploy it, then retry the incident" in incident.message
    assert engine.instance(instance.id).state == "running"

    engine.deploy([child_release(dialect, 1)])
    assert engine.retry(instance.id) == 1

    variables = finish(engine, instance.id)
    assert variables["shippingVersion"] == "v1"
    assert variables["orderId"] == 7 and variables["shipped"] is True
    assert open_incidents(engine, instance.id) == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_retrying_before_the_child_is_deployed_raises_the_incident_again(engine: Engine, dialect: str) -> None:
    engine.deploy([parent(f"{dialect}-order")])
    instance = engine.start(f"{dialect}-order", {})

    engine.retry(instance.id)

    [incident] = open_incidents(engine, instance.id)
    assert incident.element_id == "CallShipping" and f"'{dialect}-shipping'" in incident.message


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_new_instance_calls_the_newest_child_and_a_running_child_keeps_its_version(
    engine: Engine, dialect: str
) -> None:
    engine.deploy([parent(f"{dialect}-order"), child_release(dialect, 1)])
    first = engine.start(f"{dialect}-order", {})
    engine.deploy([child_release(dialect, 2)])
    second = engine.start(f"{dialect}-order", {})

    assert finish(engine, first.id)["shippingVersion"] == "v1"
    assert finish(engine, second.id)["shippingVersion"] == "v2"


def test_a_version_binding_calls_the_version_its_expression_names(engine: Engine) -> None:
    engine.deploy([parent("c7-order-pinned"), child_release("c7", 1)])
    engine.deploy([child_release("c7", 2)])

    old = engine.start("c7-order-pinned", {"shippingRelease": 1})
    new = engine.start("c7-order-pinned", {"shippingRelease": 2})
    missing = engine.start("c7-order-pinned", {"shippingRelease": 3})

    assert finish(engine, old.id)["shippingVersion"] == "v1"
    assert finish(engine, new.id)["shippingVersion"] == "v2"
    [incident] = open_incidents(engine, missing.id)
    assert "(binding version 3)" in incident.message and "version 3 of process 'c7-shipping'" in incident.message


def test_a_version_binding_whose_expression_is_no_number_is_an_incident(engine: Engine) -> None:
    engine.deploy([parent("c7-order-pinned"), child_release("c7", 1)])

    instance = engine.start("c7-order-pinned", {"shippingRelease": "newest"})

    [incident] = open_incidents(engine, instance.id)
    assert incident.element_id == "CallShipping" and "not a version number" in incident.message


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_version_tag_binding_calls_the_newest_version_with_that_tag(engine: Engine, dialect: str) -> None:
    engine.deploy([child_release(dialect, 1)])
    engine.deploy([child_release(dialect, 2)])
    engine.deploy([parent(f"{dialect}-order-tagged")])

    instance = engine.start(f"{dialect}-order-tagged", {})

    assert finish(engine, instance.id)["shippingVersion"] == "v1"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_version_tag_nobody_deployed_is_an_incident_naming_the_tag(engine: Engine, dialect: str) -> None:
    engine.deploy([parent(f"{dialect}-order-tagged"), child_release(dialect, 2)])

    instance = engine.start(f"{dialect}-order-tagged", {})

    [incident] = open_incidents(engine, instance.id)
    assert f"process '{dialect}-shipping' (binding versionTag '1.0')" in incident.message
    assert "with version tag '1.0'" in incident.message


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_deployment_binding_keeps_calling_the_child_deployed_with_the_parent(engine: Engine, dialect: str) -> None:
    engine.deploy([parent(f"{dialect}-order-bundled"), child_release(dialect, 1)])
    engine.deploy([child_release(dialect, 2)])

    instance = engine.start(f"{dialect}-order-bundled", {})

    assert finish(engine, instance.id)["shippingVersion"] == "v1"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_deployment_binding_without_the_child_in_the_deployment_is_an_incident(engine: Engine, dialect: str) -> None:
    engine.deploy([child_release(dialect, 1)])
    engine.deploy([parent(f"{dialect}-order-bundled")])

    instance = engine.start(f"{dialect}-order-bundled", {})

    [incident] = open_incidents(engine, instance.id)
    assert "(binding deployment)" in incident.message and "not deployed together with its caller" in incident.message


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_expression_names_the_called_process(engine: Engine, dialect: str) -> None:
    other = child_release(dialect, 1)[1].replace(
        f'id="{dialect}-shipping"'.encode(), f'id="{dialect}-express"'.encode()
    )
    other = other.replace(f'bpmnElement="{dialect}-shipping"'.encode(), f'bpmnElement="{dialect}-express"'.encode())
    engine.deploy([parent(f"{dialect}-order-dynamic"), child_release(dialect, 2), (f"{dialect}-express.bpmn", other)])

    standard = engine.start(f"{dialect}-order-dynamic", {"shippingProcess": f"{dialect}-shipping"})
    express = engine.start(f"{dialect}-order-dynamic", {"shippingProcess": f"{dialect}-express"})
    nothing = engine.start(f"{dialect}-order-dynamic", {"shippingProcess": None})

    assert finish(engine, standard.id)["shippingVersion"] == "v2"
    assert finish(engine, express.id)["shippingVersion"] == "v1"
    [incident] = open_incidents(engine, nothing.id)
    assert incident.element_id == "CallShipping" and "not a process id" in incident.message


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_restarted_engine_continues_a_child_on_the_version_it_started(
    make_engine: Callable[..., Engine], dialect: str
) -> None:
    before = make_engine()
    before.deploy([parent(f"{dialect}-order"), child_release(dialect, 1)])
    instance = before.start(f"{dialect}-order", {})
    before.deploy([child_release(dialect, 2)])
    before.close()

    after = make_engine()
    variables = finish(after, instance.id)

    assert variables["shippingVersion"] == "v1"
    assert after.instance(instance.id).definition_id.startswith(f"{dialect}-order:1:")


def test_time_travel_shows_the_child_the_call_ran(engine: Engine) -> None:
    engine.deploy([parent("c8-order"), child_release("c8", 1)])
    instance = engine.start("c8-order", {})
    engine.deploy([child_release("c8", 2)])
    finish(engine, instance.id)

    first = engine.at_step(instance.id, 1)

    assert first["variables"]["shippingVersion"] == "v1"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("c7-order-unpinned", "calledElementBinding is version, but no calledElementVersion says which"),
        ("c8-order-untagged", "the called element's binding is versionTag, but it names no version tag"),
    ],
)
def test_a_binding_without_its_version_is_refused_at_deploy_naming_the_element(
    engine: Engine, name: str, expected: str
) -> None:
    with pytest.raises(ModelValidationError) as refused:
        engine.deploy([parent(name)])

    [problem] = [p for p in refused.value.problems if p.severity == "error"]
    assert problem.element_id == "CallShipping" and expected in problem.message
    assert problem.hint and "properties panel" in problem.hint
    with pytest.raises(NotFoundError):
        engine.start(name, {})


def test_an_unknown_binding_is_refused_at_deploy(engine: Engine) -> None:
    name, data = parent("c7-order-bundled")
    data = data.replace(b'camunda:calledElementBinding="deployment"', b'camunda:calledElementBinding="newest"')

    with pytest.raises(ModelValidationError, match="calledElementBinding 'newest' is not one Camunda 7 knows"):
        engine.deploy([(name, data)])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_migrating_the_parent_leaves_its_running_child_on_the_child_version(engine: Engine, dialect: str) -> None:
    engine.deploy([parent(f"{dialect}-order"), child_release(dialect, 1)])
    instance = engine.start(f"{dialect}-order", {})
    engine.deploy([child_release(dialect, 2)])
    name, data = parent(f"{dialect}-order")
    edited = engine.deploy([(name, data.replace(b'name="Order (latest)"', b'name="Order (latest, edited)"'))])
    source = engine.instance(instance.id).definition_id
    target = edited.definitions[0].definition.id

    result = engine.migrate(engine.migration_plan(source, target), [instance.id])

    assert result.migrated == [instance.id], result.refused
    assert engine.instance(instance.id).definition_id == target
    assert finish(engine, instance.id)["shippingVersion"] == "v1"
