"""解除暂缓: the bureau releases a point's hold in one draft settlement, with a reason shown on its line

Revision ID: 0028_settlement_release
Revises: 0027_running_aggregates
Create Date: 2026-12-07 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0028_settlement_release'
down_revision = '0027_running_aggregates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'settlement_release',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('settlement_id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('held_for', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('released_by', sa.String(length=60), nullable=False),
        sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['settlement_id'], ['settlement.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('settlement_id', 'point_id', name='uq_settlement_release_point'),
    )
    op.create_index('ix_settlement_release_settlement_id', 'settlement_release', ['settlement_id'])
    op.add_column('settlement_line', sa.Column('hold_released', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('settlement_line') as batch:
        batch.drop_column('hold_released')
    op.drop_index('ix_settlement_release_settlement_id', table_name='settlement_release')
    op.drop_table('settlement_release')
