"""The official Camunda 8 Python client (camunda-orchestration-sdk), unchanged, against a real ``steadyflow serve``.

The server runs with ``--disable-handler`` for the database-creation job types,
so only the SDK's job workers (long-polling /v2/jobs/activation) do that work.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from camunda_orchestration_sdk import (
    CamundaAsyncClient,
    CamundaClient,
    ConditionalEvaluationInstruction,
    IncidentSearchQuery,
    IncidentSearchQueryFilter,
    JobError,
    JobSearchQuery,
    JobSearchQueryFilter,
    MessagePublicationRequest,
    MessageSubscriptionSearchQuery,
    MessageSubscriptionSearchQueryFilter,
    ProcessCreationById,
    UserTaskAssignmentRequest,
    UserTaskCompletionRequest,
    UserTaskSearchQuery,
    UserTaskSearchQueryFilter,
    WorkerConfig,
)
from camunda_orchestration_sdk.models.conditional_evaluation_instruction_variables import (
    ConditionalEvaluationInstructionVariables,
)
from camunda_orchestration_sdk.models.message_publication_request_variables import MessagePublicationRequestVariables
from camunda_orchestration_sdk.models.process_instance_creation_instruction_base_variables import (
    ProcessInstanceCreationInstructionBaseVariables,
)
from camunda_orchestration_sdk.models.user_task_completion_request_variables import UserTaskCompletionRequestVariables

from tests.conftest import DATA, EXAMPLES
from tests.integration.test_engine_rest_workers import (
    LEAVE_TO_WORKERS,
    PASSWORD,
    Server,
    _cli,
    serve,
    stop_server,
    wait_until,
)

pytestmark = pytest.mark.slow
WORKER = "sdk-worker"


def configuration(server: Server) -> dict[str, str]:
    return {
        "CAMUNDA_REST_ADDRESS": f"{server.url}/v2",
        "CAMUNDA_AUTH_STRATEGY": "BASIC",
        "CAMUNDA_BASIC_AUTH_USERNAME": "deployer",
        "CAMUNDA_BASIC_AUTH_PASSWORD": PASSWORD,
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("serve-c8")
    _cli(data_dir, "users", "add", "deployer", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    running = serve(data_dir, *LEAVE_TO_WORKERS)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[CamundaClient]:
    with CamundaClient(configuration=configuration(server)) as c:
        files = [EXAMPLES / "database-creation-c8.bpmn", DATA / "error-boundary.bpmn", DATA / "message-catch-c8.bpmn"]
        c.deploy_resources_from_files([*files, DATA / "user-task-form.bpmn"])
        yield c


Handler = Callable[[Any], Any]


@pytest.fixture
def workers(server: Server) -> Iterator[Callable[..., None]]:
    """``workers({type: handler})``: the SDK's own async job workers, polling in a thread until the test ends."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def run(handlers: dict[str, Handler], *, with_lease: bool = False) -> None:
        async def main() -> None:
            async with CamundaAsyncClient(configuration=configuration(server)) as c:
                for job_type, handler in handlers.items():
                    config = WorkerConfig(
                        job_type=job_type,
                        job_timeout_milliseconds=30_000,
                        request_timeout_milliseconds=2_000,
                        worker_name=WORKER,
                        with_lease=with_lease,
                    )
                    c.create_job_worker(config=config, callback=handler, execution_strategy="async")
                while not stop.is_set():
                    await asyncio.sleep(0.05)
                for worker in c._workers:
                    worker.stop()

        thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
        thread.start()
        threads.append(thread)

    yield run
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def start(client: CamundaClient, process_id: str, **variables: Any) -> str:
    created = client.create_process_instance(
        data=ProcessCreationById(
            process_definition_id=process_id,
            variables=ProcessInstanceCreationInstructionBaseVariables.from_dict(variables),
        )
    )
    return str(created.process_instance_key)


def state(server: Server, key: str) -> str:
    response = httpx.get(f"{server.url}/v2/process-instances/{key}", auth=("deployer", PASSWORD), timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["state"])


def test_topology_as_the_client_reads_it(client: CamundaClient) -> None:
    topology = client.get_topology()
    assert topology.gateway_version.startswith("8.8.")
    assert [p.partition_id for p in topology.brokers[0].partitions] == [1]


def test_sdk_workers_complete_the_example_with_one_job_per_region(
    server: Server, client: CamundaClient, workers: Callable[[dict[str, Handler]], None]
) -> None:
    seen: list[tuple[str, str]] = []

    async def create_database(job: Any) -> dict[str, Any]:
        region = job.variables.to_dict()["region"]
        seen.append(("create-database", region))
        return {"regionDatabase": f"{region}-db"}

    async def create_replication(job: Any) -> dict[str, Any]:
        seen.append(("create-replication", ",".join(job.variables.to_dict()["regionDatabases"])))
        return {"replicated": True}

    key = start(client, "database-creation-c8", regions=["eu-west", "us-east", "ap-south"])
    workers({"create-database": create_database, "create-replication": create_replication})
    wait_until(lambda: state(server, key) == "COMPLETED", f"instance {key} did not complete: {seen}")
    assert sorted(r for t, r in seen if t == "create-database") == ["ap-south", "eu-west", "us-east"]
    assert [r for t, r in seen if t == "create-replication"] == ["eu-west-db,us-east-db,ap-south-db"]


