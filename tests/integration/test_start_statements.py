"""A start writes its instance row once, as its first step leaves it: one INSERT, no UPDATE."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import event

from engine.engine import Engine
from tests.integration.test_start_latest_definition import _process


def _instance_statements(engine: Engine, work: Any) -> list[str]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        words = statement.split()
        if words[0] in ("INSERT", "UPDATE") and "instances" in words[:4]:
            seen.append(words[0])

    event.listen(engine.db.engine, "before_cursor_execute", before)
    try:
        work()
    finally:
        event.remove(engine.db.engine, "before_cursor_execute", before)
    return seen


def test_a_start_inserts_its_instance_row_with_the_first_steps_values(make_engine: Any) -> None:
    engine: Engine = make_engine()
    engine.deploy([("p.bpmn", _process("p", "wait"))])
    started: list[Any] = []

    assert _instance_statements(engine, lambda: started.append(engine.start("p"))) == ["INSERT"]
    stored = engine.instance(started[0].id)
    assert (stored.version, stored.state, stored.event_seq) == (started[0].version, "running", started[0].event_seq)
    assert stored.version == 1 and stored.event_seq > 0 and stored.frame


def test_starts_committed_as_a_group_insert_each_row_once_with_its_values(make_engine: Any) -> None:
    engine: Engine = make_engine()
    engine.deploy([("p.bpmn", _process("p", "wait"))])
    engine.start("p")
    results: list[Any] = []

    def many() -> None:
        threads = [threading.Thread(target=lambda: results.append(engine.start("p"))) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    statements = _instance_statements(engine, many)
    assert "UPDATE" not in statements and 1 <= len(statements) <= 6
    for result in results:
        stored = engine.instance(result.id)
        assert (stored.version, stored.event_seq) == (1, result.event_seq)


def test_a_group_of_starts_of_one_definition_checks_its_latest_version_once(make_engine: Any) -> None:
    engine: Engine = make_engine()
    engine.deploy([("p.bpmn", _process("p", "wait"))])
    engine.start("p")  # remembers the latest version: the next starts check it in their transaction
    commits = engine.steps.start_commits
    reads: list[str] = []
    released = threading.Event()

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        words = statement.split()
        if words[:2] == ["SELECT", "definitions.id"]:
            reads.append(statement)
        if words[:3] == ["INSERT", "INTO", "instances"] and not released.is_set():
            # The first start commits alone; hold it until the five others queue for the next group.
            for _ in range(2000):
                if commits.queued >= 5:
                    break
                time.sleep(0.005)
            released.set()

    event.listen(engine.db.engine, "before_cursor_execute", before)
    try:
        threads = [threading.Thread(target=engine.start, args=("p",)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        event.remove(engine.db.engine, "before_cursor_execute", before)

    assert commits.grouped_starts >= 5, "the five queued starts committed as one group"
    assert len(reads) == 2, "one check for the start alone, one for the whole group"
    assert len(engine.instances(limit=10)) == 7
