"""Fixtures for the HTTP API tests: a Flask app over a real database, users of every role."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.accounts import Accounts
from engine.engine import Engine
from tests.conftest import DATA, EXAMPLES
from webui.app import create_app

PASSWORDS = {"viewer": "viewer-password", "operator": "operator-password", "admin": "admin-password"}


class NoServerErrorClient(FlaskClient):
    """A test client that fails the test on any 5xx: bad input must never be a server error."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        return response


@pytest.fixture
def fast_accounts(engine: Engine) -> Accounts:
    # Cheap argon2 parameters: the tests check behaviour, not hashing cost.
    accounts = Accounts(engine.db, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    for role, password in PASSWORDS.items():
        accounts.add_user(role, role, password)
    return accounts


@pytest.fixture
def app(engine: Engine, fast_accounts: Accounts) -> Flask:
    app = create_app(engine, accounts=fast_accounts, config={"TESTING": True})
    app.test_client_class = NoServerErrorClient
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def basic(role: str) -> dict[str, str]:
    token = base64.b64encode(f"{role}:{PASSWORDS[role]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def as_role(client: FlaskClient) -> Callable[..., TestResponse]:
    """``as_role("operator", "post", "/api/v1/...", json=...)``."""

    def call(role: str, method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = {**basic(role), **kwargs.pop("headers", {})}
        return client.open(path, method=method.upper(), headers=headers, **kwargs)

    return call


def bpmn_file(name: str) -> tuple[str, bytes]:
    path = EXAMPLES / name if (EXAMPLES / name).exists() else DATA / name
    return path.name, path.read_bytes()


@pytest.fixture
def deployed(engine: Engine) -> Iterator[Engine]:
    engine.deploy([bpmn_file("database-creation.bpmn"), bpmn_file("user-task-form.bpmn")])
    yield engine


def login_form(client: FlaskClient, username: str, password: str) -> TestResponse:
    """Post the login form as a browser does: with the CSRF token of the login page it just loaded."""
    page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the login page has no CSRF token field"
    return client.post("/login", data={"username": username, "password": password, "csrf_token": found.group(1)})


def session_login(client: FlaskClient, role: str) -> str:
    """Log in through the form; returns the session's CSRF token."""
    response = login_form(client, role, PASSWORDS[role])
    assert response.status_code == 302, response.get_data(as_text=True)
    me = client.get("/api/v1/me").get_json()
    return str(me["csrf_token"])
