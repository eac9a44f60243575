"""Wide fan-outs keep SpiffWorkflow's token semantics: every branch runs, each join fires once.

Models are generated, because a 300-way gateway is not something to draw; sizes are
chosen to prove behaviour at width, not to time it (timing lives in bench/fanout_bench).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from engine.engine import Engine
from engine.job_outcome import JobOutcome
from engine.spiff import verification
from tests.conftest import run_jobs
from tests.scenarios.constructs_support import Jobs

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
HEAD = (
    f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="{BPMN}" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'id="defs" targetNamespace="http://bpmn.io/schema/bpmn"><bpmn:process id="{key}" isExecutable="true">'
)
TAIL = "</bpmn:process></bpmn:definitions>"


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def service_task(task_id: str, job_type: str, flavour: str) -> str:
    if flavour == "c7":
        return f'<bpmn:serviceTask id="{task_id}" camunda:type="external" camunda:topic="{job_type}" />'
    return (
        f'<bpmn:serviceTask id="{task_id}"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" /></bpmn:extensionElements></bpmn:serviceTask>'
    )


def deploy_xml(engine: Engine, key: str, body: str) -> None:
    engine.deploy([(f"{key}.bpmn", (HEAD.format(key=key) + body + TAIL).encode())])


def activity_counts(engine: Engine, instance_id: str, state: str = "COMPLETED") -> Counter[str]:
    return Counter(a.element_id for a in engine.view(instance_id).activities if a.state == state)


def gateway_body(branches: int, branch: Any) -> str:
    parts = ['<bpmn:startEvent id="start" />', flow("f0", "start", "fork")]
    parts.append('<bpmn:parallelGateway id="fork" /><bpmn:parallelGateway id="join" />')
    for i in range(branches):
        parts.extend([branch(f"b{i}"), flow(f"fa{i}", "fork", f"b{i}"), flow(f"fb{i}", f"b{i}", "join")])
    parts.extend([flow("fz", "join", "end"), '<bpmn:endEvent id="end" />'])
    return "".join(parts)


def test_three_hundred_branch_gateway_completes_and_its_join_fires_once(make_engine: Any) -> None:
    engine: Engine = make_engine()
    deploy_xml(engine, "wide", gateway_body(300, lambda i: f'<bpmn:task id="{i}" />'))

    instance = engine.start("wide")

    counts = activity_counts(engine, instance.id)
    assert engine.instance(instance.id).state == "completed"
    assert all(counts[f"b{i}"] == 1 for i in range(300))
    assert counts["join"] == 1
    assert counts["end"] == 1


@pytest.mark.parametrize("flavour", ["c7", "c8"])
def test_join_of_sixty_jobs_waits_for_the_last_one_and_fires_once(engine: Engine, flavour: str) -> None:
    body = gateway_body(60, lambda i: service_task(i, "work", flavour)).replace(
        flow("fz", "join", "end"),
        flow("fz", "join", "after") + service_task("after", "after", flavour) + flow("fy", "after", "end"),
    )
    deploy_xml(engine, f"wide-jobs-{flavour}", body)
    instance = engine.start(f"wide-jobs-{flavour}")
    jobs = Jobs()

    run_jobs(engine, {"work": jobs.answer({"done": True}), "after": jobs.answer()}, max_wait_s=1)

    assert Counter(jobs.types()) == {"work": 60, "after": 1}
    assert jobs.types()[-1] == "after"  # the join let nothing through before the last branch
    counts = activity_counts(engine, instance.id)
    assert counts["join"] == 1
    assert engine.instance(instance.id).state == "completed"


def test_parallel_gateways_nested_in_a_multi_instance_join_once_per_instance(engine: Engine) -> None:
    inner = "".join(
        [
            '<bpmn:startEvent id="in_start" />',
            flow("i0", "in_start", "in_fork"),
            '<bpmn:parallelGateway id="in_fork" /><bpmn:parallelGateway id="in_join" />',
            *(
                service_task(f"in_{n}", "part", "c8")
                + flow(f"ia{n}", "in_fork", f"in_{n}")
                + flow(f"ib{n}", f"in_{n}", "in_join")
                for n in range(3)
            ),
            flow("iz", "in_join", "in_end"),
            '<bpmn:endEvent id="in_end" />',
        ]
    )
    body = (
        '<bpmn:startEvent id="start" />'
        + flow("f0", "start", "each")
        + '<bpmn:subProcess id="each"><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>'
        '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" />'
        "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>"
        + inner
        + "</bpmn:subProcess>"
        + flow("f1", "each", "end")
        + '<bpmn:endEvent id="end" />'
    )
    deploy_xml(engine, "nested", body)
    instance = engine.start("nested", {"items": list(range(12))})
    jobs = Jobs()

    run_jobs(engine, {"part": jobs.answer()}, max_wait_s=1)

    counts = activity_counts(engine, instance.id)
    assert jobs.types().count("part") == 36
    assert counts["in_join"] == 12
    assert counts["end"] == 1
    assert engine.instance(instance.id).state == "completed"


def test_inclusive_join_at_width_waits_for_exactly_the_branches_taken(make_engine: Any) -> None:
    engine: Engine = make_engine()
    parts = ['<bpmn:startEvent id="start" />', flow("f0", "start", "split")]
    parts.append('<bpmn:inclusiveGateway id="split" /><bpmn:inclusiveGateway id="merge" />')
    for i in range(120):
        parts.extend(
            [
                service_task(f"b{i}", "work", "c8"),
                flow(f"fa{i}", "split", f"b{i}", f"=taken &gt; {i}"),
                flow(f"fb{i}", f"b{i}", "merge"),
            ]
        )
    parts.extend([flow("fz", "merge", "end"), '<bpmn:endEvent id="end" />'])
    deploy_xml(engine, "inclusive-wide", "".join(parts))
    instance = engine.start("inclusive-wide", {"taken": 70})
    jobs = Jobs()

    run_jobs(engine, {"work": jobs.answer()}, max_wait_s=1)

    counts = activity_counts(engine, instance.id)
    assert len(jobs.types()) == 70
    assert {f"b{i}" for i in range(120) if counts[f"b{i}"]} == {f"b{i}" for i in range(70)}
    assert counts["merge"] == 1
    assert engine.instance(instance.id).state == "completed"


def test_fifteen_hundred_branch_inclusive_join_fires_once_after_the_thousand_branches_taken(make_engine: Any) -> None:
    engine: Engine = make_engine()
    parts = ['<bpmn:startEvent id="start" />', flow("f0", "start", "split")]
    parts.append('<bpmn:inclusiveGateway id="split" /><bpmn:inclusiveGateway id="merge" />')
    for i in range(1500):
        parts.extend(
            [
                f'<bpmn:task id="b{i}" />',
                flow(f"fa{i}", "split", f"b{i}", f"=taken &gt; {i}"),
                flow(f"fb{i}", f"b{i}", "merge"),
            ]
        )
    parts.extend([flow("fz", "merge", "after"), service_task("after", "after", "c8")])
    parts.extend([flow("fy", "after", "end"), '<bpmn:endEvent id="end" />'])
    deploy_xml(engine, "inclusive-wider", "".join(parts))

    instance = engine.start("inclusive-wider", {"taken": 1000})

    counts = activity_counts(engine, instance.id)
    assert {f"b{i}" for i in range(1500) if counts[f"b{i}"]} == {f"b{i}" for i in range(1000)}
    assert counts["merge"] == 1
    (job,) = engine.claim_jobs("w", ["after"])
    engine.complete_job(job.id, {}, worker_id="w")
    assert engine.instance(instance.id).state == "completed"
    assert activity_counts(engine, instance.id)["merge"] == 1


def test_two_thousand_task_chain_parses_deploys_and_runs(make_engine: Any) -> None:
    engine: Engine = make_engine()
    parts = ['<bpmn:startEvent id="start" />']
    previous = "start"
    for i in range(2000):
        parts.extend([f'<bpmn:task id="t{i}" />', flow(f"f{i}", previous, f"t{i}")])
        previous = f"t{i}"
    parts.extend([flow("fz", previous, "end"), '<bpmn:endEvent id="end" />'])
    deploy_xml(engine, "chain", "".join(parts))

    instance = engine.start("chain")

    counts = activity_counts(engine, instance.id)
    assert engine.instance(instance.id).state == "completed"
    assert sum(counts[f"t{i}"] for i in range(2000)) == 2000
    assert counts["end"] == 1


def test_parallel_gateway_inside_a_loop_joins_once_per_pass(make_engine: Any) -> None:
    engine: Engine = make_engine()
    body = "".join(
        [
            '<bpmn:startEvent id="start" />',
            flow("f0", "start", "again"),
            '<bpmn:exclusiveGateway id="again" />',
            flow("f1", "again", "count"),
            '<bpmn:scriptTask id="count"><bpmn:extensionElements>'
            '<zeebe:script expression="=n + 1" resultVariable="n" /></bpmn:extensionElements></bpmn:scriptTask>',
            flow("f2", "count", "fork"),
            '<bpmn:parallelGateway id="fork" /><bpmn:parallelGateway id="join" />',
            *(
                f'<bpmn:task id="b{i}" />' + flow(f"fa{i}", "fork", f"b{i}") + flow(f"fb{i}", f"b{i}", "join")
                for i in range(4)
            ),
            flow("f3", "join", "more"),
            '<bpmn:exclusiveGateway id="more" default="f5" />',
            flow("f4", "more", "again", "=n &lt; 3"),
            flow("f5", "more", "end"),
            '<bpmn:endEvent id="end" />',
        ]
    )
    deploy_xml(engine, "looped", body)

    instance = engine.start("looped", {"n": 0})

    counts = activity_counts(engine, instance.id)
    assert engine.instance(instance.id).state == "completed"
    assert engine.view(instance.id).variables["n"] == 3
    assert counts["join"] == 3
    assert all(counts[f"b{i}"] == 3 for i in range(4))
    assert counts["end"] == 1


def test_an_embedded_subprocess_holding_a_twelve_hundred_task_chain_runs_to_completion(engine: Engine) -> None:
    inner = ['<bpmn:startEvent id="sub_start" />']
    previous = "sub_start"
    for i in range(1200):
        inner.extend([f'<bpmn:task id="t{i}" />', flow(f"f{i}", previous, f"t{i}")])
        previous = f"t{i}"
    # A job at the end of the chain: the instance is stored, then restored to record its result.
    inner.extend([service_task("check", "check", "c8"), flow("fc", previous, "check")])
    inner.extend([flow("fe", "check", "sub_end"), '<bpmn:endEvent id="sub_end" />'])
    body = (
        '<bpmn:startEvent id="start" />'
        + flow("fs", "start", "sub")
        + f'<bpmn:subProcess id="sub">{"".join(inner)}</bpmn:subProcess>'
        + flow("fz", "sub", "end")
        + '<bpmn:endEvent id="end" />'
    )
    deploy_xml(engine, "nested-chain", body)

    instance = engine.start("nested-chain")
    assert not engine.incidents(instance.id)
    run_jobs(engine, {"check": lambda _context: {"checked": True}})

    assert not engine.incidents(instance.id)
    assert engine.instance(instance.id).state == "completed"
    counts = activity_counts(engine, instance.id)
    assert sum(counts[f"t{i}"] for i in range(1200)) == 1200
    assert counts["check"] == 1 and counts["end"] == 1


@pytest.mark.parametrize("flavour", ["c7", "c8"])
def test_four_hundred_instances_each_see_their_item_and_the_shared_list_and_collect_in_input_order(
    engine: Engine, flavour: str
) -> None:
    if flavour == "c8":
        loop = (
            "<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
            '<zeebe:loopCharacteristics inputCollection="=regions" inputElement="region" '
            'outputCollection="created" outputElement="=name" />'
            "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>"
        )
        task = (
            '<bpmn:serviceTask id="create"><bpmn:extensionElements><zeebe:taskDefinition type="create" />'
            f"</bpmn:extensionElements>{loop}</bpmn:serviceTask>"
        )
    else:
        loop = (
            '<bpmn:multiInstanceLoopCharacteristics camunda:collection="${regions}" camunda:elementVariable="region" />'
        )
        task = f'<bpmn:serviceTask id="create" camunda:type="external" camunda:topic="create">{loop}</bpmn:serviceTask>'
    body = (
        '<bpmn:startEvent id="start" />' + flow("f0", "start", "create") + task + flow("f1", "create", "end")
    ) + '<bpmn:endEvent id="end" />'
    deploy_xml(engine, f"wide-mi-{flavour}", body)
    regions = [f"r{i}" for i in range(400)]
    instance = engine.start(f"wide-mi-{flavour}", {"regions": regions, "owner": {"team": "db"}})
    seen: list[tuple[str, int, str]] = []

    def create(job: Any) -> dict[str, Any]:
        variables = job.variables
        seen.append((variables["region"], len(variables["regions"]), variables["owner"]["team"]))
        return {"name": f"db-{variables['region']}"}

    run_jobs(engine, {"create": create}, max_wait_s=1)

    assert engine.instance(instance.id).state == "completed"
    assert sorted(seen) == sorted((r, 400, "db") for r in regions)
    variables = engine.variables(instance.id)
    assert variables["regions"] == regions
    assert variables["owner"] == {"team": "db"}
    if flavour == "c8":
        assert variables["created"] == [f"db-{r}" for r in regions]
    assert activity_counts(engine, instance.id)["create"] >= 400


def test_two_thousand_instances_finish_after_a_restart_half_way_with_the_output_collection_in_input_order(
    make_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At this width the suite's check of every indexed answer and checkpoint against a full walk
    # (O(tasks) per step) would take minutes; narrower tests run with it, this one runs what users run.
    monkeypatch.setattr(verification, "ON", False)
    body = (
        '<bpmn:startEvent id="start" />'
        + flow("f0", "start", "square")
        + '<bpmn:serviceTask id="square"><bpmn:extensionElements><zeebe:taskDefinition type="square" />'
        "</bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
        '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="squares" '
        'outputElement="=squared" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>'
        "</bpmn:serviceTask>" + flow("f1", "square", "end") + '<bpmn:endEvent id="end" />'
    )
    first: Engine = make_engine()
    deploy_xml(first, "wide-restart", body)
    items = list(range(2000))
    instance = first.start("wide-restart", {"items": items})
    claimed = first.claim_jobs("w", ["square"], max_jobs=1000)
    outcomes = [JobOutcome(job, "complete", {"squared": job.variables["item"] ** 2}) for job in claimed]
    assert first.report_outcomes("w", outcomes) == [None] * 1000
    first.close()  # the process ends half way; the next one reads the instance from its rows

    second: Engine = make_engine()
    run_jobs(second, {"square": lambda job: {"squared": job.variables["item"] ** 2}}, max_wait_s=1)

    assert second.instance(instance.id).state == "completed"
    variables = second.variables(instance.id)
    assert variables["squares"] == [i * i for i in items]
    assert variables["items"] == items
    assert activity_counts(second, instance.id)["square"] >= 2000
