"""The heatmap's counters by (definition, span, period): a window finds its days and hours directly.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:55:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('element_stats', schema=None) as batch_op:
        batch_op.create_index('ix_element_stats_span', ['definition_id', 'span', 'period'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('element_stats', schema=None) as batch_op:
        batch_op.drop_index('ix_element_stats_span')
