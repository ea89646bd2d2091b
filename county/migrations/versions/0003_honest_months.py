"""honest months: the county credits each completion by its own clock; batches' clock skew; one name per point

Revision ID: 0003_months
Revises: 0002
Create Date: 2026-12-07 13:30:00

Cases completed before this revision keep the month they had: credited_at is their completion time and
credit_month their completion month. Two accounts of one point with the same name, if any, are told apart
by their account number (王秀英（账号 7）) before the unique constraint is added, and the renaming is audited.
"""
from alembic import op
import sqlalchemy as sa

revision = '0003_months'
down_revision = '0002'
branch_labels = None
depends_on = None

CASE = sa.table('case', sa.column('case_id', sa.String), sa.column('completed_at', sa.String),
                sa.column('completed_month', sa.String), sa.column('credited_at', sa.String),
                sa.column('credit_month', sa.String))
ACCOUNT = sa.table('account', sa.column('id', sa.Integer), sa.column('point_id', sa.Integer),
                   sa.column('name', sa.String), sa.column('created_at', sa.DateTime(timezone=True)))
AUDIT = sa.table('audit_log', sa.column('actor', sa.String), sa.column('action', sa.String),
                 sa.column('target', sa.String), sa.column('detail', sa.JSON),
                 sa.column('at', sa.DateTime(timezone=True)))


def _tell_apart_same_names(bind) -> None:
    """Rename every account but the first of a name within its point, so the unique constraint can be added."""
    seen: set[tuple[int, str]] = set()
    for account_id, point_id, name, created_at in bind.execute(
            sa.select(ACCOUNT.c.id, ACCOUNT.c.point_id, ACCOUNT.c.name, ACCOUNT.c.created_at).order_by(ACCOUNT.c.id)):
        if (point_id, name) not in seen:
            seen.add((point_id, name))
            continue
        renamed = f"{name}（账号 {account_id}）"
        bind.execute(ACCOUNT.update().where(ACCOUNT.c.id == account_id).values(name=renamed))
        bind.execute(AUDIT.insert().values(actor='migration:0003', action='account.rename',
                                           target=f'account:{account_id}', detail={'reason': 'same name in one point'},
                                           at=created_at))


def upgrade() -> None:
    bind = op.get_bind()
    _tell_apart_same_names(bind)
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_account_point_name', ['point_id', 'name'])
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_skew_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('clock_wrong', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credited_at', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('credit_month', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('credit_flag', sa.String(length=20), nullable=True))
        batch_op.drop_index('ix_case_point_month')
        batch_op.create_index('ix_case_point_credit_month', ['point_id', 'credit_month'], unique=False)
        batch_op.create_index('ix_case_point_flag', ['point_id', 'credit_flag'], unique=False)
    bind.execute(CASE.update().where(CASE.c.completed_at.is_not(None))
                 .values(credited_at=CASE.c.completed_at, credit_month=CASE.c.completed_month))
    op.create_table('month_extension',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('point_id', sa.Integer(), nullable=False),
                    sa.Column('month', sa.String(length=7), nullable=False),
                    sa.Column('until_date', sa.String(length=10), nullable=False),
                    sa.Column('reason', sa.Text(), nullable=False),
                    sa.Column('actor', sa.String(length=60), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.ForeignKeyConstraint(['point_id'], ['point.id']),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('point_id', 'month', name='uq_extension_point_month'))
    op.create_table('sync_batch',
                    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
                    sa.Column('device_id', sa.String(length=32), nullable=False),
                    sa.Column('point_id', sa.Integer(), nullable=False),
                    sa.Column('source', sa.String(length=10), nullable=False),
                    sa.Column('from_seq', sa.BigInteger(), nullable=False),
                    sa.Column('event_count', sa.Integer(), nullable=False),
                    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('device_time', sa.String(length=40), nullable=True),
                    sa.Column('skew_seconds', sa.Integer(), nullable=True),
                    sa.Column('late', sa.Integer(), nullable=False),
                    sa.Column('unpaid', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('sync_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_batch_device_id'), ['device_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sync_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_batch_device_id'))
    op.drop_table('sync_batch')
    op.drop_table('month_extension')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_point_flag')
        batch_op.drop_index('ix_case_point_credit_month')
        batch_op.create_index('ix_case_point_month', ['point_id', 'completed_month'], unique=False)
        batch_op.drop_column('credit_flag')
        batch_op.drop_column('credit_month')
        batch_op.drop_column('credited_at')
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('clock_wrong')
        batch_op.drop_column('clock_skew_seconds')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_account_point_name', type_='unique')
