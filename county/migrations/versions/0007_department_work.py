"""The department's work: who signed for a case's materials and when (材料已签收), and return mailings (部门回寄)

Revision ID: 0007_department_work
Revises: 0011_settlement
Create Date: 2026-12-07 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_department_work'
down_revision = '0011_settlement'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case') as batch:
        batch.add_column(sa.Column('materials_signed_at', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('materials_signed_by', sa.String(length=60), nullable=True))
    op.create_table(
        'return_mailing',
        sa.Column('mailing_id', sa.String(length=32), nullable=False),
        sa.Column('case_id', sa.String(length=32), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('unit_code', sa.String(length=20), nullable=False),
        sa.Column('tracking_no', sa.String(length=40), nullable=False),
        sa.Column('contents', sa.String(length=200), nullable=False),
        sa.Column('mailed_at', sa.String(length=40), nullable=False),
        sa.Column('actor', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('mailing_id'),
    )
    op.create_index('ix_return_mailing_case_id', 'return_mailing', ['case_id'])


def downgrade() -> None:
    op.drop_index('ix_return_mailing_case_id', table_name='return_mailing')
    op.drop_table('return_mailing')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('materials_signed_by')
        batch.drop_column('materials_signed_at')
