"""Camunda 8 keys: a 64-bit integer per row a /v2 client has seen.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('c8_keys',
    sa.Column('key', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('row_id', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('key'),
    sa.UniqueConstraint('kind', 'row_id', name='uq_c8_keys_row'),
    sqlite_autoincrement=True
    )


def downgrade() -> None:
    op.drop_table('c8_keys')
