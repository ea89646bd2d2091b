"""The bureau's console: the hash-chained audit log, items offered per township, guides, the out-of-township flag

Revision ID: 0008_bureau_audit
Revises: 0010_consultations
Create Date: 2026-12-07 16:30:00

Existing audit rows are chained in id order, so the chain starts with the first row ever written.
"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = '0008_bureau_audit'
down_revision = '0010_consultations'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _hash(row, seq: int, prev: str) -> str:
    """The same canonical form as county/services/audit_chain.row_hash (kept here as it was at this revision)."""
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
    detail = json.loads(row.detail) if isinstance(row.detail, str) else row.detail
    body = {
        "seq": seq,
        "prev_hash": prev,
        "actor": row.actor,
        "action": row.action,
        "target": row.target,
        "detail": detail,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "role": row.role,
        "ip": row.ip,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_audit_log_seq', ['seq'])
    op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    audit = sa.table(
        'audit_log',
        sa.column('id', sa.Integer()),
        sa.column('actor', sa.String()),
        sa.column('action', sa.String()),
        sa.column('target', sa.String()),
        sa.column('detail', sa.JSON()),
        sa.column('at', sa.DateTime(timezone=True)),
        sa.column('role', sa.String()),
        sa.column('ip', sa.String()),
        sa.column('seq', sa.BigInteger()),
        sa.column('prev_hash', sa.String()),
        sa.column('row_hash', sa.String()),
    )
    bind = op.get_bind()
    seq, prev = 0, GENESIS
    rows = bind.execute(sa.select(audit).order_by(audit.c.id)).all()
    for row in rows:
        seq += 1
        own = _hash(row, seq, prev)
        bind.execute(audit.update().where(audit.c.id == row.id).values(seq=seq, prev_hash=prev, row_hash=own))
        prev = own
    op.bulk_insert(sa.table('audit_head', sa.column('id'), sa.column('seq'), sa.column('hash')),
                   [{'id': 1, 'seq': seq, 'hash': prev}])
    op.create_table(
        'township_item_off',
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('item_code', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['township_id'], ['township.id']),
        sa.PrimaryKeyConstraint('township_id', 'item_code'),
    )
    op.create_table(
        'guide',
        sa.Column('item_code', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('materials', sa.JSON(), nullable=False),
        sa.Column('updated_by', sa.String(length=60), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('approved', sa.Boolean(), nullable=False),
        sa.Column('approved_by', sa.String(length=60), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('item_code'),
    )
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_offered', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('not_offered')
    op.drop_table('guide')
    op.drop_table('township_item_off')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint('uq_audit_log_seq', type_='unique')
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
