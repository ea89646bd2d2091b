"""Quarterly settlement (季度结算): versions, lines per point, per-case awards, clawbacks, hand-outs

Revision ID: 0011_settlement
Revises: 0008_bureau_audit
Create Date: 2026-12-07 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_settlement'
down_revision = '0008_bureau_audit'
branch_labels = None
depends_on = None

MONEY = sa.String(length=20)


def upgrade() -> None:
    op.create_table(
        'settlement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('point_value', MONEY, nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_by', sa.String(length=60), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('quarter', 'version', name='uq_settlement_quarter_version'),
    )
    op.create_table(
        'settlement_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('settlement_id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('point_code', sa.String(length=4), nullable=False),
        sa.Column('point_name', sa.String(length=60), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('township_name', sa.String(length=40), nullable=False),
        sa.Column('months', sa.JSON(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('gross', MONEY, nullable=False),
        sa.Column('released', MONEY, nullable=False),
        sa.Column('clawback', MONEY, nullable=False),
        sa.Column('owed_in', MONEY, nullable=False),
        sa.Column('payout', MONEY, nullable=False),
        sa.Column('owed_out', MONEY, nullable=False),
        sa.Column('held_out', MONEY, nullable=False),
        sa.Column('hold_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['settlement_id'], ['settlement.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('settlement_id', 'point_id', name='uq_settlement_line_point'),
    )
    op.create_index('ix_settlement_line_settlement_id', 'settlement_line', ['settlement_id'])
    op.create_index('ix_settlement_line_township_id', 'settlement_line', ['township_id'])
    op.create_index('ix_settlement_line_point_id', 'settlement_line', ['point_id'])
    op.create_table(
        'settlement_award',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('settlement_id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.String(length=32), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['settlement_id'], ['settlement.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_settlement_award_settlement_id', 'settlement_award', ['settlement_id'])
    op.create_index('ix_settlement_award_case_id', 'settlement_award', ['case_id'])
    op.create_table(
        'settlement_clawback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('settlement_id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.String(length=32), nullable=False),
        sa.Column('receipt_no', sa.String(length=24), nullable=False),
        sa.Column('paid_quarter', sa.String(length=7), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('point_value', MONEY, nullable=False),
        sa.Column('amount', MONEY, nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['settlement_id'], ['settlement.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_settlement_clawback_settlement_id', 'settlement_clawback', ['settlement_id'])
    op.create_index('ix_settlement_clawback_case_id', 'settlement_clawback', ['case_id'])
    op.create_table(
        'settlement_handout',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=False),
        sa.Column('handed_on', sa.String(length=10), nullable=False),
        sa.Column('receiver', sa.String(length=40), nullable=False),
        sa.Column('recorded_by', sa.String(length=60), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['line_id'], ['settlement_line.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('line_id'),
    )


def downgrade() -> None:
    op.drop_table('settlement_handout')
    op.drop_index('ix_settlement_clawback_case_id', table_name='settlement_clawback')
    op.drop_index('ix_settlement_clawback_settlement_id', table_name='settlement_clawback')
    op.drop_table('settlement_clawback')
    op.drop_index('ix_settlement_award_case_id', table_name='settlement_award')
    op.drop_index('ix_settlement_award_settlement_id', table_name='settlement_award')
    op.drop_table('settlement_award')
    op.drop_index('ix_settlement_line_point_id', table_name='settlement_line')
    op.drop_index('ix_settlement_line_township_id', table_name='settlement_line')
    op.drop_index('ix_settlement_line_settlement_id', table_name='settlement_line')
    op.drop_table('settlement_line')
    op.drop_table('settlement')
