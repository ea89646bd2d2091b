"""The 专区 directory: a point's village, address, hours and phone, and its consent to publish the phone

Revision ID: 0009_zhuanqu_pages
Revises: 0014_pii_keys
Create Date: 2026-12-07 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_zhuanqu_pages'
down_revision = '0014_pii_keys'
branch_labels = None
depends_on = None

COLUMNS = (
    ('village', sa.String(length=40)),
    ('address', sa.String(length=120)),
    ('hours', sa.String(length=60)),
    ('phone', sa.String(length=20)),
)


def upgrade() -> None:
    # plain ADD COLUMN (SQLite too): a batch copy of `point` would have to drop a table accounts refer to
    for name, kind in COLUMNS:
        op.add_column('point', sa.Column(name, kind, nullable=False, server_default=''))
    op.add_column('point', sa.Column('phone_public', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('point') as batch:
        for name in ('phone_public', *(name for name, _kind in reversed(COLUMNS))):
            batch.drop_column(name)
