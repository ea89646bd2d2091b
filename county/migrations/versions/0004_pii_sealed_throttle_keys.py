"""Personal fields sealed at rest (ledger_event.pii_sealed, id_lookup); the throttle's install and code keys

Rows already holding personal fields in clear keep them in ledger_event.pii until `suishenban-county
encrypt-pii` seals them (it needs the key, which a migration must not): docs/deployment.md.

Revision ID: 0004
Revises: 0003_months
Create Date: 2026-11-27 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003_months'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pii_sealed', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('id_lookup', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_ledger_event_id_lookup'), ['id_lookup'], unique=False)
    with op.batch_alter_table('enrol_failure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('code_key', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_enrol_failure_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrol_failure_code_key'), ['code_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enrol_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrol_failure_code_key'))
        batch_op.drop_index(batch_op.f('ix_enrol_failure_source'))
        batch_op.drop_column('code_key')
        batch_op.drop_column('source')
    with op.batch_alter_table('ledger_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_event_id_lookup'))
        batch_op.drop_column('id_lookup')
        batch_op.drop_column('pii_sealed')
