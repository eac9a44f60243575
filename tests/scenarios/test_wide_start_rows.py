"""A wide start stores exactly the rows SpiffWorkflow's own code paths store, and as many as before.

The start of a wide instance takes shortcuts around SpiffWorkflow (tasks built filed in the
task index, state writes without log formatting, ...). These tests run the same start with
SpiffWorkflow's own methods put back and compare every row the two starts stored, with ids
replaced by creation order and times left out, and pin the row counts of a 5,000-branch start
to what it stored before the shortcuts.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from SpiffWorkflow.task import Task
from sqlalchemy import text

from bpmn.specs.task_index import _TrackedTask
from engine.engine import Engine
from tests.scenarios.test_wide_fanouts import deploy_xml, gateway_body

SHORTCUTS = ("_add_child", "_sync_children", "_set_state", "parent", "children")
"""The ``_TrackedTask`` methods that replace SpiffWorkflow's on a start's path."""


def _spiffworkflow_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SHORTCUTS:
        monkeypatch.setattr(_TrackedTask, name, getattr(Task, name))


def _stored(engine: Engine, key: str, instance_id: str) -> dict[str, Any]:
    """Every row of the instance, ids as creation order (task seq), the process key as KEY, without times."""
    instance = engine.instance(instance_id)
    with engine.db.read() as conn:
        rows = engine.store.task_rows(conn, instance_id)
        events = engine.store.events(conn, instance_id, limit=1_000_000)
        stats = conn.execute(
            text(
                "SELECT element_id, span, bucket, passed FROM element_stats "
                "WHERE definition_id = :definition ORDER BY 1, 2, 3"
            ),
            {"definition": instance.definition_id},
        ).all()
        steps = conn.execute(
            text("SELECT version, state, first_seq, last_seq FROM step_states WHERE instance_id = :instance"),
            {"instance": instance_id},
        ).all()
    seq_of = {r.id: r.seq for r in rows}
    return {
        "tasks": sorted(
            (
                r.seq,
                seq_of[r.parent_id] if r.parent_id else None,
                seq_of.get(r.workflow_id, r.workflow_id),
                r.spec_name.replace(key, "KEY"),
                r.element_id,
                r.state,
                r.triggered,
                r.internal,
                r.data,
                r.depth,
                r.kind,
            )
            for r in rows
        ),
        "events": [
            (e.seq, e.type, e.element_id, seq_of.get(e.task_id or ""), e.job_id is not None, sorted(e.data))
            for e in events
        ],
        "instance": (instance.state, instance.version, instance.event_seq, instance.open_incidents),
        "frame_keys": sorted(json.loads(instance.frame)),
        "element_stats": [tuple(s) for s in stats],
        "step_states": [tuple(s) for s in steps],
    }


def _start(engine: Engine, key: str, body: str) -> dict[str, Any]:
    deploy_xml(engine, key, body)
    return _stored(engine, key, engine.start(key).id)


@pytest.mark.parametrize(
    "branch",
    [
        pytest.param(lambda i: f'<bpmn:task id="{i}" />', id="plain-tasks-run-through"),
        pytest.param(lambda i: f'<bpmn:userTask id="{i}" />', id="user-tasks-wait"),
    ],
)
def test_a_wide_start_stores_the_rows_spiffworkflows_own_paths_store(
    make_engine: Any, monkeypatch: pytest.MonkeyPatch, branch: Any
) -> None:
    engine: Engine = make_engine()
    body = gateway_body(400, branch)
    ours = _start(engine, "wide_ours", body)
    with monkeypatch.context() as patch:
        _spiffworkflow_paths(patch)
        theirs = _start(engine, "wide_spiff", body)
    assert ours == theirs


def test_a_five_thousand_branch_start_stores_as_many_rows_in_the_same_states_as_before(make_engine: Any) -> None:
    branches = 5000
    engine: Engine = make_engine()
    stored = _start(engine, "wide", gateway_body(branches, lambda i: f'<bpmn:task id="{i}" />'))

    # Figures of the start before the shortcuts (main at a6ec29c): every branch task and the fork,
    # a join task per branch (all but the one that fired cancelled), start, end and SpiffWorkflow's own three.
    kinds = Counter(f"{t[10]}:{t[5]}" for t in stored["tasks"])
    assert len(stored["tasks"]) == 2 * branches + 6
    assert kinds == {
        "activity:64": branches + 1,
        "gateway:256": branches - 1,
        "gateway:64": 2,
        "event:64": 1,
        "internal:64": 3,
    }
    assert [t[0] for t in stored["tasks"]] == list(range(2 * branches + 6))
    assert Counter(t[9] for t in stored["tasks"]) == {3: branches, 4: branches, 0: 1, 1: 1, 2: 1, 5: 1, 6: 1, 7: 1}
    assert Counter(e[1] for e in stored["events"]) == {
        "ActivityActivated": branches + 4,
        "ActivityCompleted": branches + 4,
        "InstanceStarted": 1,
        "InstanceCompleted": 1,
    }
    assert stored["instance"] == ("completed", 1, 2 * branches + 10, 0)
    assert len(stored["element_stats"]) == 3 * (branches + 4)
    assert stored["step_states"] == [(1, "completed", 1, 2 * branches + 10)]
