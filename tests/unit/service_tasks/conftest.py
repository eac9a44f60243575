"""Shared fixtures: a job factory whose data directory is the test's tmp_path.

The handlers read their backend and demo knobs from the environment on every
call, so every test starts with those variables unset and opts in explicitly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.handlers import JobContext

JobFactory = Callable[..., JobContext]

HANDLER_ENV = (
    "STEADYFLOW_REGION_DB_URL",
    "STEADYFLOW_DEMO_DELAY_S",
    "STEADYFLOW_DEMO_FAILURE_RATE",
)


@pytest.fixture(autouse=True)
def _clean_handler_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in HANDLER_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_job(tmp_path: Path) -> JobFactory:
    """Build a JobContext like the worker pool would, with tmp_path as data_dir."""

    def factory(
        job_type: str = "create-database",
        *,
        key: str = "key-1",
        attempt: int = 1,
        instance_id: str = "instance-1",
        data_dir: Path | None = None,
        **variables: Any,
    ) -> JobContext:
        return JobContext(
            job_id=f"job-{key}-{attempt}",
            job_type=job_type,
            instance_id=instance_id,
            element_id="Activity_Test",
            business_key=None,
            variables=variables,
            headers={},
            attempt=attempt,
            idempotency_key=key,
            data_dir=data_dir if data_dir is not None else tmp_path,
        )

    return factory


def _run_in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """Start ``count`` threads at once; return each result or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def run_in_threads() -> Callable[[int, Callable[[int], object]], list[object]]:
    """Run work on several threads released together, to provoke races."""
    return _run_in_threads