def test_a_failing_worker_runs_out_of_retries_into_an_incident_the_client_finds_and_resolves(
    server: Server, client: CamundaClient, workers: Callable[[dict[str, Handler]], None]
) -> None:
    attempts: list[int] = []
    repaired = threading.Event()

    async def charge(job: Any) -> dict[str, Any]:
        attempts.append(job.retries)
        if not repaired.is_set():
            raise RuntimeError("payment service down")
        return {"charged": True}

    key = start(client, "error-boundary", mode="fail")
    workers({"charge": charge})

    def incidents() -> list[Any]:
        found = client.search_incidents(
            data=IncidentSearchQuery(filter_=IncidentSearchQueryFilter(process_instance_key=key))
        )
        return list(found.items)

    (incident,) = wait_until(incidents, f"no incident for {key}; attempts {attempts}")
    assert attempts == [3, 2, 1]  # the worker sends retries - 1 each time; the engine takes them as sent
    assert "payment service down" in incident.error_message
    assert str(incident.process_instance_key) == key and incident.error_type.value == "JOB_NO_RETRIES"
    repaired.set()
    client.resolve_incident(incident_key=incident.incident_key)
    wait_until(lambda: state(server, key) == "COMPLETED", f"instance {key} did not complete after resolution")
    assert attempts == [3, 2, 1, 1] and incidents() == []


def test_a_job_error_reaches_the_boundary_event(
    server: Server, client: CamundaClient, workers: Callable[[dict[str, Handler]], None]
) -> None:
    notified: list[dict[str, Any]] = []

    async def charge(job: Any) -> dict[str, Any]:
        raise JobError("CARD_DECLINED", "limit reached", {"reason": "limit"})

    async def notify(job: Any) -> dict[str, Any]:
        notified.append(job.variables.to_dict())
        return {}

    key = start(client, "error-boundary", mode="decline")
    workers({"charge": charge, "notify": notify})
    wait_until(lambda: state(server, key) == "COMPLETED", f"instance {key} did not complete: {notified}")
    assert notified and notified[0]["reason"] == "limit"


def test_no_handler_path_takes_the_jobs_the_workers_serve(server: Server) -> None:
    text = Path(server.log).read_text(errors="replace")
    assert "Traceback" not in text, text


def _activate(server: Server, worker: str, request_timeout_ms: int, **kwargs: Any) -> httpx.Response:
    body = {
        "type": "charge",
        "worker": worker,
        "timeout": 600_000,
        "maxJobsToActivate": 10,
        "requestTimeout": request_timeout_ms,
    }
    return httpx.post(f"{server.url}/v2/jobs/activation", json=body, auth=("deployer", PASSWORD), **kwargs)


def test_a_long_poll_is_answered_when_a_job_appears(server: Server, client: CamundaClient) -> None:
    answer: list[httpx.Response] = []
    poll = threading.Thread(target=lambda: answer.append(_activate(server, "waiting", 60_000, timeout=90)))
    poll.start()
    time.sleep(0.5)  # let the poll start waiting first (an ordering aid, not a measurement)
    key = start(client, "error-boundary", mode="poll")
    poll.join(timeout=90)
    jobs = answer[0].json()["jobs"]
    assert key in {j["processInstanceKey"] for j in jobs} and {j["worker"] for j in jobs} == {"waiting"}
    for job in jobs:  # leave nothing held for the other tests
        httpx.post(f"{server.url}/v2/jobs/{job['jobKey']}/completion", json={}, auth=("deployer", PASSWORD))


def test_a_long_poll_whose_worker_hung_up_locks_nothing(server: Server, client: CamundaClient) -> None:
    with pytest.raises(httpx.ReadTimeout):
        _activate(server, "gone", 60_000, timeout=0.5)  # the client gives up
    time.sleep(0.5)  # let the server notice the closed connection (an ordering aid, not a measurement)
    key = start(client, "error-boundary", mode="hung-up")
    jobs = _activate(server, "alive", 10_000, timeout=60).json()["jobs"]
    assert key in {j["processInstanceKey"] for j in jobs}
    assert {j["worker"] for j in jobs} == {"alive"}
    for job in jobs:
        httpx.post(f"{server.url}/v2/jobs/{job['jobKey']}/completion", json={}, auth=("deployer", PASSWORD))


