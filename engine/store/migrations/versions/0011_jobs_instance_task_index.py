"""Jobs found by (instance, task): the index on instance_id alone becomes one on (instance_id, task_id).

A step that completes or cancels tasks of a wide fan-out deletes and reads jobs by
instance and task (``hot.DELETE_JOBS_OF_TASK``, ``hot.JOBS_OF_TASKS``); with only
the instance in the index each of those scanned every job of the instance, so a
10,000-item multi-instance grew quadratic. The composite index still serves the
queries by instance alone (its leading column).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_instance_task', ['instance_id', 'task_id'], unique=False)
        batch_op.drop_index('ix_jobs_instance')


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_instance', ['instance_id'], unique=False)
        batch_op.drop_index('ix_jobs_instance_task')
