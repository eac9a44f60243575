"""Time travel and the heatmap: per-step task-row changes, and completed activities per element.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('step_states',
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition_id', sa.String(length=255), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('first_seq', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('upserts', sa.Text(), nullable=False),
    sa.Column('deletes', sa.Text(), nullable=False),
    sa.Column('frame', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ),
    sa.PrimaryKeyConstraint('instance_id', 'version')
    )
    op.create_table('element_stats',
    sa.Column('definition_id', sa.String(length=255), nullable=False),
    sa.Column('element_id', sa.String(length=255), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('shard', sa.Integer(), nullable=False),
    sa.Column('passed', sa.BigInteger(), nullable=False),
    sa.Column('total_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['definitions.id'], ),
    sa.PrimaryKeyConstraint('definition_id', 'element_id', 'hour', 'bucket', 'shard')
    )


def downgrade() -> None:
    op.drop_table('element_stats')
    op.drop_table('step_states')
