"""Material images (材料影像): one row per evidence.attached event; the bytes live outside the database

Revision ID: 0018_evidence_images
Revises: 0012_bench_indexes
Create Date: 2026-12-07 19:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_evidence_images'
down_revision = '0017_fraud_review'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'evidence_image',
        sa.Column('event_id', sa.String(length=32), nullable=False),
        sa.Column('device_id', sa.String(length=32), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.String(length=32), nullable=False),
        sa.Column('material', sa.String(length=40), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('media_type', sa.String(length=20), nullable=False),
        sa.Column('attached_at', sa.String(length=40), nullable=False),
        sa.Column('received', sa.Integer(), nullable=False),
        sa.Column('stored_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('event_id'),
    )
    op.create_index('ix_evidence_image_case_id', 'evidence_image', ['case_id'], unique=False)
    op.create_index('ix_evidence_device_sha', 'evidence_image', ['device_id', 'sha256'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_evidence_device_sha', table_name='evidence_image')
    op.drop_index('ix_evidence_image_case_id', table_name='evidence_image')
    op.drop_table('evidence_image')
