"""The county console: staff accounts, their sessions, the login throttle; role and address on audit rows

Revision ID: 0005_console
Revises: 0004
Create Date: 2026-11-27 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_console'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff_user',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=40), nullable=False),
        sa.Column('display_name', sa.String(length=40), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=True),
        sa.Column('unit_code', sa.String(length=20), nullable=True),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('must_change_password', sa.Boolean(), nullable=False),
        sa.Column('totp_sealed', sa.Text(), nullable=True),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['township_id'], ['township.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('username'),
    )
    op.create_table(
        'staff_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['staff_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_staff_session_user_id', 'staff_session', ['user_id'])
    op.create_table(
        'login_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name_key', sa.String(length=32), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_failure_name_key', 'login_failure', ['name_key'])
    op.create_index('ix_login_failure_client', 'login_failure', ['client'])
    op.create_index('ix_login_failure_at', 'login_failure', ['at'])
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('ip', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('ip')
        batch_op.drop_column('role')
    op.drop_table('login_failure')
    op.drop_table('staff_session')
    op.drop_table('staff_user')
