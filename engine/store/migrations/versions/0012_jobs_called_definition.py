"""A job of a called child names the child's definition (``jobs.called_definition_id``; NULL: the instance's own).

A call activity's child runs inside the caller's instance, so its jobs are jobs of the caller's
instance; external-task and /v2 job clients still see, and filter by, the child's definition, as
Camunda shows a called instance's jobs. Jobs already open are filled in from their instance's
frame: the workflow a job's task runs in is a called child's when the frame keys that subprocess
under a definition id (``<definition id>`` or ``<definition id>/<subprocess>``; see
``engine.spiff.children``), which is what the engine records for new jobs.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 10:00:00.000000
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("called_definition_id", sa.String(length=255), nullable=True))
    _fill_in_open_jobs(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("called_definition_id")


def _fill_in_open_jobs(conn: sa.Connection) -> None:
    found = conn.execute(
        sa.text(
            "SELECT j.id, j.instance_id, k.workflow_id FROM jobs j "
            "JOIN tasks k ON k.instance_id = j.instance_id AND k.id = j.task_id"
        )
    ).all()
    by_instance: dict[str, list[tuple[str, str]]] = {}
    for job_id, instance_id, workflow_id in found:
        by_instance.setdefault(str(instance_id), []).append((str(job_id), str(workflow_id or "")))
    for instance_id, jobs in by_instance.items():
        frame_text = conn.execute(sa.text("SELECT frame FROM instances WHERE id = :id"), {"id": instance_id}).scalar()
        called = _called_workflows(frame_text)
        for job_id, workflow_id in jobs:
            if workflow_id in called:
                conn.execute(
                    sa.text("UPDATE jobs SET called_definition_id = :definition WHERE id = :id"),
                    {"definition": called[workflow_id], "id": job_id},
                )


def _called_workflows(frame_text: Any) -> dict[str, str]:
    """Workflow (owner task) id -> the called definition it runs, from an instance's frame."""
    try:
        frame = json.loads(frame_text) if frame_text else {}
    except ValueError:
        return {}
    subprocesses = frame.get("subprocesses") if isinstance(frame, dict) else None
    called = {}
    for workflow_id, sub in (subprocesses or {}).items():
        key = str(sub.get("spec", "")) if isinstance(sub, dict) else ""
        if ":" in key:  # definition ids hold ':', element ids never do
            called[str(workflow_id)] = key.split("/", 1)[0]
    return called
