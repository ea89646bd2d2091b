"""代办点转来的咨询: a consultation relayed from a counter remembers its point and device

The answer goes back to that point on the pull feed (consult_answer). NULL for questions asked on the 专区
or typed in by the bureau.

Revision ID: 0020_consult_relay
Revises: 0016_inspections
Create Date: 2026-12-07 20:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_consult_relay'
down_revision = '0021_webhooks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('consultation', sa.Column('point_id', sa.Integer(), nullable=True))
    op.add_column('consultation', sa.Column('device_id', sa.String(32), nullable=True))
    op.create_index('ix_consultation_point_id', 'consultation', ['point_id'])


def downgrade() -> None:
    op.drop_index('ix_consultation_point_id', 'consultation')
    op.drop_column('consultation', 'device_id')
    op.drop_column('consultation', 'point_id')
