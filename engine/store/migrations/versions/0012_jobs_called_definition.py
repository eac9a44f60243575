"""A job of a called child names the child's definition (``jobs.called_definition_id``; NULL: the instance's own).

A call activity's child runs inside the caller's instance, so its jobs are jobs of the caller's
instance; external-task and /v2 job clients still see, and filter by, the child's definition, as
Camunda shows a called instance's jobs. Jobs already open are filled in from their instance's
frame: the workflow a job's task runs in is a called child's when the frame keys that subprocess
under a definition id (``<definition id>`` or ``<definition id>/<subprocess>``; see
``engine.spiff.children``), which is what the engine records for new jobs. ADD COLUMN holds the
jobs table's lock until commit, so the fill reads only jobs whose task runs in a subprocess (a
top-level task's ``workflow_id`` is ''), the frames of their instances in chunks, and writes with
one executemany. ``ix_jobs_called_definition`` (partial: non-NULL) serves definition filters.

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
    # After the fill: a partial index holds only the (few) called children's jobs.
    op.create_index(
        "ix_jobs_called_definition",
        "jobs",
        ["called_definition_id"],
        unique=False,
        postgresql_where=sa.text("called_definition_id IS NOT NULL"),
        sqlite_where=sa.text("called_definition_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_called_definition", table_name="jobs")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("called_definition_id")


FRAME_CHUNK = 500
"""Instances whose frames one SELECT reads."""


def _fill_in_open_jobs(conn: sa.Connection) -> None:
    # ADD COLUMN holds the jobs table's lock until commit: the fill reads and writes only what it must.
    # Only a job whose task runs in a subprocess can be a called child's: a top-level task's
    # workflow_id is '' (``engine.spiff.checkpoint.iter_tasks``, ever since the first schema).
    found = conn.execute(
        sa.text(
            "SELECT j.id, j.instance_id, k.workflow_id FROM jobs j "
            "JOIN tasks k ON k.instance_id = j.instance_id AND k.id = j.task_id "
            "WHERE k.workflow_id <> ''"
        )
    ).all()
    by_instance: dict[str, list[tuple[str, str]]] = {}
    for job_id, instance_id, workflow_id in found:
        by_instance.setdefault(str(instance_id), []).append((str(job_id), str(workflow_id)))
    frames = sa.text("SELECT id, frame FROM instances WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True))
    instance_ids = list(by_instance)
    updates: list[dict[str, str]] = []
    for start in range(0, len(instance_ids), FRAME_CHUNK):
        for instance_id, frame_text in conn.execute(frames, {"ids": instance_ids[start : start + FRAME_CHUNK]}):
            called = _called_workflows(frame_text)
            for job_id, workflow_id in by_instance[str(instance_id)]:
                if workflow_id in called:
                    updates.append({"definition": called[workflow_id], "id": job_id})
    if updates:
        conn.execute(sa.text("UPDATE jobs SET called_definition_id = :definition WHERE id = :id"), updates)


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
