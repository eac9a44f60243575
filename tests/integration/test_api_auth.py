"""Who may call what: 401 without credentials, 403 below the needed role, CSRF for sessions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.accounts import Accounts
from engine.engine import Engine
from tests.integration.conftest import basic, bpmn_file, login_form, session_login
from webui.api.openapi import OPERATIONS
from webui.app import create_app
from webui.server import announce_first_admin

SAMPLE = {"{key}": "database-creation", "{instance_id}": "no-such-instance", "{task_id}": "no-such-task"}
WRITES = [(m, p, role) for m, p, _, role, _, _, _ in OPERATIONS if m != "get"]


def concrete(path: str) -> str:
    for name, value in SAMPLE.items():
        path = path.replace(name, value)
    return "/api/v1" + path


def test_health_answers_without_login(client: FlaskClient) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}


@pytest.mark.parametrize(("method", "path"), [(op[0], op[1]) for op in OPERATIONS])
def test_every_api_endpoint_refuses_anonymous_callers_with_401(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(concrete(path), method=method.upper(), json={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert "log in" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(("method", "path", "needed"), [w for w in WRITES if w[2] in ("operator", "admin")])
def test_viewer_cannot_change_anything(
    as_role: Callable[..., TestResponse], method: str, path: str, needed: str
) -> None:
    response = as_role("viewer", method, concrete(path), json={})
    assert response.status_code == 403
    assert f"needs the {needed} role" in response.get_json()["error"]["message"]


def test_only_admin_deploys(as_role: Callable[..., TestResponse]) -> None:
    name, data = bpmn_file("database-creation.bpmn")
    for role, status in (("viewer", 403), ("operator", 403), ("admin", 201)):
        response = as_role(role, "post", "/api/v1/deployments", data={"file": (__import__("io").BytesIO(data), name)})
        assert response.status_code == status, role


def test_pages_redirect_to_the_login_page_without_a_session(client: FlaskClient) -> None:
    response = client.get("/instances?state=running")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/instances")


def test_wrong_password_and_unknown_token_are_refused(client: FlaskClient) -> None:
    assert client.get("/api/v1/me", headers={"Authorization": "Basic dmlld2VyOm5vcGU="}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer sft_not-a-token"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic %%%"}).status_code == 401
    login = login_form(client, "viewer", "wrong")
    assert login.status_code == 401
    assert "Wrong user name or password" in login.get_data(as_text=True)


def test_bearer_token_authenticates_as_its_user(client: FlaskClient, fast_accounts: Accounts) -> None:
    token = fast_accounts.issue_token("operator", "ci")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me == {"username": "operator", "role": "operator", "auth": "bearer"}


def test_session_writes_need_the_csrf_token(client: FlaskClient, deployed: Engine) -> None:
    csrf = session_login(client, "operator")
    refused = client.post("/api/v1/definitions/database-creation/start", json={})
    assert refused.status_code == 403
    assert "CSRF" in refused.get_json()["error"]["message"]
    accepted = client.post(
        "/api/v1/definitions/database-creation/start",
        json={"variables": {"database": "x"}},
        headers={"X-CSRF-Token": csrf},
    )
    assert accepted.status_code == 201
    form = client.post(f"/instances/{accepted.get_json()['id']}/cancel", data={"csrf_token": "forged"})
    assert form.status_code == 403


def test_login_redirects_only_to_this_site(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"username": "viewer", "password": "viewer-password", "csrf_token": token}
    response = client.post("/login?next=//evil.example/x", data=form)
    assert response.headers["Location"] == "/"


def test_removed_user_loses_its_session(client: FlaskClient, fast_accounts: Accounts) -> None:
    fast_accounts.add_user("temp", "viewer", "temp-password")
    login_form(client, "temp", "temp-password")
    assert client.get("/").status_code == 200
    fast_accounts.remove_user("temp")
    assert client.get("/").status_code == 302


def test_first_start_creates_one_admin_with_a_one_time_password(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts = Accounts(engine.db, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    announce_first_admin(accounts)
    printed = capsys.readouterr().out
    password = printed.split("one-time password")[1].split()[0]
    announce_first_admin(accounts)
    assert "one-time password" not in capsys.readouterr().out
    assert [u.username for u in accounts.users()] == ["admin"]
    client = create_app(engine, accounts=accounts).test_client()
    api = client.get("/api/v1/me", headers=_basic("admin", password))
    assert api.status_code == 403
    assert "one-time password" in api.get_json()["error"]["message"]
    login_form(client, "admin", password)
    assert client.get("/").headers["Location"] == "/account/password"
    page = client.get("/account/password").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": password,
            "new_password": "a-new-pass",
            "confirm_password": "a-new-pass",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me", headers=_basic("admin", "a-new-pass")).status_code == 200


def _basic(user: str, password: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_static_assets_and_login_page_need_no_login(client: FlaskClient) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    assert basic("viewer")
