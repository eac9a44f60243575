"""The variable caps the edges apply to client input hold for what handlers return, too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.engine import Engine
from engine.handlers import BpmnError, JobContext
from engine.limits import InputLimits
from tests.conftest import deploy, run_jobs

MIB = 1024 * 1024
BIG = "r2"


def _start_regions(engine: Engine, count: int) -> str:
    deploy(engine, "engine/regions-with-abort.bpmn")
    return engine.start("regions-with-abort", {"regions": [f"r{n}" for n in range(count)]}).id


def _capped(make_engine: Callable[..., Engine], **caps: int) -> Engine:
    limits = InputLimits(max_json_depth=64, max_variable_bytes=MIB, max_variables_bytes=caps.get("total", 16 * MIB))
    return make_engine(cache_capacity=0, input_limits=limits)


def test_a_handler_returning_a_value_past_the_cap_fails_its_job_alone_naming_variable_size_and_cap(
    make_engine: Callable[..., Engine],
) -> None:
    engine = _capped(make_engine)
    instance_id = _start_regions(engine, 5)

    def create(context: JobContext) -> dict[str, Any]:
        region = context.variables["region"]
        return {"dump": "x" * (2 * MIB)} if region == BIG else {"host": f"db.{region}"}

    stats = run_jobs(engine, {"create": create}, max_wait_s=1)

    assert (stats.completed, stats.failed) == (4, 1)
    [left] = engine.store_jobs(instance_id=instance_id)
    assert left.variables["region"] == BIG and left.state == "incident" and left.attempt == 1  # never retried
    [incident] = engine.incidents(instance_id)
    size = 2 * MIB + 2  # the JSON text's quotes
    assert incident.message == (
        "handler for job type create returned a result the engine does not store: "
        f"variable 'dump' is {size} bytes as JSON; one value may have at most {MIB} bytes "
        "(STEADYFLOW_MAX_VARIABLE_BYTES): keep large data outside and store a reference"
    )
    assert "dump" not in engine.view(instance_id).variables


def test_a_result_past_the_cap_on_variables_together_is_an_incident(make_engine: Callable[..., Engine]) -> None:
    engine = _capped(make_engine, total=3 * MIB)
    instance_id = _start_regions(engine, 1)
    parts = {f"part{n}": "y" * (MIB - 10) for n in range(4)}  # each under the per-value cap

    run_jobs(engine, {"create": lambda _context: parts}, max_wait_s=1)

    [incident] = engine.incidents(instance_id)
    assert "at most 3145728 are allowed (STEADYFLOW_MAX_INSTANCE_VARIABLES_BYTES)" in incident.message


def test_a_result_with_a_lone_surrogate_is_an_incident_not_a_broken_store(engine: Engine) -> None:
    instance_id = _start_regions(engine, 1)

    run_jobs(engine, {"create": lambda _context: {"name": "bad \ud800 text"}}, max_wait_s=1)

    [incident] = engine.incidents(instance_id)
    assert "variables.name holds a lone surrogate (\\ud800)" in incident.message
    assert engine.view(instance_id).variables.get("name") is None


def test_a_bpmn_error_carrying_a_value_past_the_cap_is_an_incident(make_engine: Callable[..., Engine]) -> None:
    engine = _capped(make_engine)
    instance_id = _start_regions(engine, 1)

    def create(_context: JobContext) -> dict[str, Any]:
        raise BpmnError("FATAL", "quota", {"log": "z" * (2 * MIB)})

    run_jobs(engine, {"create": create}, max_wait_s=1)

    [incident] = engine.incidents(instance_id)
    assert "variable 'log' is" in incident.message and "(with BPMN error FATAL)" in incident.message
