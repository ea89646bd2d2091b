"""Consultations (咨询) and the 专区 forms' per-address counts

Revision ID: 0010_consultations
Revises: 0009_zhuanqu_pages
Create Date: 2026-12-07 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_consultations'
down_revision = '0009_zhuanqu_pages'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'consultation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('item_code', sa.String(length=16), nullable=True),
        sa.Column('unit_code', sa.String(length=32), nullable=True),
        sa.Column('phone_sealed', sa.Text(), nullable=True),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_date', sa.Date(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('recorded_by', sa.String(length=60), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_by', sa.String(length=60), nullable=True),
        sa.Column('answered_unit', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ref'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index('ix_consultation_unit_code', 'consultation', ['unit_code'])
    op.create_index('ix_consultation_due_date', 'consultation', ['due_date'])
    op.create_index('ix_consultation_answered_at', 'consultation', ['answered_at'])
    op.create_table(
        'public_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_public_attempt_client', 'public_attempt', ['client'])
    op.create_index('ix_public_attempt_key', 'public_attempt', ['key'])
    op.create_index('ix_public_attempt_at', 'public_attempt', ['at'])


def downgrade() -> None:
    op.drop_index('ix_public_attempt_at', table_name='public_attempt')
    op.drop_index('ix_public_attempt_key', table_name='public_attempt')
    op.drop_index('ix_public_attempt_client', table_name='public_attempt')
    op.drop_table('public_attempt')
    op.drop_index('ix_consultation_answered_at', table_name='consultation')
    op.drop_index('ix_consultation_due_date', table_name='consultation')
    op.drop_index('ix_consultation_unit_code', table_name='consultation')
    op.drop_table('consultation')
