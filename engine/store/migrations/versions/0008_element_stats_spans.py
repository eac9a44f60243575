"""The heatmap's counters per hour, day and all time (they were per hour only, too many rows to sum).

The counters kept since 0006 are dropped: they are rebuilt from completions after this revision.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('element_stats')
    op.create_table('element_stats',
    sa.Column('definition_id', sa.String(length=255), nullable=False),
    sa.Column('element_id', sa.String(length=255), nullable=False),
    sa.Column('span', sa.String(length=1), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('shard', sa.Integer(), nullable=False),
    sa.Column('passed', sa.BigInteger(), nullable=False),
    sa.Column('total_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['definitions.id'], ),
    sa.PrimaryKeyConstraint('definition_id', 'element_id', 'span', 'period', 'bucket', 'shard')
    )


def downgrade() -> None:
    op.drop_table('element_stats')
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
