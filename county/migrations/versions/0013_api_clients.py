"""The data exchange: API clients, their calls, statuses by the client's key, the change sequence of cases

Revision ID: 0013_api_clients
Revises: 0007_department_work
Create Date: 2026-12-07 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_api_clients'
down_revision = '0007_department_work'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'api_client',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('scope_kind', sa.String(length=10), nullable=False),
        sa.Column('scope_codes', sa.JSON(), nullable=False),
        sa.Column('read_cases', sa.Boolean(), nullable=False),
        sa.Column('read_pii', sa.Boolean(), nullable=False),
        sa.Column('write_statuses', sa.Boolean(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('token_prefix', sa.String(length=12), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_table(
        'api_call',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('route', sa.String(length=40), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_api_call_client_id', 'api_call', ['client_id'])
    op.create_index('ix_api_call_at', 'api_call', ['at'])
    op.create_table(
        'exchange_status',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), sa.ForeignKey('api_client.id'), nullable=False),
        sa.Column('client_ref', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('client_id', 'client_ref', name='uq_exchange_status_ref'),
    )
    op.create_table(
        'change_counter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('case') as batch:
        batch.add_column(sa.Column('change_seq', sa.BigInteger(), nullable=True))
        batch.create_index('ix_case_change_seq', ['change_seq'])
    with op.batch_alter_table('ledger_event') as batch:
        batch.add_column(sa.Column('case_id', sa.String(length=32), nullable=True))
        batch.create_index('ix_ledger_event_case_id', ['case_id'])
    # Cases already held get their places in the sequence in the order they were recorded; their events, their case
    case_of = "body->>'case_id'" if op.get_bind().dialect.name == 'postgresql' else "json_extract(body, '$.case_id')"
    op.execute(
        f"UPDATE ledger_event SET case_id = {case_of} "
        "WHERE type IN ('case.recorded', 'case.amended', 'case.voided', 'case.completed', 'materials.sent')"
    )
    op.execute(
        'UPDATE "case" SET change_seq = ordered.n FROM (SELECT case_id AS id, '
        'row_number() OVER (ORDER BY recorded_at, case_id) AS n FROM "case") AS ordered '
        'WHERE "case".case_id = ordered.id'
    )
    op.execute('INSERT INTO change_counter (id, value) SELECT 1, COUNT(*) FROM "case"')


def downgrade() -> None:
    with op.batch_alter_table('ledger_event') as batch:
        batch.drop_index('ix_ledger_event_case_id')
        batch.drop_column('case_id')
    with op.batch_alter_table('case') as batch:
        batch.drop_index('ix_case_change_seq')
        batch.drop_column('change_seq')
    op.drop_table('change_counter')
    op.drop_table('exchange_status')
    op.drop_index('ix_api_call_at', table_name='api_call')
    op.drop_index('ix_api_call_client_id', table_name='api_call')
    op.drop_table('api_call')
    op.drop_table('api_client')
