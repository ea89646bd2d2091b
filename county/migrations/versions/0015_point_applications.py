"""Point applications (申请) with their steps and photos; trainings (培训), attendance and waivers

Revision ID: 0015_point_applications
Revises: 0012_bench_indexes
Create Date: 2026-12-07 19:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_point_applications'
down_revision = '0016_inspections'
branch_labels = None
depends_on = None

BEFORE_RULE = '培训记录启用前已开通的账号'


def upgrade() -> None:
    op.create_table(
        'point_application',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=16), nullable=False),
        sa.Column('check_hash', sa.String(length=64), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('shop_name', sa.String(length=60), nullable=False),
        sa.Column('agent_name', sa.String(length=40), nullable=False),
        sa.Column('agent_sealed', sa.Text(), nullable=False),
        sa.Column('township_id', sa.Integer(), sa.ForeignKey('township.id'), nullable=False),
        sa.Column('village', sa.String(length=40), nullable=False),
        sa.Column('address', sa.String(length=120), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=True),
        sa.Column('point_id', sa.Integer(), sa.ForeignKey('point.id'), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
        sa.UniqueConstraint('ref'),
    )
    op.create_index('ix_point_application_township_id', 'point_application', ['township_id'])
    op.create_index('ix_point_application_state', 'point_application', ['state'])
    op.create_table(
        'application_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('point_application.id'), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=False),
        sa.Column('actor', sa.String(length=60), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_application_step_application_id', 'application_step', ['application_id'])
    op.create_table(
        'application_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('point_application.id'), nullable=False),
        sa.Column('content_type', sa.String(length=20), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_application_photo_application_id', 'application_photo', ['application_id'])
    op.create_table(
        'training_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('place', sa.String(length=120), nullable=False),
        sa.Column('trainer', sa.String(length=40), nullable=False),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_training_session_held_on', 'training_session', ['held_on'])
    op.create_table(
        'training_attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), sa.ForeignKey('training_session.id'), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('point_id', sa.Integer(), sa.ForeignKey('point.id'), nullable=True),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('point_application.id'), nullable=True),
        sa.Column('recorded_by', sa.String(length=60), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_training_attendance_session_id', 'training_attendance', ['session_id'])
    op.create_index('ix_training_attendance_point_id', 'training_attendance', ['point_id'])
    op.create_index('ix_training_attendance_application_id', 'training_attendance', ['application_id'])
    op.create_table(
        'training_waiver',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), sa.ForeignKey('point.id'), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('granted_by', sa.String(length=60), nullable=False),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_training_waiver_point_id', 'training_waiver', ['point_id'])
    # accounts opened before training was recorded keep working: each gets a waiver saying so
    op.execute(
        sa.text(
            "INSERT INTO training_waiver (point_id, name, reason, granted_by, granted_at) "
            "SELECT point_id, name, :reason, 'migration:0015', created_at FROM account"
        ).bindparams(reason=BEFORE_RULE)
    )


def downgrade() -> None:
    for table in ('training_waiver', 'training_attendance', 'training_session', 'application_photo',
                  'application_step', 'point_application'):
        op.drop_table(table)
