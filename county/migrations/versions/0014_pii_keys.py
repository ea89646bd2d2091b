"""Envelope encryption of personal fields: wrapped data keys, and which look-up key hashed each ID

Revision ID: 0014_pii_keys
Revises: 0006_lookup
Create Date: 2026-12-07 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_pii_keys'
down_revision = '0006_lookup'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pii_key',
        sa.Column('purpose', sa.String(length=10), nullable=False),
        sa.Column('key_no', sa.Integer(), nullable=False),
        sa.Column('wrapped', sa.Text(), nullable=False),
        sa.Column('master_id', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('purpose', 'key_no'),
    )
    op.add_column('ledger_event', sa.Column('lookup_key', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ledger_event') as batch:
        batch.drop_column('lookup_key')
    op.drop_table('pii_key')
