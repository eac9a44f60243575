"""Triggers of instance steps: start, edit variables, cancel, retry incidents, timers, user tasks, messages.

Each builder returns the trigger of one step (see ``engine.step_core``): it changes
the workflow and adds intents; it writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from engine import history
from engine.intents import JobUpdate, TimerRelease
from engine.message_once import MessageOnce
from engine.spiff.events import catch_start_event, deliver
from engine.spiff.runtime import (
    fire_due_timers,
    retry_failed_task,
    set_start_variables,
    user_task,
    waiting,
)
from engine.spiff.variable_scopes import set_process_variables, set_task_local_variables, set_task_variables
from engine.step_core import StepContext, resolve_incident
from steadyflow.errors import ConflictError


def start(
    definition_id: str,
    values: dict[str, Any],
    business_key: str | None,
    via: tuple[str, str] | None,
    once: MessageOnce | None = None,
) -> Callable[[StepContext], None]:
    """The first step of a new instance; ``via`` = (kind, name) of the start event it came by."""

    def trigger(ctx: StepContext) -> None:
        if once is not None:
            once.check(ctx)
            once.record(ctx, {"instance_id": ctx.instance.id, "element_id": None, "started": True})
        set_start_variables(ctx.workflow, values)
        ctx.record(history.instance_started(definition_id, business_key, values, via))
        if via is not None:
            catch_start_event(ctx.workflow, via[0], via[1], values)

    return trigger


def set_variables(values: dict[str, Any]) -> Callable[[StepContext], None]:
    def trigger(ctx: StepContext) -> None:
        if ctx.instance.state != "running":
            raise ConflictError(f"instance {ctx.instance.id} is {ctx.instance.state}; only running instances change")
        set_process_variables(ctx.workflow, values)  # then advance: a conditional event may fire now
        ctx.record(history.variables_changed(values))

    return trigger


def set_user_task_variables(
    task_id: str, values: dict[str, Any], *, local: bool = False
) -> Callable[[StepContext], None]:
    """Set variables from an open user task's context, each in the nearest scope holding it (else the process).

    ``local``: all in the task's own scope (a new name becomes the task's own variable). History
    records each scope's values apart: a local edit names its element instance.
    """

    def trigger(ctx: StepContext) -> None:
        if ctx.instance.state != "running":
            raise ConflictError(f"instance {ctx.instance.id} is {ctx.instance.state}; only running instances change")
        if local:
            writes = [set_task_local_variables(ctx.workflow, task_id, values)]
        else:
            writes = set_task_variables(ctx.workflow, task_id, values)
        for write in writes:
            ctx.record(history.variables_changed(write.values, write.element_id, write.task_id))

    return trigger


def cancel(reason: str | None) -> Callable[[StepContext], None]:
    def trigger(ctx: StepContext) -> None:
        if ctx.instance.state != "running":
            raise ConflictError(
                f"instance {ctx.instance.id} is {ctx.instance.state}; only running instances can be cancelled"
            )
        ctx.advance = False
        ctx.workflow.cancel()
        ctx.final_state = "cancelled"
        for incident in ctx.reads.open_incidents(ctx.instance.id):
            resolve_incident(ctx, incident, record=False)  # the cancellation says why they closed
        ctx.record(history.instance_cancelled(reason))

    return trigger


def retry(retries: int) -> Callable[[StepContext], int]:
    """Resolve every open incident and run the failed work again; the trigger returns how many."""

    def trigger(ctx: StepContext) -> int:
        open_incidents = ctx.reads.open_incidents(ctx.instance.id)
        if not open_incidents:
            raise ConflictError(f"instance {ctx.instance.id} has no open incident to retry")
        for incident in open_incidents:
            if incident.job_id is not None:
                values = {
                    "state": "ready",
                    "retries_left": retries,
                    "due_at": ctx.now,
                    "lock_owner": None,
                    "lock_expires_at": None,
                }
                ctx.add(JobUpdate(incident.job_id, values))
            else:
                retry_failed_task(ctx.workflow, incident.task_id)
            resolve_incident(ctx, incident, resolution=f"retried by an operator, {retries} more attempt(s)")
        ctx.jobs_created = True
        return len(open_incidents)

    return trigger


def fire_timer(timer_id: str) -> Callable[[StepContext], None]:
    """A claimed timer is due: fire it, or give it back if its task no longer waits on it."""

    def trigger(ctx: StepContext) -> None:
        task = ctx.workflow.get_task_from_id(UUID(timer_id))
        fire_due_timers(ctx.workflow)
        if task is None or not waiting(task):
            ctx.record(history.timer_fired(getattr(task.task_spec, "bpmn_id", None) if task else None, timer_id))
        else:
            ctx.add(TimerRelease(timer_id))

    return trigger


def complete_user_task(task_id: str, values: dict[str, Any]) -> Callable[[StepContext], None]:
    def trigger(ctx: StepContext) -> None:
        task = user_task(ctx.workflow, task_id)
        task.data.update(values)
        task.run()
        ctx.record(history.user_task_completed(task.task_spec.bpmn_id, task_id, values))

    return trigger


def deliver_event(
    candidate: dict[str, Any], kind: str, name: str, values: dict[str, Any], once: MessageOnce | None
) -> Callable[[StepContext], bool]:
    """A message or signal reaches the waiting task of ``candidate`` (a subscription row); True if caught."""
    message_id = once.message_id if once is not None else None

    def trigger(ctx: StepContext) -> bool:
        if once is not None:
            once.check(ctx)
        caught = deliver(ctx.workflow, candidate["task_id"], kind, name, values)
        if caught:
            ctx.record(
                history.event_caught(kind, candidate["element_id"], candidate["task_id"], name, message_id, values)
            )
            if once is not None:
                once.record(ctx, delivered_entry(candidate))
        else:
            ctx.advance = False
        return caught

    return trigger


def delivered_entry(candidate: dict[str, Any]) -> dict[str, Any]:
    """What a correlation answers for a delivery to ``candidate``."""
    return {"instance_id": candidate["instance_id"], "element_id": candidate["element_id"], "started": False}
