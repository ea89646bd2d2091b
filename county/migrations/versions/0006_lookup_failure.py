"""The public case lookup's throttle: wrong check codes per client address and per receipt number

Revision ID: 0006_lookup
Revises: 0005_console
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_lookup'
down_revision = '0005_console'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lookup_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('receipt_key', sa.String(length=32), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_lookup_failure_receipt_key', 'lookup_failure', ['receipt_key'])
    op.create_index('ix_lookup_failure_client', 'lookup_failure', ['client'])
    op.create_index('ix_lookup_failure_at', 'lookup_failure', ['at'])


def downgrade() -> None:
    op.drop_index('ix_lookup_failure_at', table_name='lookup_failure')
    op.drop_index('ix_lookup_failure_client', table_name='lookup_failure')
    op.drop_index('ix_lookup_failure_receipt_key', table_name='lookup_failure')
    op.drop_table('lookup_failure')
