"""Error answers never name the database URL or file path (issue 10, finding 8)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from engine.engine import Engine
from steadyflow.errors import StoreError
from tests.integration.conftest import basic

Call = Callable[..., TestResponse]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/definitions/database-creation/start", "/engine-rest/process-definition/key/database-creation/start"],
)
def test_a_store_error_naming_the_database_file_is_answered_without_it(
    app: Flask, deployed: Engine, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    app.test_client_class = None  # a 503 is the right answer here: the database is "down"
    location = deployed.db.url.removeprefix("sqlite:///")
    assert location and "/" in location

    def failing_start(*_: Any, **__: Any) -> None:
        raise StoreError(f"starting failed: unable to open database file {location} ({deployed.db.safe_url})")

    monkeypatch.setattr(deployed, "start", failing_start)
    response = app.test_client().post(path, json={}, headers=basic("operator"))
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert location not in text and deployed.db.safe_url not in text
    assert "the database" in text


def test_database_explanations_do_not_name_the_database(engine: Engine) -> None:
    error = OperationalError("INSERT", {}, sqlite3.OperationalError("attempt to write a readonly database"))
    for exc in (error, OperationalError("x", {}, sqlite3.OperationalError("database or disk is full")), error.orig):
        said = engine.db.explain(exc)
        assert engine.db.safe_url not in said and engine.db.url.removeprefix("sqlite:///") not in said
