"""Camunda 8 keys: one 64-bit number per row, kept in the database, never handed out twice."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text

from engine.c8_keys import KEY_BASE, C8Keys
from engine.engine import Engine
from steadyflow.errors import NotFoundError


def test_a_row_keeps_its_key_across_engines(make_engine: Callable[..., Engine]) -> None:
    first = C8Keys(make_engine().db)
    key = first.key("instance", "3f0c6a1e-0000-4000-8000-000000000001")
    again = C8Keys(make_engine().db)  # a second process on the same database
    assert again.key("instance", "3f0c6a1e-0000-4000-8000-000000000001") == key
    assert again.row(str(key), "instance", "Process instance") == "3f0c6a1e-0000-4000-8000-000000000001"
    assert KEY_BASE < key < 2**63


def test_rows_of_different_kinds_get_different_keys_and_a_key_names_only_its_kind(engine: Engine) -> None:
    keys = C8Keys(engine.db)
    job, instance = keys.key("job", "same-id"), keys.key("instance", "same-id")
    assert job != instance
    with pytest.raises(NotFoundError):
        keys.row(job, "instance", "Process instance")
    for bad in ("abc", "-1", "1" * 25, "12", str(2**63 + 5)):
        with pytest.raises(NotFoundError):
            keys.row(bad, "job", "Job")


def test_a_deleted_key_is_never_given_again(engine: Engine) -> None:
    keys = C8Keys(engine.db)
    given = keys.keys("job", [f"job-{i}" for i in range(5)])
    with engine.db.write() as conn:
        conn.execute(text("DELETE FROM c8_keys WHERE row_id = 'job-4'"))
    fresh = C8Keys(engine.db)  # another process, which has not seen these keys
    assert fresh.key("job", "job-new") > max(given.values())
    assert fresh.key("job", "job-4") not in given.values()


def test_threads_and_processes_asking_for_the_same_rows_at_once_agree(engine: Engine) -> None:
    rows = [f"row-{i}" for i in range(20)]
    answers: list[dict[str, int]] = []
    shared = C8Keys(engine.db)
    askers = [shared, shared, C8Keys(engine.db), C8Keys(engine.db)]  # two threads of one process, two others
    threads = [threading.Thread(target=lambda k=k: answers.append(k.keys("element", rows))) for k in askers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4 and all(a == answers[0] for a in answers)
    assert len(set(answers[0].values())) == 20
