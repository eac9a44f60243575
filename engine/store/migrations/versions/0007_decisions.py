"""DMN decisions: versioned decision definitions and the history of their evaluations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('decision_definitions',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('deployment_id', sa.String(length=64), nullable=False),
    sa.Column('xml_sha256', sa.String(length=64), nullable=False),
    sa.Column('drg_id', sa.String(length=255), nullable=False),
    sa.Column('deployed_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['deployment_id'], ['deployments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', 'version', name='uq_decision_definitions_key_version')
    )
    op.create_table('decision_evaluations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('decision_definition_id', sa.String(length=255), nullable=False),
    sa.Column('decision_key', sa.String(length=255), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=True),
    sa.Column('element_id', sa.String(length=255), nullable=True),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('event_seq', sa.Integer(), nullable=True),
    sa.Column('evaluated_at', sa.Float(), nullable=False),
    sa.Column('record', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decision_definition_id'], ['decision_definitions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_decision_evaluations_key', 'decision_evaluations', ['decision_key', 'evaluated_at'], unique=False)
    op.create_index('ix_decision_evaluations_instance', 'decision_evaluations', ['instance_id', 'event_seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_decision_evaluations_instance', table_name='decision_evaluations')
    op.drop_index('ix_decision_evaluations_key', table_name='decision_evaluations')
    op.drop_table('decision_evaluations')
    op.drop_table('decision_definitions')
