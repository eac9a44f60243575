"""A process's own conditional start events: a condition evaluation starts one instance per true condition.

Camunda 7's ``evaluateStartConditions`` and Camunda 8.9's conditional evaluation: the latest
version of every process subscribes (or one definition is named), the variables are both
judged and given to the instances, a variable filter skips an event when none of its names
is given, and a condition that cannot be evaluated starts nothing.
"""

from __future__ import annotations

import pytest

from engine.engine import Engine
from steadyflow.errors import InvalidInputError, ModelValidationError, NoConditionalStartError, NotFoundError
from tests.scenarios.conditional_process_models import C7, C8, DIALECTS, Dialect, hot_and_cold, none_start_process
from tests.scenarios.conditional_process_models import process as conditional_process


def activities(engine: Engine, instance_id: str) -> dict[str, str]:
    return {a.element_id: a.state for a in engine.view(instance_id).activities}


def finish_user_task(engine: Engine, instance_id: str) -> None:
    (task,) = engine.user_tasks(instance_id)
    engine.complete_user_task(instance_id, task["task_id"], {"handled": True})


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_only_the_process_whose_condition_holds_starts_with_the_variables(engine: Engine, dialect: Dialect) -> None:
    engine.deploy(hot_and_cold(dialect))

    (started,) = engine.evaluate_start_conditions({"temperature": 35, "room": "lab"}, business_key="sensor-7")

    assert started.element_id == "TooHot"
    assert started.instance.definition_key == "cooling"
    assert started.instance.business_key == "sensor-7"
    assert engine.variables(started.instance.id) == {"temperature": 35, "room": "lab"}
    assert activities(engine, started.instance.id) == {"TooHot": "COMPLETED", "Handle_TooHot": "READY"}
    assert [i.definition_key for i in engine.instances(limit=10)] == ["cooling"]
    finish_user_task(engine, started.instance.id)  # the engine fixture reloads the instance from its rows
    assert engine.instance(started.instance.id).state == "completed"


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_no_condition_true_starts_nothing(engine: Engine, dialect: Dialect) -> None:
    engine.deploy(hot_and_cold(dialect))
    assert engine.evaluate_start_conditions({"temperature": 20}) == []
    assert engine.instances(limit=10) == []


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_each_true_start_event_of_a_process_starts_its_own_instance(engine: Engine, dialect: Dialect) -> None:
    starts = [
        ("Big", dialect.condition("${amount &gt; 100}", "=amount &gt; 100"), None),
        ("Even", dialect.condition("${amount % 2 == 0}", "=modulo(amount, 2) = 0"), None),
        ("Small", dialect.condition("${amount &lt; 10}", "=amount &lt; 10"), None),
    ]
    engine.deploy([("orders.bpmn", conditional_process(dialect, "orders", starts))])

    started = engine.evaluate_start_conditions({"amount": 200})

    assert sorted(s.element_id for s in started) == ["Big", "Even"]
    for result in started:
        assert activities(engine, result.instance.id) == {
            result.element_id: "COMPLETED",
            f"Handle_{result.element_id}": "READY",
        }
    history = [e for e in engine.view(started[0].instance.id).history if e["type"] == "InstanceStarted"]
    assert history[0]["data"]["start_event"] == f"conditional {started[0].element_id}"


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_a_variable_filter_skips_the_event_when_none_of_its_names_is_given(engine: Engine, dialect: Dialect) -> None:
    always = dialect.condition("${1 == 1}", "=1 = 1")
    engine.deploy([("filtered.bpmn", conditional_process(dialect, "filtered", [("Always", always, "temperature")]))])

    assert engine.evaluate_start_conditions({"pressure": 3}) == []
    (started,) = engine.evaluate_start_conditions({"temperature": 3})
    assert started.instance.definition_key == "filtered"


def test_a_juel_condition_naming_a_variable_not_given_is_false(engine: Engine) -> None:
    engine.deploy(hot_and_cold(C7))
    assert engine.evaluate_start_conditions({"pressure": 3}) == []


def test_a_feel_condition_reads_a_variable_not_given_as_null(engine: Engine) -> None:
    engine.deploy([("missing.bpmn", conditional_process(C8, "missing", [("NoTemp", "=temperature = null", None)]))])
    (started,) = engine.evaluate_start_conditions({"pressure": 3})
    assert started.element_id == "NoTemp"


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_only_the_latest_version_subscribes_unless_a_definition_is_named(engine: Engine, dialect: Dialect) -> None:
    always = dialect.condition("${temperature &gt; 0}", "=temperature &gt; 0")
    never = dialect.condition("${temperature &gt; 1000}", "=temperature &gt; 1000")
    first = engine.deploy([("sensor.bpmn", conditional_process(dialect, "sensor", [("Warm", always, None)]))])
    engine.deploy([("sensor.bpmn", conditional_process(dialect, "sensor", [("Warm", never, None)]))])
    old = next(d.definition for d in first.definitions if d.definition.key == "sensor")

    assert engine.evaluate_start_conditions({"temperature": 5}) == [], "version 1 no longer subscribes"
    (started,) = engine.evaluate_start_conditions({"temperature": 5}, definition_id=old.id)
    assert started.instance.definition_id == old.id


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_a_named_definition_is_the_only_one_judged(engine: Engine, dialect: Dialect) -> None:
    both = dialect.condition("${level &gt; 1}", "=level &gt; 1")
    engine.deploy([("a.bpmn", conditional_process(dialect, "alpha", [("A", both, None)]))])
    deployed = engine.deploy([("b.bpmn", conditional_process(dialect, "beta", [("B", both, None)]))])
    beta = next(d.definition for d in deployed.definitions if d.definition.key == "beta")

    assert sorted(r.instance.definition_key for r in engine.evaluate_start_conditions({"level": 2})) == [
        "alpha",
        "beta",
    ]
    (only,) = engine.evaluate_start_conditions({"level": 2}, definition_id=beta.id)
    assert only.instance.definition_key == "beta"


