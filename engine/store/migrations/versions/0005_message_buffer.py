"""Buffered messages: Camunda 8 publications kept for their time to live.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('message_buffer',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('correlation_key', sa.String(length=255), nullable=True),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('dedupe', sa.String(length=64), nullable=True),
    sa.Column('variables', sa.Text(), nullable=False),
    sa.Column('published_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe', name='uq_message_buffer_dedupe')
    )
    with op.batch_alter_table('message_buffer', schema=None) as batch_op:
        batch_op.create_index('ix_message_buffer_expiry', ['expires_at'], unique=False)
        batch_op.create_index('ix_message_buffer_lookup', ['name', 'correlation_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message_buffer', schema=None) as batch_op:
        batch_op.drop_index('ix_message_buffer_lookup')
        batch_op.drop_index('ix_message_buffer_expiry')

    op.drop_table('message_buffer')
