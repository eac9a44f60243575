"""Dry run: a model run before it is deployed, on a throwaway engine, with everything answered for it.

Every job type answers ``{}`` (unless a stub is given), timers fire at once (the
clock jumps to the next due time), user tasks are completed with their forms'
default values. The result is the path taken (elements and flows, for the
diagram), the variables at the end, and where the run stopped and why: the end,
an incident, a message or signal nobody sends, a form that has no defaults to
submit, or a timer cycle that keeps firing. Nothing is stored: the engine's
files are deleted when it ends.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.forms import FormValidationError
from steadyflow.errors import InvalidInputError
from steadyflow.testing.coverage import path_taken, shapes_of
from steadyflow.testing.harness import ProcessInstance, ProcessTest
from steadyflow.testing.mocks import JobMock

MAX_TIMER_FIRES = 50
MAX_USER_TASKS = 200


@dataclass
class Stop:
    element_id: str | None
    reason: str


@dataclass
class DryRun:
    process_id: str
    state: str
    """completed, waiting, incident or cancelled."""
    elements: list[str]
    """Elements passed or reached, in the order they were first reached."""
    flows: list[str]
    variables: dict[str, Any]
    stops: list[Stop] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What was answered on the model's behalf (user tasks, timers), in order."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dry_run(
    files: list[tuple[str, bytes]],
    variables: dict[str, Any] | None = None,
    *,
    process_id: str | None = None,
    stubs: dict[str, dict[str, Any]] | None = None,
) -> DryRun:
    """Run ``process_id`` (default: the first process of the files) to where it stops; store nothing."""
    with ProcessTest() as test:
        keys = test.deploy_files(files)
        if not keys:
            raise InvalidInputError("the files hold no process to run; add the .bpmn file that uses them")
        if process_id is None:
            process_id = keys[0]
        elif process_id not in keys:
            raise InvalidInputError(f"process '{process_id}' is not in the uploaded files; they hold {', '.join(keys)}")
        test.stub = JobMock("*").returns({})
        for job_type, answer in (stubs or {}).items():
            test.mock_job(job_type).returns(answer)
        instance = test.start(process_id, variables)
        notes: list[str] = []
        stops = _drive(test, instance, notes)
        return _result(test, instance, process_id, stops, notes)


def _drive(test: ProcessTest, instance: ProcessInstance, notes: list[str]) -> list[Stop]:
    timers_fired = 0
    for _ in range(MAX_USER_TASKS + MAX_TIMER_FIRES):
        record = test.engine.instance(instance.id)
        if record.state not in ("running", "incident") or record.open_incidents:
            return []
        stuck = _answer_user_tasks(test, instance, notes)
        if stuck is None:
            continue
        due = test.engine.next_due([])
        if due is not None and timers_fired < MAX_TIMER_FIRES:
            timers_fired += 1
            waited = max(0.0, due - test.clock.now())
            notes.append(f"fired a timer after {waited:g} s")
            test.clock.set(max(due, test.clock.now()))
            continue
        if due is not None:
            return [Stop(None, f"timers kept firing; stopped after {MAX_TIMER_FIRES} (a timer cycle without end?)")]
        return stuck
    return [Stop(None, f"stopped after answering {MAX_USER_TASKS} user tasks (a loop through a user task?)")]


def _answer_user_tasks(test: ProcessTest, instance: ProcessInstance, notes: list[str]) -> list[Stop] | None:
    """Complete the open user tasks from their form defaults; None if one was completed, else why not."""
    stops: list[Stop] = []
    for task in test.engine.user_tasks(instance.id):
        defaults = test.form_defaults(task)
        try:
            test.tasklist.complete(task["task_id"], "dry-run", defaults, any_user=True)
        except FormValidationError as exc:
            fields = "; ".join(f"{name}: {problem}" for name, problem in exc.field_errors.items())
            stops.append(Stop(task["element_id"], f"user task needs values its form has no default for ({fields})"))
            continue
        shown = ", ".join(f"{k}={v!r}" for k, v in defaults.items()) or "no fields"
        notes.append(f"completed user task {task['element_id']} with its form defaults ({shown})")
        test.run_until_idle()
        return None
    return stops


def _result(
    test: ProcessTest, instance: ProcessInstance, process_id: str, stops: list[Stop], notes: list[str]
) -> DryRun:
    snapshot = instance.snapshot()
    xml, _ = test.queries.definition_xml(test.engine.instance(instance.id).definition_id)
    shape = next(s for s in shapes_of(xml) if s.process_id == process_id)
    elements, flows = path_taken(test, instance.id, shape)
    order = list(
        dict.fromkeys(e for e in [*snapshot.activated, *snapshot.completed, *snapshot.active] if e in elements)
    )
    stops = [*stops, *_waits(test, instance, snapshot.active, {s.element_id for s in stops})]
    for incident in snapshot.open_incidents:
        stops.append(Stop(incident["element_id"], f"incident: {incident['message']}"))
    state = {"running": "waiting", "incident": "incident"}.get(snapshot.state, snapshot.state)
    if snapshot.open_incidents:
        state = "incident"
    return DryRun(process_id, state, order, sorted(flows), snapshot.variables, stops, notes)


def _waits(test: ProcessTest, instance: ProcessInstance, active: list[str], explained: set[str | None]) -> list[Stop]:
    with test.engine.db.read() as conn:
        subscriptions = test.engine.store.subscriptions(conn, instance.id)
    stops = []
    for sub in subscriptions:
        if sub.get("element_id") in explained:
            continue
        key = f" with correlation key {sub['correlation_key']!r}" if sub.get("correlation_key") else ""
        stops.append(Stop(sub.get("element_id"), f"waits for {sub.get('kind', 'message')} '{sub.get('name')}'{key}"))
    return stops