def test_no_conditional_start_event_anywhere_is_an_error(engine: Engine) -> None:
    engine.deploy([("plain.bpmn", none_start_process("plain"))])
    with pytest.raises(NoConditionalStartError) as refused:
        engine.evaluate_start_conditions({"temperature": 1})
    assert refused.value.definition_id is None
    assert "no deployed process has a conditional start event" in refused.value.message


def test_a_named_definition_without_a_conditional_start_event_is_an_error(engine: Engine) -> None:
    engine.deploy(hot_and_cold(C7))
    deployed = engine.deploy([("plain.bpmn", none_start_process("plain"))])
    plain = deployed.definitions[0].definition
    with pytest.raises(NoConditionalStartError) as refused:
        engine.evaluate_start_conditions({"temperature": 50}, definition_id=plain.id)
    assert refused.value.definition_id == plain.id
    with pytest.raises(NotFoundError):
        engine.evaluate_start_conditions({"temperature": 50}, definition_id="no-such-definition")
    assert engine.instances(limit=10) == []


@pytest.mark.parametrize(
    ("dialect", "condition"),
    [(C7, "${temperature &gt; 30}"), (C8, "=temperature")],
    ids=["juel-not-a-number", "feel-not-boolean"],
)
def test_a_condition_failing_over_the_variables_names_process_and_event_and_starts_nothing(
    engine: Engine, dialect: Dialect, condition: str
) -> None:
    always = dialect.condition("${1 == 1}", "=1 = 1")
    engine.deploy([("a.bpmn", conditional_process(dialect, "alpha", [("Fine", always, None)]))])
    engine.deploy([("b.bpmn", conditional_process(dialect, "broken", [("Fails", condition, None)]))])

    with pytest.raises(InvalidInputError) as refused:
        engine.evaluate_start_conditions({"temperature": "hot"})

    assert "conditional start event 'Fails' of process 'broken'" in refused.value.message
    assert "nothing was started" in refused.value.message
    assert engine.instances(limit=10) == [], "the true condition of 'alpha' started nothing either"


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_a_malformed_condition_is_refused_at_deploy_with_element_and_line(engine: Engine, dialect: Dialect) -> None:
    bad = dialect.condition("${temperature &gt;}", "=temperature &gt;")
    with pytest.raises(ModelValidationError) as refused:
        engine.deploy([("bad.bpmn", conditional_process(dialect, "bad", [("Broken", bad, None)]))])
    (problem,) = refused.value.problems
    assert problem.element_id == "Broken"
    assert problem.line is not None
    assert "condition of the conditional event" in problem.message


def test_two_start_events_with_one_condition_are_refused_at_deploy(engine: Engine) -> None:
    same = "${temperature &gt; 30}"
    with pytest.raises(ModelValidationError) as refused:
        engine.deploy([("twice.bpmn", conditional_process(C7, "twice", [("One", same, None), ("Two", same, None)]))])
    (problem,) = refused.value.problems
    assert problem.element_id == "Two"
    assert "also the condition of conditional start event 'One'" in problem.message


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_a_none_start_beside_conditional_starts_is_refused_at_deploy(engine: Engine, dialect: Dialect) -> None:
    # Starting such a process by condition also ran the none start's path (and then failed half way).
    cond = dialect.condition("${temperature &gt; 30}", "=temperature &gt; 30")
    model = conditional_process(dialect, "mixed", [("Hot", cond, None)]).decode()
    model = model.replace(
        "</bpmn:process>",
        '<bpmn:startEvent id="Plain"><bpmn:outgoing>P1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:endEvent id="PlainEnd"><bpmn:incoming>P1</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="P1" sourceRef="Plain" targetRef="PlainEnd" /></bpmn:process>',
    )
    with pytest.raises(ModelValidationError) as refused:
        engine.deploy([("mixed.bpmn", model.encode())])
    (problem,) = refused.value.problems
    assert problem.element_id == "Hot"
    assert "none start event ('Plain')" in problem.message


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_an_ordinary_start_of_a_process_started_only_by_condition_is_refused(engine: Engine, dialect: Dialect) -> None:
    cond = dialect.condition("${temperature &gt; 30}", "=temperature &gt; 30")
    engine.deploy([("kettle.bpmn", conditional_process(dialect, "kettle", [("Hot", cond, None)]))])
    with pytest.raises(InvalidInputError) as refused:
        engine.start("kettle", {"temperature": 40})
    assert "starts only by condition" in refused.value.message
    assert engine.instances() == []
    (started,) = engine.evaluate_start_conditions({"temperature": 40})
    assert activities(engine, started.instance.id)["Handle_Hot"] == "READY"
