"""Return mailings handed over at the counter: 已到代办点 and 已交群众 (who took it, the day, the signed slip)

Revision ID: 0023_handed_over
Revises: 0016_inspections
Create Date: 2026-12-07 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_handed_over'
down_revision = '0020_consult_relay'
branch_labels = None
depends_on = None

COLUMNS = ('arrived_at', 'handed_at', 'handed_date', 'receiver', 'handed_event_id', 'signed')


def upgrade() -> None:
    op.add_column('return_mailing', sa.Column('arrived_at', sa.String(length=40), nullable=True))
    op.add_column('return_mailing', sa.Column('handed_at', sa.String(length=40), nullable=True))
    op.add_column('return_mailing', sa.Column('handed_date', sa.String(length=10), nullable=True))
    op.add_column('return_mailing', sa.Column('receiver', sa.String(length=10), nullable=True))
    op.add_column('return_mailing', sa.Column('handed_event_id', sa.String(length=32), nullable=True))
    op.add_column('return_mailing', sa.Column('signed', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('return_mailing') as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
