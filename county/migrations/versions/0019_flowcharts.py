"""Flowcharts (流程图) the item's department enters beside its guide

An item's flowchart steps (who does what, how long) as the bureau or the department typed them, kept with the
guide and approved with it. NULL: nobody entered one, the shipped sample is shown marked 示例.

Revision ID: 0019_flowcharts
Revises: 0012_bench_indexes
Create Date: 2026-12-07 19:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_flowcharts'
down_revision = '0012_bench_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('guide', sa.Column('steps', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('guide') as batch:
        batch.drop_column('steps')
