"""A process definition's version tag (camunda:versionTag, zeebe:versionTag), for versionTag call bindings.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_tag', sa.String(length=255), nullable=True))
        batch_op.create_index('ix_definitions_key_tag', ['key', 'version_tag'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.drop_index('ix_definitions_key_tag')
        batch_op.drop_column('version_tag')
