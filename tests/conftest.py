"""Shared fixtures: an engine on a real SQLite file (or PostgreSQL with STEADYFLOW_TEST_PG).

One switch runs the suite on PostgreSQL: ``STEADYFLOW_TEST_PG=postgresql+psycopg://postgres@127.0.0.1:5432/test``
gives every test that uses ``db_url`` (directly or through ``make_engine``/``engine``) its own fresh
database. Tests that touch no database fixture already ran in the SQLite pass, so the PostgreSQL pass
deselects them; tests marked ``postgres`` need the server and are skipped without the switch.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from engine.config import EngineConfig
from engine.engine import Engine
from engine.handlers import HandlerSet
from engine.retry_policy import RetryPolicy
from engine.spiff import verification
from engine.worker import WorkerPool, WorkerStats

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
EXAMPLES = ROOT / "examples"
FAST_RETRIES = RetryPolicy(initial_interval_s=0.01, backoff_coefficient=2.0, maximum_interval_s=0.05)
PG_BASE = os.environ.get("STEADYFLOW_TEST_PG", "")
# Every task query the task index answers is checked against SpiffWorkflow's tree walk (engine/spiff/workflow.py),
# in this process (the switch was read when the engine was imported above) and in the servers tests start.
verification.ON = os.environ.setdefault(verification.ENV, "1") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect database-free tests on the PostgreSQL pass; skip PostgreSQL-only tests without it."""
    if PG_BASE:
        kept = [item for item in items if "db_url" in getattr(item, "fixturenames", ())]
        deselected = [item for item in items if "db_url" not in getattr(item, "fixturenames", ())]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = kept
        return
    needs_pg = pytest.mark.skip(reason="needs PostgreSQL: set STEADYFLOW_TEST_PG (make test does when it is reachable)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(needs_pg)


def _pg_database(base_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database per test, dropped afterwards."""
    import psycopg

    name = f"sf_test_{uuid.uuid4().hex[:12]}"
    admin = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = base_url.rpartition("/")
    try:
        yield f"{head}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    if PG_BASE:
        yield from _pg_database(PG_BASE)
    else:
        yield f"sqlite:///{tmp_path / 'steadyflow.db'}"


@pytest.fixture
def make_engine(tmp_path: Path, db_url: str) -> Iterator[Callable[..., Engine]]:
    engines: list[Engine] = []

    def make(**overrides: Any) -> Engine:
        config = replace(
            EngineConfig(data_dir=tmp_path / "data", db_url=db_url, retry_policy=FAST_RETRIES), **overrides
        )
        engine = Engine(config)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    """An engine whose cache holds nothing: every step reloads the instance from its rows."""
    return make_engine(cache_capacity=0)


def deploy(engine: Engine, *names: str) -> None:
    files = []
    for name in names:
        path = EXAMPLES / name if (EXAMPLES / name).exists() else DATA / name
        files.append((path.name, path.read_bytes()))
    engine.deploy(files)


def run_jobs(engine: Engine, handlers: dict[str, Any], *, max_wait_s: float = 5.0, concurrency: int = 2) -> WorkerStats:
    pool = WorkerPool(engine, HandlerSet(dict(handlers)), concurrency=concurrency, poll_interval_s=0.02)
    try:
        return pool.run_until_idle(max_wait_s=max_wait_s)
    finally:
        pool.stop(timeout_s=2)


def history_types(engine: Engine, instance_id: str, element_id: str | None = None) -> list[str]:
    view = engine.view(instance_id)
    return [e["type"] for e in view.history if element_id is None or e["element_id"] == element_id]


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One Debian Chromium per test worker: Playwright's sync API allows one running instance per thread."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: 'make test' installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
