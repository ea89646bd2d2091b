"""Webhook notifications of API clients (outbox, delivery log); retired token hashes for the call log

Revision ID: 0021_webhooks
Revises: 0016_inspections
Create Date: 2026-12-07 20:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_webhooks'
down_revision = '0022_stats_aggregates'
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    # api_client is referenced by other tables: plain add_column, no batch copy on SQLite
    op.add_column('api_client', sa.Column('webhook_url', sa.String(500), nullable=True))
    op.add_column('api_client', sa.Column('webhook_secret', sa.String(64), nullable=True))
    op.add_column('api_client', sa.Column('webhook_set_at', WHEN, nullable=True))
    op.create_table(
        'api_retired_token',
        sa.Column('token_hash', sa.String(64), primary_key=True),
        sa.Column('client_id', sa.Integer(), sa.ForeignKey('api_client.id'), nullable=False),
        sa.Column('retired_at', WHEN, nullable=False),
    )
    op.create_index('ix_api_retired_token_client_id', 'api_retired_token', ['client_id'])
    op.create_table(
        'webhook_outbox',
        sa.Column('client_id', sa.Integer(), sa.ForeignKey('api_client.id'), primary_key=True),
        sa.Column('state', sa.String(10), nullable=False),
        sa.Column('change_seq', sa.BigInteger(), nullable=False),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', WHEN, nullable=True),
        sa.Column('claimed_by', sa.String(40), nullable=True),
        sa.Column('claimed_until', WHEN, nullable=True),
        sa.Column('delivered_seq', sa.BigInteger(), nullable=False),
        sa.Column('delivered_at', WHEN, nullable=True),
        sa.Column('last_error', sa.String(200), nullable=True),
    )
    op.create_table(
        'webhook_delivery',
        sa.Column('id', BIG_ID, primary_key=True),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('change_seq', sa.BigInteger(), nullable=False),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(10), nullable=False),
        sa.Column('http_status', sa.Integer(), nullable=True),
        sa.Column('error', sa.String(200), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('worker', sa.String(40), nullable=False),
        sa.Column('at', WHEN, nullable=False),
    )
    op.create_index('ix_webhook_delivery_client_id', 'webhook_delivery', ['client_id'])
    op.create_index('ix_webhook_delivery_at', 'webhook_delivery', ['at'])


def downgrade() -> None:
    op.drop_index('ix_webhook_delivery_at', table_name='webhook_delivery')
    op.drop_index('ix_webhook_delivery_client_id', table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_outbox')
    op.drop_index('ix_api_retired_token_client_id', table_name='api_retired_token')
    op.drop_table('api_retired_token')
    for column in ('webhook_set_at', 'webhook_secret', 'webhook_url'):
        op.drop_column('api_client', column)  # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+)
