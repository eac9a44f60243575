"""Camunda Modeler's Deploy and Start buttons, replayed request by request as Modeler sends them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from engine.accounts import Accounts
from engine.engine import Engine
from tests.integration.conftest import bpmn_file, session_login
from tests.integration.engine_rest_helpers import modeler_deploy_body, modeler_headers

BASES = ["/engine-rest", "/rest"]
DeployFn = Callable[..., tuple[int, dict]]


@pytest.fixture
def deploy(client: FlaskClient) -> DeployFn:
    def run(base: str = "/engine-rest", role: str | None = "admin", token: str | None = None, **kw: object) -> tuple:
        name, xml = kw.pop("file", bpmn_file("database-creation.bpmn"))  # type: ignore[misc]
        body, content_type = modeler_deploy_body(name.rsplit(".", 1)[0], name, xml, **kw)  # type: ignore[arg-type]
        headers = modeler_headers(role, token=token) | {"content-type": content_type}
        response = client.post(f"{base}/deployment/create", data=body, headers=headers)
        return response.status_code, response.get_json()

    return run


@pytest.mark.parametrize("base", BASES)
def test_connection_check_without_credentials_asks_for_them(client: FlaskClient, base: str) -> None:
    response = client.get(f"{base}/deployment?maxResults=0", headers=modeler_headers())
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.get_json()["type"] == "AuthenticationException"


@pytest.mark.parametrize("base", BASES)
def test_connection_check_and_version_with_basic_credentials(client: FlaskClient, base: str) -> None:
    check = client.get(f"{base}/deployment?maxResults=0", headers=modeler_headers("viewer"))
    assert check.status_code == 200 and check.get_json() == []
    version = client.get(f"{base}/version", headers=modeler_headers("viewer"))
    assert version.status_code == 200 and version.get_json()["version"].startswith("7.")


def test_wrong_password_is_401_so_modeler_says_credentials_do_not_match(client: FlaskClient) -> None:
    headers = {"accept": "application/json", "authorization": "Basic YWRtaW46d3Jvbmc="}  # admin:wrong
    assert client.get("/engine-rest/deployment?maxResults=0", headers=headers).status_code == 401


@pytest.mark.parametrize("base", BASES)
def test_deploy_returns_the_id_and_the_deployed_definition_modeler_reads(deploy: DeployFn, base: str) -> None:
    status, body = deploy(base)
    assert status == 200
    assert body["id"] and body["name"] == "database-creation" and body["source"] == "Camunda Modeler"
    definitions = body["deployedProcessDefinitions"]
    first = next(iter(definitions.values()))
    assert first["key"] == "database-creation" and first["version"] == 1
    assert first["id"] in definitions and first["resource"] == "database-creation.bpmn"
    assert body["links"][0]["href"].endswith(f"{base}/deployment/{body['id']}")


def test_redeploying_unchanged_diagram_returns_the_same_deployment_with_null_definitions(deploy: DeployFn) -> None:
    _, first = deploy()
    status, again = deploy()
    assert status == 200
    assert again["id"] == first["id"]
    assert again["deployedProcessDefinitions"] is None


def test_changed_diagram_deploys_a_new_version(deploy: DeployFn) -> None:
    name, xml = bpmn_file("database-creation.bpmn")
    deploy(file=(name, xml))
    changed = xml.replace(b'name="Database creation"', b'name="Database creation v2"')
    _, body = deploy(file=(name, changed))
    assert next(iter(body["deployedProcessDefinitions"].values()))["version"] == 2


def test_tenant_id_and_form_attachments_are_accepted(deploy: DeployFn) -> None:
    status, body = deploy(tenant_id="tenant-1", attachments=[("approval.form", b'{"components": []}')])
    assert status == 200
    assert body["tenantId"] == "tenant-1"
    assert len(body["deployedProcessDefinitions"]) == 1


def test_deploy_with_bearer_token(deploy: DeployFn, fast_accounts: Accounts) -> None:
    token = fast_accounts.issue_token("admin", "modeler")
    status, body = deploy(role=None, token=token)
    assert status == 200 and body["deployedProcessDefinitions"]


def test_deploy_without_credentials_is_401(deploy: DeployFn) -> None:
    status, body = deploy(role=None)
    assert status == 401 and body["type"] == "AuthenticationException"


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_deploy_below_admin_is_403_so_modeler_says_not_permitted(deploy: DeployFn, role: str) -> None:
    status, body = deploy(role=role)
    assert status == 403 and body["type"] == "AuthorizationException"


def test_unparseable_diagram_is_a_parse_exception_modeler_recognises(deploy: DeployFn) -> None:
    name, xml = bpmn_file("database-creation.bpmn")
    broken = xml.replace(
        b'<bpmn:startEvent id="StartEvent_RequestReceived"', b'<bpmn:task id="StartEvent_RequestReceived"'
    )
    broken = broken.replace(b"</bpmn:startEvent>", b"</bpmn:task>", 1)
    status, body = deploy(file=(name, broken))
    assert status == 400
    assert body["type"] == "ParseException"
    assert body["message"].startswith("ENGINE-09005 Could not parse BPMN process.")
    errors = body["details"][name]["errors"]
    assert errors and all(
        {"line", "column", "mainBpmnElementId", "bpmnElementIds", "message"} <= set(e) for e in errors
    )


def test_problem_lines_and_element_ids_point_at_the_offending_element(deploy: DeployFn) -> None:
    name, xml = bpmn_file("database-creation.bpmn")
    broken = xml.replace(b'targetRef="Activity_CreateReplication"', b'targetRef="Activity_Missing"')
    status, body = deploy(file=(name, broken))
    assert status == 400 and body["type"] == "ParseException"
    error = body["details"][name]["errors"][0]
    assert error["line"] > 1
    assert error["mainBpmnElementId"] in error["bpmnElementIds"]


def test_well_known_webapps_answers_without_credentials_and_links_to_our_pages(client: FlaskClient) -> None:
    response = client.get("/.well-known/camunda-automation-platform/webapps", headers={"accept": "application/json"})
    assert response.status_code == 200
    urls = response.get_json()
    assert {"adminUrl", "cockpitUrl", "tasklistUrl"} <= set(urls)
    assert not urls["cockpitUrl"].rstrip("/").endswith("cockpit")  # Modeler would append default/#/ to it
    assert urls["tasklistUrl"].endswith("/tasks")


def test_cockpit_links_modeler_builds_lead_to_our_pages(client: FlaskClient, deploy: DeployFn, engine: Engine) -> None:
    _, body = deploy()
    session_login(client, "viewer")  # the links open in the browser, where the user logs in
    cockpit = client.get("/.well-known/camunda-automation-platform/webapps").get_json()["cockpitUrl"]
    path = cockpit.split("//", 1)[1].split("/", 1)[1]
    query = json.dumps([{"type": "id", "operator": "eq", "value": body["id"]}])
    repository = client.get(f"/{path}repository", query_string={"deploymentsQuery": query})
    assert repository.status_code == 302 and repository.headers["Location"].endswith("/definitions/database-creation")
    instance = engine.start("database-creation", {})
    link = client.get(f"/{path}process-instance/{instance.id}")
    assert link.status_code == 302 and link.headers["Location"].endswith(f"/instances/{instance.id}")


def test_start_button_deploys_again_then_starts_by_definition_id(client: FlaskClient, deploy: DeployFn) -> None:
    _, first = deploy()
    _, again = deploy()
    assert again["id"] == first["id"] and again["deployedProcessDefinitions"] is None
    definition_id = next(iter(first["deployedProcessDefinitions"]))
    body = json.dumps(
        {"businessKey": "REQ-42", "variables": {"database": {"value": "orders", "type": "String"}}}
    ).encode()
    headers = {"content-type": "application/json"} | modeler_headers("operator")
    response = client.post(f"/engine-rest/process-definition/{definition_id}/start", data=body, headers=headers)
    assert response.status_code == 200
    started = response.get_json()
    assert started["id"] and started["definitionId"] == definition_id and started["businessKey"] == "REQ-42"
    assert started["ended"] is False
    variables = client.get(
        f"/engine-rest/process-instance/{started['id']}/variables", headers=modeler_headers("viewer")
    )
    assert variables.get_json()["database"] == {"type": "String", "value": "orders", "valueInfo": {}}


def test_start_without_business_key_or_variables(client: FlaskClient, deploy: DeployFn) -> None:
    _, first = deploy()
    definition_id = next(iter(first["deployedProcessDefinitions"]))
    headers = {"content-type": "application/json"} | modeler_headers("operator")
    response = client.post(f"/rest/process-definition/{definition_id}/start", data=b"{}", headers=headers)
    assert response.status_code == 200 and response.get_json()["businessKey"] is None


def test_viewer_cannot_start_instances(client: FlaskClient, deploy: DeployFn) -> None:
    _, first = deploy()
    definition_id = next(iter(first["deployedProcessDefinitions"]))
    headers = {"content-type": "application/json"} | modeler_headers("viewer")
    response = client.post(f"/engine-rest/process-definition/{definition_id}/start", data=b"{}", headers=headers)
    assert response.status_code == 403
