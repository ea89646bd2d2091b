"""Inspections (督查) with findings and photos; point revocations (撤销) and exactly what each one cancelled

Revision ID: 0016_inspections
Revises: 0012_bench_indexes
Create Date: 2026-12-07 19:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_inspections'
down_revision = '0019_flowcharts'
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'inspection',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('point_id', sa.Integer(), sa.ForeignKey('point.id'), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('inspected_on', sa.Date(), nullable=False),
        sa.Column('inspector', sa.String(40), nullable=False),
        sa.Column('checklist', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(60), nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
    )
    op.create_index('ix_inspection_point_id', 'inspection', ['point_id'])
    op.create_table(
        'inspection_finding',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('inspection_id', sa.Integer(), sa.ForeignKey('inspection.id'), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('severity', sa.String(10), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('fix_required', sa.Text(), nullable=False),
        sa.Column('fix_days', sa.Integer(), nullable=False),
        sa.Column('fix_due', sa.Date(), nullable=False),
        sa.Column('fixed_on', sa.Date(), nullable=True),
        sa.Column('fix_note', sa.Text(), nullable=True),
        sa.Column('fixed_by', sa.String(60), nullable=True),
    )
    op.create_index('ix_inspection_finding_inspection_id', 'inspection_finding', ['inspection_id'])
    op.create_index('ix_inspection_finding_open', 'inspection_finding', ['point_id', 'severity', 'fixed_on'])
    op.create_table(
        'inspection_photo',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('inspection_id', sa.Integer(), sa.ForeignKey('inspection.id'), nullable=False),
        sa.Column('content_type', sa.String(20), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
    )
    op.create_index('ix_inspection_photo_inspection_id', 'inspection_photo', ['inspection_id'])
    op.create_table(
        'point_revocation',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('point_id', sa.Integer(), sa.ForeignKey('point.id'), nullable=False),
        sa.Column('finding_id', sa.Integer(), sa.ForeignKey('inspection_finding.id'), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('clawback_from', sa.Date(), nullable=True),
        sa.Column('revoked_by', sa.String(60), nullable=False),
        sa.Column('revoked_at', WHEN, nullable=False),
        sa.Column('reinstated_at', WHEN, nullable=True),
        sa.Column('reinstated_by', sa.String(60), nullable=True),
        sa.Column('reinstate_reason', sa.Text(), nullable=True),
    )
    op.create_index('ix_point_revocation_point_id', 'point_revocation', ['point_id'])
    op.create_table(
        'revocation_item',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('revocation_id', sa.Integer(), sa.ForeignKey('point_revocation.id'), nullable=False),
        sa.Column('kind', sa.String(10), nullable=False),
        sa.Column('ref', sa.String(32), nullable=False),
        sa.Column('superseded', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.UniqueConstraint('revocation_id', 'kind', 'ref', name='uq_revocation_item'),
    )
    op.create_index('ix_revocation_item_ref', 'revocation_item', ['kind', 'ref'])


def downgrade() -> None:
    op.drop_index('ix_revocation_item_ref', table_name='revocation_item')
    op.drop_table('revocation_item')
    op.drop_index('ix_point_revocation_point_id', table_name='point_revocation')
    op.drop_table('point_revocation')
    op.drop_index('ix_inspection_photo_inspection_id', table_name='inspection_photo')
    op.drop_table('inspection_photo')
    op.drop_index('ix_inspection_finding_open', table_name='inspection_finding')
    op.drop_index('ix_inspection_finding_inspection_id', table_name='inspection_finding')
    op.drop_table('inspection_finding')
    op.drop_index('ix_inspection_point_id', table_name='inspection')
    op.drop_table('inspection')
