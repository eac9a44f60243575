"""POST /oauth/token: client credentials (user name + API token) for a short-lived bearer access token."""

from __future__ import annotations

import base64

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.access_tokens import LIFETIME_S, AccessTokens
from engine.accounts import Accounts
from webui.oauth import EXTENSION

SEARCH = "/v2/process-instances/search"


@pytest.fixture
def secret(fast_accounts: Accounts) -> str:
    return fast_accounts.issue_token("operator", "c8-client")


def token_request(client: FlaskClient, **form: str) -> tuple[int, dict[str, str]]:
    response = client.post("/oauth/token", data=form)
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


def grant(client: FlaskClient, client_id: str, client_secret: str) -> tuple[int, dict[str, str]]:
    return token_request(
        client,
        grant_type="client_credentials",
        client_id=client_id,
        client_secret=client_secret,
        audience="orchestration-api",
    )


def test_client_credentials_give_a_bearer_token_every_api_accepts(client: FlaskClient, secret: str) -> None:
    status, answer = grant(client, "operator", secret)
    assert status == 200 and answer["token_type"] == "Bearer" and answer["expires_in"] == LIFETIME_S
    bearer = {"Authorization": f"Bearer {answer['access_token']}"}
    assert client.post(SEARCH, json={}, headers=bearer).status_code == 200
    assert client.get("/api/v1/instances", headers=bearer).status_code == 200
    # the operator's role holds: deploying needs an admin
    assert client.post("/v2/deployments", headers=bearer).get_json()["title"] == "Forbidden"


def test_http_basic_client_authentication_works_too(client: FlaskClient, secret: str) -> None:
    basic = base64.b64encode(f"operator:{secret}".encode()).decode()
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200 and response.get_json()["access_token"].startswith("sfat_")


@pytest.mark.parametrize(
    ("client_id", "use_secret", "password"),
    [("operator", False, "operator-password"), ("admin", True, ""), ("nobody", True, "")],
)
def test_wrong_client_credentials_are_401_invalid_client(
    client: FlaskClient, secret: str, client_id: str, use_secret: bool, password: str
) -> None:
    status, answer = grant(client, client_id, secret if use_secret else password)
    assert status == 401 and answer["error"] == "invalid_client"
    assert "access_token" not in answer


def test_malformed_token_requests_are_400_and_name_what_to_send(client: FlaskClient, secret: str) -> None:
    status, answer = token_request(client, grant_type="password", username="operator", password="x")
    assert status == 400 and answer["error"] == "unsupported_grant_type"
    status, answer = token_request(client, grant_type="client_credentials", client_id="operator")
    assert status == 400 and answer["error"] == "invalid_request" and "client_secret" in answer["error_description"]
    as_json = client.post("/oauth/token", json={"grant_type": "client_credentials"})
    assert as_json.status_code == 400 and "x-www-form-urlencoded" in as_json.get_json()["error_description"]


def test_an_expired_or_forged_access_token_is_refused(app: Flask, client: FlaskClient, secret: str) -> None:
    tokens: AccessTokens = app.extensions[EXTENSION]
    now = [1_000_000.0]
    tokens.clock = lambda: now[0]
    _, answer = grant(client, "operator", secret)
    access = answer["access_token"]
    assert client.post(SEARCH, json={}, headers={"Authorization": f"Bearer {access}"}).status_code == 200
    payload, _, signature = access.partition(".")
    forged = f"{payload}.{signature[:-2]}AA"
    assert client.post(SEARCH, json={}, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    now[0] += LIFETIME_S + 1
    expired = client.post(SEARCH, json={}, headers={"Authorization": f"Bearer {access}"})
    assert expired.status_code == 401 and expired.get_json()["title"] == "Unauthorized"


def test_removing_the_user_ends_the_access_tokens_made_for_them(client: FlaskClient, fast_accounts: Accounts) -> None:
    fast_accounts.add_user("worker", "operator", "worker-password-1")
    worker_secret = fast_accounts.issue_token("worker", "c8")
    _, answer = grant(client, "worker", worker_secret)
    bearer = {"Authorization": f"Bearer {answer['access_token']}"}
    assert client.post(SEARCH, json={}, headers=bearer).status_code == 200
    fast_accounts.remove_user("worker")
    assert client.post(SEARCH, json={}, headers=bearer).status_code == 401
