"""The expression output limit is the operator's setting of each engine, not of the process holding it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bpmn.expressions.limits import MAX_STRING_LENGTH, ExpressionLimits
from engine.config import EngineConfig
from engine.engine import Engine
from engine.handlers import HandlerSet
from engine.worker import WorkerPool
from steadyflow.errors import InvalidInputError
from tests.scenarios.test_script_security import MODEL, feel_task

# About 110 characters: past a limit of 50, far below the default of a million.
LONG_TEXT = "=string(for i in 1..30 return i)"

WORK_THEN_SCRIPT = MODEL.format(
    script=(
        '<bpmn:serviceTask id="Work"><bpmn:extensionElements><zeebe:taskDefinition type="work" />'
        "</bpmn:extensionElements></bpmn:serviceTask>"
        '<bpmn:sequenceFlow id="f0" sourceRef="Work" targetRef="Script_1" />'
        '<bpmn:scriptTask id="Script_1"><bpmn:extensionElements>'
        f'<zeebe:script expression="{LONG_TEXT}" resultVariable="out" />'
        "</bpmn:extensionElements></bpmn:scriptTask>"
    )
).replace('sourceRef="StartEvent_1" targetRef="Script_1"', 'sourceRef="StartEvent_1" targetRef="Work"')


@pytest.mark.parametrize("strict_built_last", [True, False])
def test_each_engine_evaluates_expressions_under_its_own_output_limit(
    make_engine: Callable[..., Engine], strict_built_last: bool
) -> None:
    small = ExpressionLimits(max_string_length=50, max_total_text=500)
    if strict_built_last:
        default = make_engine(cache_capacity=0)
        strict = make_engine(cache_capacity=0, expression_limits=small)
    else:
        strict = make_engine(cache_capacity=0, expression_limits=small)
        default = make_engine(cache_capacity=0)
    default.deploy([("s.bpmn", feel_task(LONG_TEXT))])  # one database: both engines see the model

    refused = strict.start("scripted")
    [incident] = strict.incidents(refused.id)
    assert incident.element_id == "Script_1"
    assert "builds a string longer than 50 characters" in incident.message

    completed = default.start("scripted")
    assert default.incidents(completed.id) == []
    assert default.view(completed.id).variables["out"].startswith("[1, 2, 3")
    assert default.instance(completed.id).state == "completed"


def test_a_job_result_recorded_by_a_worker_runs_the_next_expressions_under_its_engines_limit(
    make_engine: Callable[..., Engine],
) -> None:
    strict = make_engine(cache_capacity=0, expression_limits=ExpressionLimits(max_string_length=50))
    default = make_engine(cache_capacity=0)
    strict.deploy([("w.bpmn", WORK_THEN_SCRIPT.encode())])
    strict.start("scripted")
    strict.start("scripted")

    took: dict[str, str] = {}
    for name, engine in (("strict", strict), ("default", default)):
        pool = WorkerPool(engine, HandlerSet({"work": lambda _context: {"done": True}}))
        try:
            [job] = engine.claim_jobs(pool.worker_id, ["work"], max_jobs=1)
            took[name] = job.instance_id
            pool._record([outcome for outcome in [pool._execute(job)] if outcome is not None])
        finally:
            pool.stop(timeout_s=1)

    [incident] = strict.incidents(took["strict"])
    assert "longer than 50 characters" in incident.message
    assert default.incidents(took["default"]) == []
    assert default.instance(took["default"]).state == "completed"


def test_the_operator_sets_the_limit_with_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert EngineConfig().expression_limits.max_string_length == MAX_STRING_LENGTH
    monkeypatch.setenv("STEADYFLOW_MAX_EXPRESSION_TEXT", "2000")
    limits = EngineConfig().expression_limits
    assert (limits.max_string_length, limits.max_total_text) == (2000, 20_000)


@pytest.mark.parametrize("raw", ["0", "-5", "1e6", "lots", "1.5"])
def test_a_limit_that_is_not_a_positive_whole_number_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("STEADYFLOW_MAX_EXPRESSION_TEXT", raw)
    with pytest.raises(InvalidInputError, match=r"STEADYFLOW_MAX_EXPRESSION_TEXT=.* whole number of characters"):
        EngineConfig()
