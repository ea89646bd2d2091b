"""Fraud review (刷单复核): review items and rule hits; the applicant's look-up hash on each case

The rules of county/services/fraud_rules.py count one applicant's cases of one item (by the HMAC look-up hash,
never the ID), one device's cases in a short window (and how long each form was open, when the counter says), and a point's disqualified cases; each has an index so that
a batch's check reads only the rows it needs, whatever the history.

Revision ID: 0017_fraud_review
Revises: 0012_bench_indexes
Create Date: 2026-12-07 19:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_fraud_review'
down_revision = '0015_point_applications'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_case_applicant_item_date': ['id_lookup', 'item_code', 'business_date'],
    'ix_case_device_recorded': ['device_id', 'recorded_at'],
    'ix_case_point_disqualified': ['point_id', 'disqualified'],
}


def upgrade() -> None:
    op.add_column('case', sa.Column('id_lookup', sa.String(length=64), nullable=True))
    op.add_column('case', sa.Column('form_seconds', sa.Integer(), nullable=True))
    op.add_column('case', sa.Column('self_completed', sa.Boolean(), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, 'case', columns, unique=False)
    op.create_table(
        'fraud_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('escalated_to', sa.String(length=20), nullable=True),
        sa.Column('escalation_note', sa.Text(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=60), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_fraud_review_point_id', 'fraud_review', ['point_id'], unique=False)
    op.create_index('ix_fraud_review_state', 'fraud_review', ['state', 'opened_at'], unique=False)
    op.create_table(
        'fraud_hit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=30), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('case_ids', sa.JSON(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['fraud_review.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_fraud_hit_review_id', 'fraud_hit', ['review_id'], unique=False)
    op.create_index('ix_fraud_hit_point_rule_key', 'fraud_hit', ['point_id', 'rule', 'key'], unique=False)


def downgrade() -> None:
    op.drop_table('fraud_hit')
    op.drop_table('fraud_review')
    for name in INDEXES:
        op.drop_index(name, table_name='case')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('id_lookup')
        batch.drop_column('form_seconds')
        batch.drop_column('self_completed')