def test_a_message_published_before_the_instance_waits_is_correlated(server: Server, client: CamundaClient) -> None:
    variables = MessagePublicationRequestVariables.from_dict({"paid": True})
    message = MessagePublicationRequest(
        name="payment-received", correlation_key="sdk-1", time_to_live=60_000, variables=variables
    )
    published = client.publish_message(data=message)
    assert str(published.message_key).isdigit()
    key = start(client, "message-catch-c8", orderId="sdk-1")
    wait_until(lambda: state(server, key) == "COMPLETED", f"instance {key} did not take the buffered message")


def test_a_user_task_is_found_assigned_and_completed_through_the_client(server: Server, client: CamundaClient) -> None:
    key = start(client, "approval")
    query = UserTaskSearchQuery(filter_=UserTaskSearchQueryFilter(process_instance_key=key))
    (task,) = client.search_user_tasks(data=query).items
    assert task.element_id == "Approve" and task.name == "Approve the request"
    client.assign_user_task(task.user_task_key, data=UserTaskAssignmentRequest(assignee="deployer"))
    (assigned,) = client.search_user_tasks(data=query).items
    assert assigned.assignee == "deployer"
    with pytest.raises(Exception, match="size_gb"):
        bad = UserTaskCompletionRequestVariables.from_dict({"size_gb": 900})
        client.complete_user_task(task.user_task_key, data=UserTaskCompletionRequest(variables=bad))
    assert state(server, key) == "ACTIVE"
    values = UserTaskCompletionRequestVariables.from_dict({"size_gb": 20, "tier": "gold"})
    client.complete_user_task(task.user_task_key, data=UserTaskCompletionRequest(variables=values))
    wait_until(lambda: state(server, key) == "COMPLETED", f"instance {key} did not complete after its user task")


def test_a_client_configured_for_oauth_gets_a_token_for_an_api_token_and_works(server: Server) -> None:
    issued = _cli(Path(server.log).parent, "users", "token", "deployer", "--token-name", "oauth-client")
    found = re.search(r"sft_\S+", issued)
    assert found, issued
    oauth = {
        "CAMUNDA_REST_ADDRESS": f"{server.url}/v2",
        "CAMUNDA_AUTH_STRATEGY": "OAUTH",
        "CAMUNDA_CLIENT_ID": "deployer",
        "CAMUNDA_CLIENT_SECRET": found.group(0),
        "CAMUNDA_OAUTH_URL": f"{server.url}/oauth/token",
        "CAMUNDA_TOKEN_AUDIENCE": "orchestration-api",
    }
    with CamundaClient(configuration=oauth) as c:
        assert c.get_topology().gateway_version.startswith("8.8.")
        key = start(c, "message-catch-c8", orderId="oauth-1")
    assert state(server, key) == "ACTIVE"


def test_leasing_workers_complete_the_example_with_their_lease_tokens(
    server: Server, client: CamundaClient, workers: Callable[..., None]
) -> None:
    tokens: list[str] = []

    async def create_database(job: Any) -> dict[str, Any]:
        tokens.append(str(job.job_lease_token))
        return {"regionDatabase": f"{job.variables.to_dict()['region']}-db"}

    async def create_replication(job: Any) -> dict[str, Any]:
        tokens.append(str(job.job_lease_token))
        return {"replicated": True}

    key = start(client, "database-creation-c8", regions=["eu-west", "us-east"])
    workers({"create-database": create_database, "create-replication": create_replication}, with_lease=True)
    wait_until(lambda: state(server, key) == "COMPLETED", f"instance {key} did not complete with leases: {tokens}")
    assert len(tokens) == 3 and len(set(tokens)) == 3 and all(t not in ("", "None") for t in tokens)


def test_the_client_reads_an_instances_jobs_and_message_subscriptions(client: CamundaClient) -> None:
    key = start(client, "message-catch-c8", orderId="sdk-wait")
    query = MessageSubscriptionSearchQuery(filter_=MessageSubscriptionSearchQueryFilter(process_instance_key=key))
    (subscription,) = client.search_message_subscriptions(data=query).items
    assert subscription.message_name == "payment-received" and subscription.correlation_key == "sdk-wait"
    jobs = client.search_jobs(data=JobSearchQuery(filter_=JobSearchQueryFilter(process_instance_key=key))).items
    assert list(jobs) == []  # it waits for a message, not for a worker


def test_root_level_conditional_start_events_are_evaluated_through_the_client(
    server: Server, client: CamundaClient
) -> None:
    cases = DATA / "conditional-starts"
    client.deploy_resources_from_files([cases / "cooling.bpmn", cases / "heating.bpmn"])
    result = client.evaluate_conditionals(
        data=ConditionalEvaluationInstruction(
            variables=ConditionalEvaluationInstructionVariables.from_dict({"temperature": 40})
        )
    )
    (started,) = result.process_instances
    assert result.tenant_id == "<default>"
    instance = httpx.get(
        f"{server.url}/v2/process-instances/{started.process_instance_key}", auth=("deployer", PASSWORD), timeout=30
    ).json()
    assert instance["processDefinitionId"] == "cooling" and instance["state"] == "ACTIVE"
    assert str(started.process_definition_key) == instance["processDefinitionKey"]
