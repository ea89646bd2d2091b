"""Webhook signing secrets sealed at rest (api_client.webhook_secret_sealed)

The secrets already set stay in api_client.webhook_secret until the next process that opens the key ring seals
them and empties that column (county/services/pii_keys.py, seal_clear_webhook_secrets): a migration never holds
the personal-data key. Downgrading drops the sealed column: every client with a webhook then needs a new secret.

Revision ID: 0026_webhook_secret
Revises: 0025_statements
Create Date: 2026-12-07 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_webhook_secret'
down_revision = '0025_statements'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # api_client is referenced by other tables: plain ADD COLUMN, no batch copy on SQLite
    op.add_column('api_client', sa.Column('webhook_secret_sealed', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('api_client', 'webhook_secret_sealed')  # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+)
