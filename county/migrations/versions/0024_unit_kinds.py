"""Service units of three kinds: the members of a helper team (帮代办队伍成员) and an outlet's activity days (活动日)

Revision ID: 0024_unit_kinds
Revises: 0018_evidence_images
Create Date: 2026-12-07 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_unit_kinds'
down_revision = '0023_handed_over'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'team_member',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('covers', sa.String(length=120), nullable=False),
        sa.Column('added_by', sa.String(length=60), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['point_id'], ['point.id']),
        sa.PrimaryKeyConstraint('account_id'),
    )
    op.create_index('ix_team_member_point_id', 'team_member', ['point_id'], unique=False)
    op.create_table(
        'activity_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=True),
        sa.Column('on_date', sa.Date(), nullable=True),
        sa.Column('starts', sa.String(length=5), nullable=False),
        sa.Column('ends', sa.String(length=5), nullable=False),
        sa.Column('place', sa.String(length=60), nullable=False),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['point_id'], ['point.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_activity_day_point_id', 'activity_day', ['point_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_activity_day_point_id', table_name='activity_day')
    op.drop_table('activity_day')
    op.drop_index('ix_team_member_point_id', table_name='team_member')
    op.drop_table('team_member')
