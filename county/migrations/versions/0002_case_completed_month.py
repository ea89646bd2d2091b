"""case.completed_month: the month a completed case earns its points in, so a statement recomputes only that month

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:55:00
"""
from alembic import op
import sqlalchemy as sa

from sync.ledger.events import parse_time
from sync.ledger.points import month_of

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

CASE = sa.table('case', sa.column('case_id', sa.String), sa.column('completed_at', sa.String),
                sa.column('completed_month', sa.String))


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_month', sa.String(length=7), nullable=True))
        batch_op.create_index('ix_case_point_month', ['point_id', 'completed_month'], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.select(CASE.c.case_id, CASE.c.completed_at).where(CASE.c.completed_at.is_not(None))).all()
    if rows:  # the same month the points statement always took: month_of(parse_time(completed_at)), China time
        bind.execute(CASE.update().where(CASE.c.case_id == sa.bindparam('key')).values(completed_month=sa.bindparam('month')),
                     [{'key': case_id, 'month': month_of(parse_time(completed_at))} for case_id, completed_at in rows])


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_point_month')
        batch_op.drop_column('completed_month')
