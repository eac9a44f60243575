"""Call activities into separately deployed processes, with Camunda 7 and Camunda 8 variable mappings."""

from __future__ import annotations

from typing import Any

from engine.engine import Engine
from engine.handlers import JobContext
from tests.conftest import DATA, deploy, run_jobs


def provision(seen: list[dict[str, Any]]) -> Any:
    def handler(job: JobContext) -> dict[str, Any]:
        seen.append(dict(job.variables))
        return {"endpoint": f"db.{job.variables['region']}.example", "scratch": 1}

    return handler


def test_camunda7_in_and_out_mappings_decide_what_crosses(engine: Engine) -> None:
    deploy(engine, "callee-provision.bpmn")
    deploy(engine, "caller-c7.bpmn")
    instance = engine.start("caller-c7", {"regionName": "eu", "size": 3, "secret": "s3cr3t"})
    seen: list[dict[str, Any]] = []

    run_jobs(engine, {"provision": provision(seen)})

    assert seen == [{"region": "eu", "disks": 6}]
    variables = engine.view(instance.id).variables
    assert engine.instance(instance.id).state == "completed"
    assert variables["regionEndpoint"] == "db.eu.example"
    assert "scratch" not in variables and "endpoint" not in variables


def test_camunda8_propagates_parent_variables_and_maps_outputs(engine: Engine) -> None:
    deploy(engine, "callee-provision.bpmn", "caller-c8.bpmn")
    instance = engine.start("caller-c8", {"regionName": "us"})
    seen: list[dict[str, Any]] = []

    run_jobs(engine, {"provision": provision(seen)})

    assert seen[0]["region"] == "US" and seen[0]["regionName"] == "us"
    variables = engine.view(instance.id).variables
    assert variables["regionEndpoint"] == "db.US.example"
    assert "scratch" not in variables


def test_a_running_child_keeps_its_version_when_a_new_one_is_deployed(make_engine: Any) -> None:
    engine: Engine = make_engine(cache_capacity=0)
    deploy(engine, "callee-provision.bpmn", "caller-c8.bpmn")
    instance = engine.start("caller-c8", {"regionName": "eu"})
    changed = (DATA / "callee-provision.bpmn").read_bytes().replace(b'type="provision"', b'type="provision-v2"')
    engine.deploy([("callee-provision.bpmn", changed)])

    run_jobs(engine, {"provision": provision([])})

    assert engine.instance(instance.id).state == "completed"
