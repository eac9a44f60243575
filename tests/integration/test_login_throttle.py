"""Login throttling per account and per client address, and the login form's CSRF token (issue 10, finding 8)."""

from __future__ import annotations

import base64

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.accounts import Accounts
from engine.engine import Engine
from tests.integration.conftest import PASSWORDS, NoServerErrorClient, login_form
from webui.app import create_app
from webui.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttled(engine: Engine, fast_accounts: Accounts, clock: Clock) -> FlaskClient:
    throttle = LoginThrottle(free_failures=5, base_delay_s=1.0, max_delay_s=900.0, clock=clock)
    app: Flask = create_app(engine, accounts=fast_accounts, config={"TESTING": True, "LOGIN_THROTTLE": throttle})
    app.test_client_class = NoServerErrorClient
    return app.test_client()


def _basic(username: str, password: str, address: str = "10.0.0.1") -> dict[str, object]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"headers": {"Authorization": f"Basic {token}"}, "environ_base": {"REMOTE_ADDR": address}}


def test_basic_auth_gets_429_with_a_growing_retry_after_after_five_failures(
    throttled: FlaskClient, clock: Clock
) -> None:
    for _ in range(5):
        assert throttled.get("/engine-rest/process-instance", **_basic("viewer", "nope")).status_code == 401
    refused = throttled.get("/engine-rest/process-instance", **_basic("viewer", PASSWORDS["viewer"]))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    clock.now += 1.5
    assert throttled.get("/api/v1/me", **_basic("viewer", "nope")).status_code == 401  # the 6th failure
    refused = throttled.get("/api/v1/me", **_basic("viewer", PASSWORDS["viewer"]))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    assert "try again in 2 s" in refused.get_json()["error"]["message"]
    clock.now += 2.5
    assert throttled.get("/api/v1/me", **_basic("viewer", PASSWORDS["viewer"])).status_code == 200


def test_the_account_is_throttled_from_every_address(throttled: FlaskClient) -> None:
    for i in range(5):
        throttled.get("/api/v1/me", **_basic("admin", "guess", address=f"10.0.1.{i}"))
    other_address = throttled.get("/api/v1/me", **_basic("admin", PASSWORDS["admin"], address="10.9.9.9"))
    assert other_address.status_code == 429
    assert throttled.get("/api/v1/me", **_basic("viewer", PASSWORDS["viewer"], address="10.9.9.9")).status_code == 200


def test_an_address_trying_many_accounts_is_throttled(throttled: FlaskClient) -> None:
    for name in ("a", "b", "c", "d", "e"):
        throttled.get("/api/v1/me", **_basic(name, "guess", address="10.0.2.1"))
    assert throttled.get("/api/v1/me", **_basic("viewer", PASSWORDS["viewer"], address="10.0.2.1")).status_code == 429
    assert throttled.get("/api/v1/me", **_basic("viewer", PASSWORDS["viewer"], address="10.0.2.2")).status_code == 200


def test_the_login_form_is_throttled_too(throttled: FlaskClient) -> None:
    for _ in range(5):
        assert login_form(throttled, "operator", "wrong").status_code == 401
    refused = login_form(throttled, "operator", PASSWORDS["operator"])
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_a_success_clears_the_account_count(throttled: FlaskClient) -> None:
    for _ in range(4):
        throttled.get("/api/v1/me", **_basic("viewer", "nope", address="10.0.3.1"))
    assert throttled.get("/api/v1/me", **_basic("viewer", PASSWORDS["viewer"], address="10.0.3.2")).status_code == 200
    for _ in range(4):
        throttled.get("/api/v1/me", **_basic("viewer", "nope", address="10.0.3.3"))
    assert throttled.get("/api/v1/me", **_basic("viewer", PASSWORDS["viewer"], address="10.0.3.4")).status_code == 200


def test_the_wait_is_capped(clock: Clock) -> None:
    throttle = LoginThrottle(free_failures=5, base_delay_s=1.0, max_delay_s=900.0, clock=clock)
    for _ in range(200):
        throttle.failed("admin", "10.0.0.1")
    assert throttle.retry_after("admin", "10.0.0.9") == 900.0


def test_login_without_the_forms_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"]})
    assert response.status_code == 403
    assert 'name="csrf_token"' in response.get_data(as_text=True)  # a fresh form to try again with
    assert client.get("/api/v1/me").status_code == 401
    forged = client.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"], "csrf_token": "x"})
    assert forged.status_code == 403
    assert login_form(client, "viewer", PASSWORDS["viewer"]).status_code == 302
    assert client.get("/api/v1/me").get_json()["username"] == "viewer"
